import { OID } from '../../../x509/oids.js';
import { basicConstraintsOf, nameConstraintsOf } from '../../decoded.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

export const nameConstraintsRule: LintRule = {
  id: 'rfc5280.name-constraints',
  severity: 'error',
  clause: 'RFC 5280 4.2.1.10',
  description: 'nameConstraints appears only in CA certificates, is critical, and is not empty.',
  appliesTo: everyProfile,
  check(cert) {
    const ext = cert.extension(OID.nameConstraints);
    if (ext === undefined) return undefined;
    const problems: string[] = [];
    if (basicConstraintsOf(cert)?.ca !== true)
      problems.push('nameConstraints appears in a certificate that is not a CA');
    if (!ext.critical) problems.push('nameConstraints is not critical');
    const nc = nameConstraintsOf(cert);
    if (nc !== undefined && !nc.permitted?.length && !nc.excluded?.length) {
      problems.push('nameConstraints has neither permittedSubtrees nor excludedSubtrees');
    }
    return problems;
  },
};
