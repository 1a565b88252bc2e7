import type * as Pkcs11Namespace from 'pkcs11js';

/** The pkcs11js module (a native addon, CommonJS; loaded on first use by @keyline/se's module registry). */
export type Pkcs11Lib = typeof Pkcs11Namespace;
export type { PKCS11 } from 'pkcs11js';

/** The CKR_* name of a pkcs11js error (its message), or undefined for anything else. */
export function ckrName(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  return /^CKR_[A-Z0-9_]+$/.test(error.message) ? error.message : undefined;
}
