import { CURVES, curveByOid, type CurveName } from '../../crypto/curves.js';
import { KeylineError } from '../../errors/keyline-error.js';
import { readOid } from '../../x509/der/primitives.js';
import { Tag } from '../../x509/der/tags.js';
import { readTlv } from '../../x509/der/tlv.js';
import * as der from '../../x509/der/writer.js';
import { OID } from '../../x509/oids.js';
import type { LintTarget } from '../target.js';
import { sameBytes } from './helpers.js';

/** A subject public key as the policy judges it (KECP 4.3). */
export type SubjectKeyInfo =
  | {
      readonly kind: 'ec';
      /** The named curve, when the parameters name one Keyline knows. */
      readonly curve: CurveName | undefined;
      /** The namedCurve OID, when the parameters are an OID (RFC 5480 2.1.1). */
      readonly curveOid: string | undefined;
      /** How the parameters are given: a namedCurve OID, or anything else (explicit, implicitCA, absent). */
      readonly parameters: 'namedCurve' | 'other';
    }
  | { readonly kind: 'ed25519' | 'rsa' | 'other'; readonly oid: string };

/** Reads the key algorithm and curve from the SubjectPublicKeyInfo's AlgorithmIdentifier. */
export function subjectKeyInfo(cert: LintTarget): SubjectKeyInfo {
  const { oid, parameters } = cert.publicKeyAlgorithm;
  if (oid === OID.ecPublicKey) {
    const curveOid = parameters === undefined ? undefined : namedCurveOid(parameters);
    return {
      kind: 'ec',
      curve: curveOid === undefined ? undefined : curveByOid(curveOid)?.name,
      curveOid,
      parameters: curveOid === undefined ? 'other' : 'namedCurve',
    };
  }
  if (oid === OID.ed25519) return { kind: 'ed25519', oid };
  if (oid === OID.rsaEncryption || oid === OID.rsassaPss) return { kind: 'rsa', oid };
  return { kind: 'other', oid };
}

/** DER of the namedCurve OIDs Keyline knows, compared as bytes so the usual case decodes nothing. */
const KNOWN_PARAMETERS = Object.values(CURVES).map((curve) => ({ oid: curve.oid, der: der.oid(curve.oid) }));

/** The OID in ECParameters when it is the namedCurve choice; undefined for any other form. */
function namedCurveOid(parameters: Uint8Array): string | undefined {
  if (parameters[0] !== Tag.OID) return undefined;
  for (const known of KNOWN_PARAMETERS) if (sameBytes(parameters, known.der)) return known.oid;
  try {
    return readOid(parameters, readTlv(parameters, 0, parameters.length));
  } catch (error) {
    // The parameters were validated as DER when the certificate was parsed; an OID that still
    // does not read (e.g. an arc we refuse) is simply not a curve we know.
    if (error instanceof KeylineError) return undefined;
    throw error;
  }
}
