import type { Certificate } from '../../x509/certificate/certificate.js';
import { PASS, refuse, type Check } from './outcome.js';

/**
 * The validation instant at the granularity certificates use: whole seconds, rounded down.
 * RFC 5280 4.1.2.5 validity times have one-second resolution, so `12:00:00.999` is compared as
 * `12:00:00` (x509-limbo's notbefore-fractional and notafter-fractional cases ask for this).
 */
export function validationSecond(time: Date): number {
  return Math.floor(time.getTime() / 1000) * 1000;
}

/** RFC 5280 6.1.3 (a)(2): notBefore ≤ time ≤ notAfter, both bounds inclusive (4.1.2.5). */
export function checkValidity(certificate: Certificate, atMs: number): Check {
  if (atMs < certificate.notBefore.getTime()) {
    return refuse('ERR_PATH_NOT_YET_VALID', `not valid before ${certificate.notBefore.toISOString()}`);
  }
  if (atMs > certificate.notAfter.getTime()) {
    return refuse('ERR_PATH_EXPIRED', `expired at ${certificate.notAfter.toISOString()}`);
  }
  return PASS;
}
