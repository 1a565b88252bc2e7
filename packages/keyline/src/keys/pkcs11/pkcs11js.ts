import { createRequire } from 'node:module';
import { fail } from '@keyline/core';
import type * as Pkcs11Namespace from 'pkcs11js';

/** The pkcs11js module (a native addon, CommonJS). */
export type Pkcs11Lib = typeof Pkcs11Namespace;
export type { PKCS11 } from 'pkcs11js';

let lib: Pkcs11Lib | undefined;

/**
 * Loads pkcs11js on first use, so a deployment with only file keys never needs the native addon.
 * A missing or unbuilt addon is ERR_KEY_PKCS11_MODULE.
 */
export function pkcs11js(): Pkcs11Lib {
  if (lib === undefined) {
    try {
      lib = createRequire(import.meta.url)('pkcs11js') as Pkcs11Lib;
    } catch (error) {
      fail('ERR_KEY_PKCS11_MODULE', `the pkcs11js addon cannot be loaded: ${(error as Error).message}`);
    }
  }
  return lib;
}

/** The CKR_* name of a pkcs11js error (its message), or undefined for anything else. */
export function ckrName(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  return /^CKR_[A-Z0-9_]+$/.test(error.message) ? error.message : undefined;
}
