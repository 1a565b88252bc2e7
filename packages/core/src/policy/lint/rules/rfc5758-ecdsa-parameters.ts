import { OID } from '../../../x509/oids.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

const ECDSA_WITH_SHA2 = new Set<string>([OID.ecdsaWithSha256, OID.ecdsaWithSha384, OID.ecdsaWithSha512]);

/** RFC 5758 3.2: for ecdsa-with-SHA224/256/384/512 "the encoding MUST omit the parameters field". */
export const ecdsaParametersRule: LintRule = {
  id: 'rfc5758.ecdsa-parameters',
  severity: 'error',
  clause: 'RFC 5758 3.2',
  description: 'An ECDSA signature AlgorithmIdentifier omits its parameters.',
  appliesTo: everyProfile,
  check(cert) {
    const alg = cert.signatureAlgorithm;
    return ECDSA_WITH_SHA2.has(alg.oid) && alg.parameters !== undefined
      ? `signature algorithm ${alg.oid} carries parameters; they must be absent`
      : undefined;
  },
};
