import { authorityKeyIdentifierOf, basicConstraintsOf, keyUsageOf, subjectKeyIdentifierOf } from '../../decoded.js';
import type { LintRule } from '../types.js';
import { hex, sameBytes } from '../helpers.js';

/**
 * RFC 5280 4.1.2.4, 4.2.1.1 and 6.1.3 (a)(4): the certificate's issuer name is the issuer
 * certificate's subject, its authorityKeyIdentifier is the issuer's subjectKeyIdentifier, and the
 * issuer is a CA allowed to sign certificates. Runs when the issuer is given; the signature itself
 * is not verified here (it may be a placeholder).
 */
export const issuerLinkageRule: LintRule = {
  id: 'kecp.issuer-linkage',
  severity: 'error',
  clause: 'RFC 5280 4.2.1.1, 6.1.3',
  description:
    'The issuer name and authorityKeyIdentifier match the issuer certificate, which is a CA with keyCertSign.',
  appliesTo: (profile) => !profile.selfSigned,
  check(cert, _profile, ctx) {
    const issuer = ctx.options.issuer;
    if (issuer === undefined) return undefined;
    const problems: string[] = [];
    if (!sameBytes(cert.issuer.der, issuer.subject.der))
      problems.push("issuer name differs from the issuer certificate's subject");
    const aki = authorityKeyIdentifierOf(cert)?.keyIdentifier;
    const ski = subjectKeyIdentifierOf(issuer);
    if (aki !== undefined && ski !== undefined && !sameBytes(aki, ski)) {
      problems.push(`authorityKeyIdentifier ${hex(aki)} differs from the issuer's subjectKeyIdentifier ${hex(ski)}`);
    }
    if (basicConstraintsOf(issuer)?.ca !== true) problems.push('the issuer certificate is not a CA');
    else if (keyUsageOf(issuer)?.has('keyCertSign') === false)
      problems.push('the issuer certificate lacks keyCertSign');
    return problems;
  },
};
