import { encodeSignatureAlgorithm } from '../../crypto/algorithms.js';
import type { Signer } from '../../crypto/signer.js';
import { fail } from '../../errors/keyline-error.js';
import { Tag, contextConstructed, contextPrimitive } from '../der/tags.js';
import { parseDer } from '../der/validate.js';
import * as der from '../der/writer.js';
import { encodeExtensions } from '../extensions/extension.js';
import type { Extension } from '../extensions/types.js';
import { OID } from '../oids.js';
import { requireNameDer } from '../crl/name-input.js';
import { crlReasonCode } from '../crl/reason.js';
import type { CertId } from './cert-id.js';
import { nonceExtension } from './nonce.js';
import { OCSP_RESPONSE_STATUSES, type OcspErrorStatus } from './response-status.js';
import type { OcspCertStatus } from './single-response.js';

/** One SingleResponse to sign. */
export interface OcspSingleResponseInput {
  /** Echo the CertID of the request (its DER is reused byte for byte) or one from `certIdFor`. */
  readonly certId: CertId;
  readonly certStatus: OcspCertStatus;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  /** singleExtensions, if any. */
  readonly extensions?: readonly Extension[];
}

/** What `buildOcspResponse` needs. */
export interface BuildOcspResponseInput {
  /**
   * ResponderID (RFC 6960 4.2.1): `byKeyHash`, the 20-octet SHA-1 of the responder's
   * subjectPublicKey (`keyIdentifierFromSpki(spki)`), or `byName`, the DER of its subject Name.
   */
  readonly responder: { readonly byKeyHash: Uint8Array } | { readonly byName: Uint8Array };
  readonly producedAt: Date;
  readonly responses: readonly OcspSingleResponseInput[];
  /** The request's nonce, echoed as id-pkix-ocsp-nonce (RFC 8954). */
  readonly nonce?: Uint8Array;
  readonly signer: Signer;
  /** DER certificates to include (a delegated responder's certificate, RFC 6960 4.2.2.2). */
  readonly certs?: readonly Uint8Array[];
}

/**
 * Builds and signs a successful OCSP response with a BasicOCSPResponse (RFC 6960 4.2.1). Every
 * GeneralizedTime is written as YYYYMMDDHHMMSSZ (milliseconds are dropped), as RFC 5280
 * 4.1.2.5.2 profiles it. Refuses (ERR_X509_BUILD_INVALID): no responses, a key hash that is not 20
 * octets, a name or certificate that is not DER, nextUpdate before thisUpdate, a bad nonce or reason.
 * Returns the DER of the OCSPResponse.
 */
export async function buildOcspResponse(input: BuildOcspResponseInput): Promise<Uint8Array> {
  const { signer } = input;
  if (input.responses.length === 0)
    fail('ERR_X509_BUILD_INVALID', 'an OCSP response needs at least one SingleResponse');
  const parts: Uint8Array[] = [encodeResponderId(input.responder), generalizedTime(input.producedAt, 'producedAt')];
  parts.push(der.tlv(Tag.SEQUENCE, der.concat(input.responses.map(encodeSingleResponse))));
  if (input.nonce !== undefined) parts.push(der.explicit(1, encodeExtensions([nonceExtension(input.nonce)])));
  const tbs = der.seq(...parts);
  const algorithm = encodeSignatureAlgorithm(signer.algorithm);
  const signature = await signer.sign(tbs);
  const basicParts = [tbs, algorithm, der.bits(signature)];
  if (input.certs !== undefined && input.certs.length > 0) {
    for (const cert of input.certs) checkCertificateDer(cert);
    basicParts.push(der.explicit(0, der.tlv(Tag.SEQUENCE, der.concat(input.certs))));
  }
  const basic = der.seq(...basicParts);
  return der.seq(
    der.int(OCSP_RESPONSE_STATUSES.successful, Tag.ENUMERATED),
    der.explicit(0, der.seq(der.oid(OID.ocspBasic), der.octets(basic))),
  );
}

/** An unsigned error response (RFC 6960 4.2.1): the status alone, no responseBytes. */
export function buildOcspErrorResponse(status: OcspErrorStatus): Uint8Array {
  if (status === ('successful' as string) || !Object.hasOwn(OCSP_RESPONSE_STATUSES, status)) {
    throw new TypeError(`"${String(status)}" is not an OCSP error status`);
  }
  return der.seq(der.int(OCSP_RESPONSE_STATUSES[status], Tag.ENUMERATED));
}

function encodeResponderId(responder: BuildOcspResponseInput['responder']): Uint8Array {
  if ('byKeyHash' in responder) {
    if (!(responder.byKeyHash instanceof Uint8Array) || responder.byKeyHash.length !== 20) {
      fail('ERR_X509_BUILD_INVALID', 'responder byKeyHash must be the 20-octet SHA-1 key hash (RFC 6960 4.2.1)');
    }
    return der.explicit(2, der.octets(responder.byKeyHash));
  }
  requireNameDer(responder.byName, 'responder byName');
  return der.explicit(1, responder.byName);
}

function encodeSingleResponse(single: OcspSingleResponseInput): Uint8Array {
  const thisUpdate = generalizedTime(single.thisUpdate, 'thisUpdate');
  const parts = [single.certId.der, encodeCertStatus(single.certStatus), thisUpdate];
  if (single.nextUpdate !== undefined) {
    if (single.nextUpdate.getTime() < single.thisUpdate.getTime()) {
      fail('ERR_X509_BUILD_INVALID', 'nextUpdate must not be before thisUpdate');
    }
    parts.push(der.explicit(0, generalizedTime(single.nextUpdate, 'nextUpdate')));
  }
  if (single.extensions !== undefined && single.extensions.length > 0) {
    parts.push(der.explicit(1, encodeExtensions(single.extensions)));
  }
  return der.seq(...parts);
}

function encodeCertStatus(status: OcspCertStatus): Uint8Array {
  switch (status.status) {
    case 'good':
      return der.tlv(contextPrimitive(0), new Uint8Array(0));
    case 'unknown':
      return der.tlv(contextPrimitive(2), new Uint8Array(0));
    case 'revoked': {
      const parts = [generalizedTime(status.revocationTime, 'revocationTime')];
      if (status.reason !== undefined) {
        parts.push(der.explicit(0, der.int(crlReasonCode(status.reason), Tag.ENUMERATED)));
      }
      return der.tlv(contextConstructed(1), der.concat(parts));
    }
    default:
      throw new TypeError(`unknown OCSP certStatus ${(status as { status: unknown }).status as string}`);
  }
}

function generalizedTime(date: Date, what: string): Uint8Array {
  if (!(date instanceof Date) || Number.isNaN(date.getTime()))
    fail('ERR_X509_BUILD_INVALID', `${what} is not a valid Date`);
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) fail('ERR_X509_BUILD_INVALID', `${what} must fall in years 0..9999`);
  return der.generalizedTime(date);
}

function checkCertificateDer(cert: Uint8Array): void {
  try {
    if (parseDer(cert).tag === Tag.SEQUENCE) return;
  } catch {
    // fall through to the refusal below
  }
  fail('ERR_X509_BUILD_INVALID', 'certs must each be the DER of a certificate');
}
