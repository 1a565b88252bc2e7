import { hashBytes } from '../../../crypto/one-shot-hash.js';
import { isKeylineError } from '../../../errors/keyline-error.js';
import type { RandomSource } from '../../../ports/random.js';
import { Certificate } from '../../../x509/certificate/certificate.js';
import { buildOcspRequest } from '../../../x509/ocsp/build-request.js';
import { certIdEquals, certIdFor, type CertIdHash } from '../../../x509/ocsp/cert-id.js';
import { OcspResponse, type BasicOcspResponse } from '../../../x509/ocsp/ocsp-response.js';
import { verifyOcspResponseSignature } from '../../../x509/ocsp/verify.js';
import { namesEqual } from '../../../x509/name/compare.js';
import { OID } from '../../../x509/oids.js';
import { certificateInfo } from '../../validate/certificate-info.js';
import { SignatureChecker } from '../../validate/signature-checker.js';
import { checkValidity, validationSecond } from '../../validate/validity.js';
import type { RevocationAnswer, RevocationSource } from './revocation-source.js';

/** Sends one DER OCSP request about `certificate` and resolves the responder's DER answer. */
export type OcspFetcher = (request: Uint8Array, certificate: Certificate, issuer: Certificate) => Promise<Uint8Array>;

export interface OcspRevocationSourceOptions {
  /** The transport, injected (core has no HTTP): e.g. a POST to the certificate's AIA OCSP URL. */
  readonly fetch: OcspFetcher;
  /**
   * Draws a 16-octet request nonce (RFC 8954) for every request, and the response must echo it.
   * Without it no nonce is sent and none is required (responses may then be cached by the transport).
   */
  readonly random?: RandomSource;
  /** Clock difference tolerated around thisUpdate and nextUpdate, in seconds; default 300. */
  readonly clockSkewSeconds?: number;
  /** Oldest thisUpdate accepted from a response without nextUpdate, in seconds; default 3,600. */
  readonly maxAgeSeconds?: number;
  /** CertID hash; default SHA-1 (RFC 5019 2.1.1: what every responder answers). */
  readonly hash?: CertIdHash;
}

const NONCE_OCTETS = 16;

/**
 * A RevocationSource asking an OCSP responder (RFC 6960) through an injected fetcher, and
 * verifying the answer as a client must (RFC 6960 3.2, 4.2.2.2):
 * - the response is `successful` and basic, and holds a SingleResponse for exactly our CertID;
 * - it is signed by the certificate's issuer, or by a delegated responder certificate it carries
 *   that the issuer signed, that has extKeyUsage id-kp-OCSPSigning and is valid at the time; the
 *   responderId names the signer (by name or by SHA-1 key hash);
 * - it is fresh: thisUpdate not after the time (plus skew), nextUpdate not before it (minus skew),
 *   or without nextUpdate a thisUpdate no older than `maxAgeSeconds`;
 * - with a `random` port, it echoes the request nonce.
 * Any failure (transport, decoding, signature, freshness) answers `'unknown'` with the reason, so
 * `verifyDevice` refuses the device (ERR_ATTEST_REVOCATION_UNKNOWN) rather than trusting it.
 */
