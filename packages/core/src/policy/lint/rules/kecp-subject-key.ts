import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

/** KECP 4.3: ECDSA keys on the curves the profile names; RSA and EdDSA are not issued in v1. */
export const subjectKeyRule: LintRule = {
  id: 'kecp.subject-key',
  severity: 'error',
  clause: 'KECP 4.3',
  description: "The subject key is an EC key on one of the profile's curves.",
  appliesTo: everyProfile,
  check(_cert, profile, ctx) {
    const key = ctx.subjectKey();
    const allowed = profile.curves.join(' or ');
    if (key.kind !== 'ec')
      return `subject key is ${key.kind === 'other' ? key.oid : key.kind}; the ${profile.title} profile requires an EC key on ${allowed}`;
    if (key.parameters !== 'namedCurve') return undefined; // rfc5480.named-curve reports it
    if (key.curve === undefined || !(profile.curves as readonly string[]).includes(key.curve)) {
      return `subject key is on ${key.curve ?? key.curveOid}; the ${profile.title} profile requires ${allowed}`;
    }
    return undefined;
  },
};
