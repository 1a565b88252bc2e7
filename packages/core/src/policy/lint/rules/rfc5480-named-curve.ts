import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

/** RFC 5480 2.1.1: an id-ecPublicKey key names its curve (namedCurve); implicitCurve and specifiedCurve MUST NOT be used. */
export const namedCurveRule: LintRule = {
  id: 'rfc5480.named-curve',
  severity: 'error',
  clause: 'RFC 5480 2.1.1',
  description: 'An EC subject key names its curve by OID (no explicit or implicit parameters).',
  appliesTo: everyProfile,
  check(_cert, _profile, ctx) {
    const key = ctx.subjectKey();
    return key.kind === 'ec' && key.parameters !== 'namedCurve'
      ? 'EC public key parameters are not a namedCurve OID (explicit or implicit curve parameters are not allowed)'
      : undefined;
  },
};
