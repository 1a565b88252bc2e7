import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { fail } from '@keyline/core';
import type * as Pkcs11Namespace from 'pkcs11js';

/** The pkcs11js addon (CommonJS, native). */
export type Pkcs11Lib = typeof Pkcs11Namespace;
export type { PKCS11 } from 'pkcs11js';

/** One PKCS#11 library, loaded and initialised once per process and shared by every element using it. */
export interface LoadedModule {
  readonly path: string;
  readonly api: Pkcs11Namespace.PKCS11;
  readonly lib: Pkcs11Lib;
}

interface Entry extends LoadedModule {
  refs: number;
  /** False when something else in the process initialised the library first: then it finalises it. */
  readonly ownsInitialize: boolean;
}

// C_Initialize and C_Finalize act on the whole process (PKCS#11 v2.40 section 5.4), so elements share
// one entry per library and the last one to close finalises it.
const loaded = new Map<string, Entry>();
let addon: Pkcs11Lib | undefined;

/** The CKR_* name a pkcs11js error carries as its message, if any. */
export function ckrName(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const match = /^(CKR_[A-Z0-9_]+)/.exec(error.message);
  return match?.[1];
}

function loadAddon(): Pkcs11Lib {
  if (addon === undefined) {
    try {
      addon = createRequire(import.meta.url)('pkcs11js') as Pkcs11Lib;
    } catch (error) {
      fail('ERR_SE_PKCS11', `the pkcs11js addon cannot be loaded: ${(error as Error).message}`);
    }
  }
  return addon;
}

/**
 * Loads and initialises the library at `path` (absolute), or takes one more reference to it. It is
 * initialised with CKF_OS_LOCKING_OK (PKCS#11 v2.40 section 5.4) because another part of the process
 * may call it from libuv worker threads.
 */
export function acquireModule(path: string): LoadedModule {
  if (!isAbsolute(path)) fail('ERR_SE_PKCS11', `the PKCS#11 module path must be absolute: ${path}`);
  const key = resolve(path);
  const existing = loaded.get(key);
  if (existing !== undefined) {
    existing.refs++;
    return existing;
  }
  const lib = loadAddon();
  const api = new lib.PKCS11();
  try {
    api.load(key);
  } catch (error) {
    fail('ERR_SE_PKCS11', `cannot load the PKCS#11 module ${key}: ${(error as Error).message}`);
  }
  let ownsInitialize = true;
  try {
    api.C_Initialize({ flags: lib.CKF_OS_LOCKING_OK });
  } catch (error) {
    if (ckrName(error) === 'CKR_CRYPTOKI_ALREADY_INITIALIZED') ownsInitialize = false;
    else {
      api.close();
      fail('ERR_SE_PKCS11', `the PKCS#11 module ${key} did not initialise: ${(error as Error).message}`);
    }
  }
  const entry: Entry = { path: key, api, lib, refs: 1, ownsInitialize };
  loaded.set(key, entry);
  return entry;
}

/** Drops a reference from `acquireModule`; the last one finalises and unloads the library. */
export function releaseModule(module: LoadedModule): void {
  const entry = loaded.get(module.path);
  if (entry === undefined || entry !== module) return;
  entry.refs--;
  if (entry.refs > 0) return;
  loaded.delete(entry.path);
  try {
    if (entry.ownsInitialize) entry.api.C_Finalize();
  } catch {
    // Finalising a library that is going away anyway: nothing to recover.
  } finally {
    entry.api.close();
  }
}
