import type { LintTarget } from '../target.js';

/** Byte equality of two views. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when issuer and subject are encoded identically (self-issued, RFC 5280 6.1). */
export function isSelfIssued(cert: LintTarget): boolean {
  return sameBytes(cert.issuer.der, cert.subject.der);
}

/** Lower-case hex of bytes, for messages. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Adds whole calendar years to a UTC date (Feb 29 + 1 year → Mar 1, as Date does). */
export function addYears(date: Date, years: number): Date {
  const out = new Date(date.getTime());
  out.setUTCFullYear(out.getUTCFullYear() + years);
  return out;
}

export const DAY_MS = 86_400_000;

/** An always/never rule filter. */
export const everyProfile = (): boolean => true;
