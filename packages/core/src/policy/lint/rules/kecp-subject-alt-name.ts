import { isDeviceUrn } from '../../../x509/extensions/device-urn.js';
import type { GeneralName } from '../../../x509/extensions/types.js';
import { OID } from '../../../x509/oids.js';
import { subjectAltNameOf } from '../../decoded.js';
import type { LintRule } from '../types.js';

function form(gn: GeneralName): string {
  return gn.type === 'registeredId' ? 'registeredID' : gn.type;
}

/**
 * KECP 6.2, 6.3: subjectAltName carries only the name forms the profile allows (otherName only as an
 * RFC 4108 hardwareModuleName), and a device's carries at least one device identifier:
 * a hardwareModuleName or an RFC 9039 `urn:dev:` URI.
 */
export const subjectAltNameRule: LintRule = {
  id: 'kecp.subject-alt-name',
  severity: 'error',
  clause: 'KECP 6.2',
  description:
    "subjectAltName uses only the profile's name forms and, for a device, carries a hardwareModuleName or a device URN.",
  appliesTo: (profile) => profile.subjectAltName !== undefined,
  check(cert, profile) {
    const rule = profile.subjectAltName;
    const names = subjectAltNameOf(cert);
    if (rule === undefined || names === undefined) return undefined;
    const problems: string[] = [];
    const allowed = rule.forms as readonly string[];
    for (const gn of names) {
      if (!allowed.includes(gn.type))
        problems.push(`subjectAltName holds a ${form(gn)} name, which the ${profile.title} profile does not allow`);
      else if (gn.type === 'otherName' && gn.typeId !== OID.hardwareModuleName) {
        problems.push(`subjectAltName holds an otherName of type ${gn.typeId}; only hardwareModuleName is allowed`);
      }
    }
    if (rule.deviceIdentifier) {
      const hasIdentifier = names.some(
        (gn) =>
          (gn.type === 'otherName' && gn.hardwareModuleName !== undefined) ||
          (gn.type === 'uri' && isDeviceUrn(gn.value)),
      );
      if (!hasIdentifier)
        problems.push('subjectAltName carries neither a hardwareModuleName nor a urn:dev: device URN');
    }
    return problems;
  },
};
