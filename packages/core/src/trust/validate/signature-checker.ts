import { signatureAlgorithmOf, type SignatureAlgorithm } from '../../crypto/algorithms.js';
import { parsePublicKeyInfo, type PublicKeyInfo } from '../../crypto/public-key.js';
import { checkSignature } from '../../crypto/verify.js';
import type { RawAlgorithmIdentifier } from '../../x509/algorithm-identifier.js';
import type { Certificate } from '../../x509/certificate/certificate.js';
import type { ValidationCache } from '../cache/validation-cache.js';
import { attempt, PASS, refuse, type Check } from './outcome.js';

/** Something signed: a certificate or a CRL (the exact signed bytes, the algorithm, the value). */
export interface SignedObject {
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: RawAlgorithmIdentifier;
  readonly signatureValue: Uint8Array;
}

/**
 * Verifies signatures for one validation call, remembering every answer: path building meets the
 * same (child, issuer) edge on many candidate paths, and a signature is the costly step. Each
 * verification actually performed calls `onVerify` first, so the caller can bound the work.
 *
 * A signature that does not verify answers ERR_PATH_BAD_SIGNATURE (or ERR_CRL_BAD_SIGNATURE for a
 * CRL); an algorithm or key Keyline refuses answers the crypto layer's own code
 * (ERR_CRYPTO_UNSUPPORTED_ALGORITHM, ERR_CRYPTO_RSA_KEY_TOO_SMALL, …).
 */
export class SignatureChecker {
  private readonly results = new Map<SignedObject, Map<Certificate, Check>>();
  private readonly keys = new Map<Certificate, PublicKeyInfo | Check>();
  private readonly algorithms = new Map<SignedObject, SignatureAlgorithm | Check>();

  /**
   * `shared`, when given, carries certificate signature successes across calls (see
   * ValidationCache); `atMs` is this call's validation time, which bounds the entries' lifetime.
   */
  constructor(
    private readonly onVerify: () => void = () => undefined,
    private readonly shared?: { readonly cache: ValidationCache; readonly atMs: number },
  ) {}

  /** Did `issuer`'s key sign `signed`? `what` names the signed object in messages. */
  check(signed: SignedObject, issuer: Certificate, kind: 'certificate' | 'crl'): Check {
    let byIssuer = this.results.get(signed);
    if (byIssuer === undefined) {
      byIssuer = new Map();
      this.results.set(signed, byIssuer);
    }
    const known = byIssuer.get(issuer);
    if (known !== undefined) return known;
    const result = this.verify(signed, issuer, kind);
    byIssuer.set(issuer, result);
    return result;
  }

  private verify(signed: SignedObject, issuer: Certificate, kind: 'certificate' | 'crl'): Check {
    const subject = kind === 'certificate' && this.shared !== undefined ? asCertificate(signed) : undefined;
    if (subject !== undefined && this.shared?.cache.hasVerified(subject, issuer, this.shared.atMs) === true) {
      // Same bytes, same answer; the budget is still charged so that a cache never changes a verdict.
      this.onVerify();
      return PASS;
    }
    const result = this.verifyNow(signed, issuer, kind);
    if (subject !== undefined && result.ok) this.shared?.cache.recordVerified(subject, issuer, this.shared.atMs);
    return result;
  }

  private verifyNow(signed: SignedObject, issuer: Certificate, kind: 'certificate' | 'crl'): Check {
    const algorithm = this.algorithmOf(signed);
    if (!isAlgorithm(algorithm)) return algorithm;
    const key = this.keyOf(issuer);
    if (!isKey(key)) return key;
    this.onVerify();
    const result = checkSignature({ algorithm, publicKey: key, data: signed.tbs, signature: signed.signatureValue });
    if (result.ok) return PASS;
    if (result.code === 'ERR_CRYPTO_SIGNATURE_INVALID') {
      return kind === 'crl'
        ? refuse('ERR_CRL_BAD_SIGNATURE', 'the CRL signature does not verify with the issuer key')
        : refuse('ERR_PATH_BAD_SIGNATURE', 'the certificate signature does not verify with the issuer key');
    }
    return refuse(result.code, `signature: ${result.message}`);
  }

  private algorithmOf(signed: SignedObject): SignatureAlgorithm | Check {
    let algorithm = this.algorithms.get(signed);
    if (algorithm === undefined) {
      const parsed = attempt(() => signatureAlgorithmOf(signed.signatureAlgorithm), 'signature algorithm');
      algorithm = parsed.ok ? parsed.value : parsed;
      this.algorithms.set(signed, algorithm);
    }
    return algorithm;
  }

  private keyOf(issuer: Certificate): PublicKeyInfo | Check {
    const key = this.keys.get(issuer) ?? issuerKeyOf(issuer);
    this.keys.set(issuer, key);
    return key;
  }
}

/**
 * Issuer keys parsed (and imported) once per certificate object across calls: the same decoded CA
 * certificates come back from a ValidationCache on every call, and parsing is a pure function of
 * the SPKI bytes. A WeakMap: entries go with the certificates.
 */
const issuerKeys = new WeakMap<Certificate, PublicKeyInfo | Check>();

/** The issuer certificate's key, parsed and imported once per certificate object (or why it cannot be). */
export function issuerKeyOf(issuer: Certificate): PublicKeyInfo | Check {
  let key = issuerKeys.get(issuer);
  if (key === undefined) {
    const parsed = attempt(() => parsePublicKeyInfo(issuer.spki, { importKey: true }), 'issuer public key');
    key = parsed.ok ? parsed.value : parsed;
    issuerKeys.set(issuer, key);
  }
  return key;
}

/** The signed object as a certificate (what the shared cache keys on), when it is one. */
function asCertificate(signed: SignedObject): Certificate | undefined {
  return 'fingerprint' in signed && 'notAfter' in signed ? (signed as Certificate) : undefined;
}

function isAlgorithm(value: SignatureAlgorithm | Check): value is SignatureAlgorithm {
  return !('ok' in value);
}

function isKey(value: PublicKeyInfo | Check): value is PublicKeyInfo {
  return !('ok' in value);
}
