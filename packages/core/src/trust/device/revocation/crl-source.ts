import type { Certificate } from '../../../x509/certificate/certificate.js';
import { crlsFrom } from '../../inputs.js';
import { checkCrlStatus } from '../../revocation/crl-check.js';
import type { CrlInput } from '../../types.js';
import type { Check } from '../../validate/outcome.js';
import { SignatureChecker, type SignedObject } from '../../validate/signature-checker.js';
import { validationSecond } from '../../validate/validity.js';
import { namesEqual } from '../../../x509/name/compare.js';
import type { RevocationAnswer, RevocationSource } from './revocation-source.js';

/** Default `clockSkewSeconds` of `crlRevocationSource`. */
export const DEFAULT_CRL_CLOCK_SKEW_SECONDS = 300;

/** Options of `crlRevocationSource`. */
export interface CrlRevocationSourceOptions {
  /** How far a CRL's thisUpdate may be after the verification time, in seconds; default 300. */
  readonly clockSkewSeconds?: number;
}

/**
 * A RevocationSource over a fixed set of CRLs, with trust/'s RFC 5280 6.3.3 CRL processing
 * (`checkCrlStatus`): direct, complete CRLs signed by the certificate's issuer, current at the
 * verification time, covering the certificate. Listed: `'revoked'`; covered and not listed:
 * `'good'`; anything else (no CRL of the issuer, an expired or badly signed CRL, …): `'unknown'`
 * with the reason. CRLs signed by a separate CRL-signing certificate are not used here.
 *
 * A CRL of the certificate's issuer whose thisUpdate is after the verification time by at most
 * `clockSkewSeconds` (default 300, as `ocspRevocationSource`) is judged as of its thisUpdate: the
 * CA's clock a little ahead of the verifier's, or a CRL the CA re-signed while this verification
 * ran (a verifier fixes its time first and fetches the CRL last), is not a CRL "not yet valid".
 *
 * Each CRL's signature is verified once per issuer key and remembered for the life of the source
 * (CRLs are immutable), so checking a device costs no signature verification. Make a new source
 * when new CRLs are published. Throws the decoder's KeylineError for a CRL that does not decode.
 */
export function crlRevocationSource(
  crls: CrlInput | readonly CrlInput[],
  options: CrlRevocationSourceOptions = {},
): RevocationSource {
  const list = crlsFrom(crls);
  const skewMs = (options.clockSkewSeconds ?? DEFAULT_CRL_CLOCK_SKEW_SECONDS) * 1000;
  if (!(skewMs >= 0) || !Number.isFinite(skewMs)) throw new TypeError('clockSkewSeconds must be a non-negative number');
  const memo = new MemoSignatures();
  return {
    check(certificate: Certificate, issuer: Certificate, time: Date): RevocationAnswer {
      const atMs = validationSecond(time);
      let judgedAt = atMs;
      for (const crl of list) {
        const thisUpdate = crl.thisUpdate.getTime();
        if (thisUpdate > judgedAt && thisUpdate <= atMs + skewMs && namesEqual(crl.issuer, certificate.issuer)) {
          judgedAt = thisUpdate;
        }
      }
      const result = checkCrlStatus(certificate, issuer, issuer, {
        crls: list,
        atMs: judgedAt,
        signatures: memo.checker(),
      });
      if (result.ok) return { status: 'good' };
      if (result.code === 'ERR_PATH_REVOKED') return { status: 'revoked', reason: result.message };
      return { status: 'unknown', reason: `${result.code}: ${result.message}` };
    },
  };
}

/**
 * CRL signature results by CRL and issuer fingerprint. checkCrlStatus asks a SignatureChecker;
 * one made per check would verify every CRL again for every device, and one kept for the source's
 * life would grow with every issuer object it meets, so this one wraps a fresh checker per check
 * and remembers its answers by value (bounded by the CRLs held times the CAs that issue them).
 */
class MemoSignatures {
  private readonly results = new WeakMap<SignedObject, Map<string, Check>>();

  checker(): SignatureChecker {
    const inner = new SignatureChecker();
    const results = this.results;
    const wrapped = Object.create(inner) as SignatureChecker;
    wrapped.check = (signed: SignedObject, issuer: Certificate, kind: 'certificate' | 'crl'): Check => {
      let byIssuer = results.get(signed);
      if (byIssuer === undefined) {
        byIssuer = new Map();
        results.set(signed, byIssuer);
      }
      const known = byIssuer.get(issuer.fingerprint);
      if (known !== undefined) return known;
      const answer = inner.check(signed, issuer, kind);
      byIssuer.set(issuer.fingerprint, answer);
      return answer;
    };
    return wrapped;
  }
}
