import { ATTEST_ERRORS } from './codes/attest.js';
import { CA_ERRORS } from './codes/ca.js';
import { CLI_ERRORS } from './codes/cli.js';
import { COMPRESSED_ERRORS } from './codes/compressed.js';
import { CRYPTO_ERRORS } from './codes/crypto.js';
import { DER_ERRORS } from './codes/der.js';
import { DEVICE_ERRORS } from './codes/device.js';
import { FACTORY_ERRORS } from './codes/factory.js';
import { MTLS_ERRORS } from './codes/mtls.js';
import { PKCS7_ERRORS } from './codes/pkcs7.js';
import { POLICY_ERRORS } from './codes/policy.js';
import { REVOCATION_ERRORS } from './codes/revocation.js';
import { SE_ERRORS } from './codes/se.js';
import { TRUST_ERRORS } from './codes/trust.js';
import { X509_ERRORS } from './codes/x509.js';
import type { ErrorSpec } from './spec.js';

/**
 * Every error code Keyline can produce. Each capability keeps its codes in its own file under
 * `codes/`; this registry merges them. `docs/errors.md` lists them and a test keeps the two equal.
 */
export const ERROR_REGISTRY = {
  ...DER_ERRORS,
  ...CRYPTO_ERRORS,
  ...CLI_ERRORS,
  ...CA_ERRORS,
  ...X509_ERRORS,
  ...REVOCATION_ERRORS,
  ...POLICY_ERRORS,
  ...TRUST_ERRORS,
  ...PKCS7_ERRORS,
  ...SE_ERRORS,
  ...COMPRESSED_ERRORS,
  ...ATTEST_ERRORS,
  ...DEVICE_ERRORS,
  ...FACTORY_ERRORS,
  ...MTLS_ERRORS,
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_REGISTRY;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_REGISTRY, value);
}
