import { KeylineError, isKeylineError } from '@keyline/core';
import { acquirePkcs11Module, releasePkcs11Module, type LoadedPkcs11Module } from '@keyline/se';

/** One PKCS#11 library, loaded and initialised once per process (the registry lives in @keyline/se). */
export type Pkcs11Module = LoadedPkcs11Module;

/**
 * Loads and initialises the PKCS#11 library at `path` (absolute), or takes another reference to it,
 * through the process-wide registry that secure elements use too: C_Initialize and C_Finalize act on
 * the whole process (PKCS#11 v2.40 5.4), so CA keys and elements on one library must share one entry.
 * A missing or broken library is ERR_KEY_PKCS11_MODULE here.
 */
export function acquireModule(path: string): Pkcs11Module {
  try {
    return acquirePkcs11Module(path);
  } catch (error) {
    if (isKeylineError(error, 'ERR_SE_PKCS11')) {
      throw new KeylineError('ERR_KEY_PKCS11_MODULE', error.message, undefined, { cause: error });
    }
    throw error;
  }
}

/** Drops a reference taken by `acquireModule`; the last one finalises and unloads the library. */
export function releaseModule(module: Pkcs11Module): void {
  releasePkcs11Module(module);
}
