import { CURVES } from '../../../crypto/curves.js';
import { OID } from '../../../x509/oids.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';
import { algorithmName } from '../names.js';

const HASH_OF_SIGNATURE: Readonly<Record<string, string>> = {
  [OID.ecdsaWithSha256]: 'sha256',
  [OID.ecdsaWithSha384]: 'sha384',
  [OID.ecdsaWithSha512]: 'sha512',
};

const SIGNATURE_OF_HASH: Readonly<Record<string, string>> = {
  sha256: OID.ecdsaWithSha256,
  sha384: OID.ecdsaWithSha384,
  sha512: OID.ecdsaWithSha512,
};

/**
 * KECP 4.2: the hash matches the strength of the issuer's curve (RFC 5480 section 4): a P-256
 * issuer signs with SHA-256, a P-384 issuer with SHA-384. Runs when the issuer is known (given in
 * the options, or the certificate itself for the self-signed root).
 */
export const signatureHashRule: LintRule = {
  id: 'kecp.signature-hash',
  severity: 'error',
  clause: 'KECP 4.2',
  description: "The signature's hash matches the issuer key's curve (P-256 with SHA-256, P-384 with SHA-384).",
  appliesTo: everyProfile,
  check(cert, _profile, ctx) {
    const key = ctx.issuerKey();
    if (key?.kind !== 'ec' || key.curve === undefined) return undefined;
    const hash = HASH_OF_SIGNATURE[cert.signatureAlgorithm.oid];
    if (hash === undefined) return undefined;
    const expected = CURVES[key.curve].hash;
    return hash === expected
      ? undefined
      : `issuer key is ${key.curve}, so the signature must be ${algorithmName(SIGNATURE_OF_HASH[expected]!)}, not ${algorithmName(cert.signatureAlgorithm.oid)}`;
  },
};
