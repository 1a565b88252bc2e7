import { KeylineError } from '../../../errors/keyline-error.js';
import { isDeviceUrn, parseDeviceUrn } from '../../../x509/extensions/device-urn.js';
import { subjectAltNameOf } from '../../decoded.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

/** RFC 9039 3.2: a URI that claims the `urn:dev:` namespace follows its syntax. */
export const deviceUrnRule: LintRule = {
  id: 'kecp.device-urn',
  severity: 'error',
  clause: 'RFC 9039 3.2',
  description: 'Every urn:dev: URI in subjectAltName follows the RFC 9039 syntax.',
  appliesTo: everyProfile,
  check(cert) {
    const problems: string[] = [];
    for (const gn of subjectAltNameOf(cert) ?? []) {
      if (gn.type !== 'uri' || !isDeviceUrn(gn.value)) continue;
      try {
        parseDeviceUrn(gn.value);
      } catch (error) {
        if (!(error instanceof KeylineError)) throw error;
        problems.push(error.message);
      }
    }
    return problems;
  },
};
