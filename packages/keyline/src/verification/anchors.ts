import { certificatesFrom, type CertificateInput } from '@keyline/core';

/**
 * The pool's trust anchors as DER (what can cross to the workers), from anything verifyDevice
 * takes: PEM, DER or decoded certificates. Decoding them here refuses a bad anchor when the pool
 * is made, not on every verification.
 */
export function anchorsDer(input: CertificateInput | readonly CertificateInput[]): Uint8Array[] {
  const anchors = certificatesFrom(input).map((c) => Uint8Array.from(c.der));
  if (anchors.length === 0) throw new TypeError('a verifier pool needs at least one trust anchor');
  return anchors;
}