export function ocspRevocationSource(options: OcspRevocationSourceOptions): RevocationSource {
  if (typeof options?.fetch !== 'function') throw new TypeError('fetch must be a function');
  const skewMs = (options.clockSkewSeconds ?? 300) * 1000;
  const maxAgeMs = (options.maxAgeSeconds ?? 3600) * 1000;
  if (!(skewMs >= 0) || !(maxAgeMs > 0)) throw new TypeError('clockSkewSeconds and maxAgeSeconds must be positive');
  const hash = options.hash ?? 'sha1';
  return {
    async check(certificate: Certificate, issuer: Certificate, time: Date): Promise<RevocationAnswer> {
      const certId = certIdFor(issuer.subject.der, issuer.publicKey, certificate.serialNumber, hash);
      const nonce = options.random?.bytes(NONCE_OCTETS);
      const request = buildOcspRequest(nonce === undefined ? { certIds: [certId] } : { certIds: [certId], nonce });
      let answer: Uint8Array;
      try {
        answer = await options.fetch(request, certificate, issuer);
      } catch (error) {
        return unknown(`the OCSP responder could not be reached: ${(error as Error)?.message ?? String(error)}`);
      }
      let response: OcspResponse;
      try {
        response = OcspResponse.fromDer(new Uint8Array(answer));
      } catch (error) {
        if (isKeylineError(error)) return unknown(`the OCSP response does not decode: ${error.message}`);
        throw error;
      }
      const basic = response.basic;
      if (basic === undefined) return unknown(`the OCSP responder answered ${response.status}`);
      const single = basic.responses.find((r) => certIdEquals(r.certId, certId));
      if (single === undefined) return unknown('the OCSP response is not about this certificate');
      const signed = signerCheck(basic, issuer, validationSecond(time));
      if (signed !== undefined) return unknown(signed);
      const at = time.getTime();
      if (single.thisUpdate.getTime() > at + skewMs) return unknown('the OCSP response thisUpdate is in the future');
      if (single.nextUpdate !== undefined) {
        if (single.nextUpdate.getTime() < at - skewMs) return unknown('the OCSP response is stale (nextUpdate passed)');
      } else if (single.thisUpdate.getTime() < at - maxAgeMs) {
        return unknown('the OCSP response is too old (no nextUpdate)');
      }
      if (nonce !== undefined && (basic.nonce === undefined || Buffer.compare(basic.nonce, nonce) !== 0)) {
        return unknown('the OCSP response does not echo the request nonce');
      }
      const status = single.certStatus;
      if (status.status === 'good') return { status: 'good' };
      if (status.status === 'unknown') return unknown('the OCSP responder does not know the certificate');
      const reason = status.reason === undefined ? '' : ` (${status.reason})`;
      return { status: 'revoked', reason: `revoked on ${status.revocationTime.toISOString()}${reason}` };
    },
  };
}

function unknown(reason: string): RevocationAnswer {
  return { status: 'unknown', reason };
}

/** Whether `responderId` names `certificate` (RFC 6960 4.2.2.3: byKey is SHA-1 of the key bits). */
function names(basic: BasicOcspResponse, certificate: Certificate): boolean {
  const id = basic.responderId;
  if (id.type === 'byName') return namesEqual(id.name, certificate.subject);
  const keyHash = hashBytes('sha1', certificate.publicKey);
  return Buffer.compare(keyHash, id.keyHash) === 0;
}

/** Undefined when the response is signed by `issuer` or its delegated responder; else why not. */
function signerCheck(basic: BasicOcspResponse, issuer: Certificate, atMs: number): string | undefined {
  let signer: Certificate | undefined;
  if (names(basic, issuer)) {
    signer = issuer;
  } else {
    for (const der of basic.certs) {
      let candidate: Certificate;
      try {
        candidate = Certificate.fromDer(der);
      } catch {
        continue;
      }
      if (names(basic, candidate)) {
        const refusal = delegateCheck(candidate, issuer, atMs);
        if (refusal !== undefined) return refusal;
        signer = candidate;
        break;
      }
    }
  }
  if (signer === undefined) return 'the OCSP response is signed neither by the issuer nor by a responder it delegated';
  try {
    if (!verifyOcspResponseSignature(basic, signer.spki)) return 'the OCSP response signature does not verify';
  } catch (error) {
    if (isKeylineError(error)) return `the OCSP response signature cannot be checked: ${error.message}`;
    throw error;
  }
  return undefined;
}

/** RFC 6960 4.2.2.2: a delegated responder is issued by the CA itself and marked id-kp-OCSPSigning. */
function delegateCheck(responder: Certificate, issuer: Certificate, atMs: number): string | undefined {
  if (!namesEqual(responder.issuer, issuer.subject)) return 'the OCSP responder certificate is not issued by the CA';
  if (!new SignatureChecker().check(responder, issuer, 'certificate').ok) {
    return 'the OCSP responder certificate is not signed by the CA';
  }
  let eku: readonly string[] | undefined;
  try {
    eku = certificateInfo(responder).extensions.extKeyUsage;
  } catch {
    return 'the OCSP responder certificate has a malformed extension';
  }
  if (eku === undefined || !eku.includes(OID.ocspSigning)) {
    return 'the OCSP responder certificate lacks extKeyUsage id-kp-OCSPSigning';
  }
  const validity = checkValidity(responder, atMs);
  return validity.ok ? undefined : `the OCSP responder certificate: ${validity.message}`;
}
