import { fail } from '../../errors/keyline-error.js';

/**
 * The CRLReason enumeration of RFC 5280 section 5.3.1, by name. Value 7 is unused and never
 * accepted; removeFromCRL (8) belongs in delta CRLs only.
 */
export const CRL_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;

/** A CRLReason by name (RFC 5280 5.3.1). Also the revocationReason of OCSP (RFC 6960 4.2.1). */
export type CrlReason = keyof typeof CRL_REASONS;

const BY_CODE: ReadonlyMap<number, CrlReason> = new Map(
  (Object.entries(CRL_REASONS) as Array<[CrlReason, number]>).map(([name, code]) => [code, name]),
);

/** The reason for an ENUMERATED value; 7 and values above 10 end in ERR_CRL_BAD_REASON. */
export function crlReasonFromCode(code: number): CrlReason {
  const name = BY_CODE.get(code);
  if (name === undefined) fail('ERR_CRL_BAD_REASON', `CRL reason code ${code} is not defined by RFC 5280 5.3.1`);
  return name;
}

/** The ENUMERATED value of a reason; an unknown name is a builder misuse (ERR_X509_BUILD_INVALID). */
export function crlReasonCode(reason: CrlReason): number {
  const code = (CRL_REASONS as Record<string, number>)[reason];
  if (code === undefined || !Object.prototype.hasOwnProperty.call(CRL_REASONS, reason)) {
    fail('ERR_X509_BUILD_INVALID', `"${String(reason)}" is not a CRL reason name of RFC 5280 5.3.1`);
  }
  return code;
}
