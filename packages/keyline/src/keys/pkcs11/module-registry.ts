import { isAbsolute, resolve } from 'node:path';
import { fail } from '@keyline/core';
import { ckrName, pkcs11js, type PKCS11, type Pkcs11Lib } from './pkcs11js.js';

/** One PKCS#11 library, loaded and initialised once per process. */
export interface Pkcs11Module {
  readonly path: string;
  readonly api: PKCS11;
  readonly lib: Pkcs11Lib;
}

interface Entry extends Pkcs11Module {
  refs: number;
  /** False when something else in the process had initialised the library: then it finalises it. */
  readonly ownsInitialize: boolean;
}

// A library's state is process-wide (C_Initialize may run once, C_Finalize ends it for everyone), so
// every provider in the process shares one entry per library and the last one out finalises.
const loaded = new Map<string, Entry>();

/**
 * Loads and initialises the PKCS#11 library at `path` (absolute) or takes another reference to it.
 * Initialised with CKF_OS_LOCKING_OK (PKCS#11 v2.40 5.4, C_Initialize): pkcs11js runs asynchronous
 * calls on libuv worker threads, so the library must lock for itself. A missing or broken library is
 * ERR_KEY_PKCS11_MODULE.
 */
export function acquireModule(path: string): Pkcs11Module {
  if (!isAbsolute(path)) fail('ERR_KEY_PKCS11_MODULE', `the PKCS#11 module path must be absolute: ${path}`);
  const key = resolve(path);
  const existing = loaded.get(key);
  if (existing !== undefined) {
    existing.refs++;
    return existing;
  }
  const lib = pkcs11js();
  const api = new lib.PKCS11();
  try {
    api.load(key);
  } catch (error) {
    fail('ERR_KEY_PKCS11_MODULE', `cannot load the PKCS#11 module ${key}: ${(error as Error).message}`);
  }
  let ownsInitialize = true;
  try {
    api.C_Initialize({ flags: lib.CKF_OS_LOCKING_OK });
  } catch (error) {
    if (ckrName(error) === 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
      ownsInitialize = false;
    } else {
      api.close();
      fail('ERR_KEY_PKCS11_MODULE', `the PKCS#11 module ${key} did not initialise: ${(error as Error).message}`);
    }
  }
  const entry: Entry = { path: key, api, lib, refs: 1, ownsInitialize };
  loaded.set(key, entry);
  return entry;
}

/** Drops a reference taken by `acquireModule`; the last one finalises and unloads the library. */
export function releaseModule(module: Pkcs11Module): void {
  const entry = loaded.get(module.path);
  if (entry === undefined || entry !== module) return;
  entry.refs--;
  if (entry.refs > 0) return;
  loaded.delete(entry.path);
  try {
    if (entry.ownsInitialize) entry.api.C_Finalize();
  } finally {
    entry.api.close();
  }
}
