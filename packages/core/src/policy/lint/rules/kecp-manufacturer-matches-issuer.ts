import { attributeValue } from '../../decoded.js';
import { KEYLINE_ATTRIBUTE } from '../../oids.js';
import type { LintRule } from '../types.js';

/**
 * KECP 3.2: a manufacturer's subtree names one manufacturer. When the issuer carries a manufacturer
 * id, a subject that carries one carries the same. Runs when the issuer is given.
 */
export const manufacturerMatchesIssuerRule: LintRule = {
  id: 'kecp.manufacturer-matches-issuer',
  severity: 'error',
  clause: 'KECP 3.2',
  description: "The subject's manufacturer id, when present, equals the issuer's.",
  appliesTo: (profile) => !profile.selfSigned,
  check(cert, _profile, ctx) {
    const issuer = ctx.options.issuer;
    if (issuer === undefined) return undefined;
    const theirs = attributeValue(issuer.subject.rdns, KEYLINE_ATTRIBUTE.manufacturerId);
    const ours = attributeValue(cert.subject.rdns, KEYLINE_ATTRIBUTE.manufacturerId);
    if (theirs === undefined || ours === undefined || theirs === ours) return undefined;
    return `manufacturer id "${ours.slice(0, 40)}" differs from the issuer's "${theirs.slice(0, 40)}"`;
  },
};
