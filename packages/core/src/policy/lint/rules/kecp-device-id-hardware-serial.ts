import { OID } from '../../../x509/oids.js';
import { attributeValue, subjectAltNameOf } from '../../decoded.js';
import type { LintRule } from '../types.js';
import { hex } from '../helpers.js';

/**
 * KECP 6.2: a device's hardwareModuleName names the same chip as its subject: exactly one of them,
 * and hex(hwSerialNum) equals the commonName (the device id).
 */
export const deviceIdHardwareSerialRule: LintRule = {
  id: 'kecp.device-id-hardware-serial',
  severity: 'error',
  clause: 'KECP 6.2',
  description: 'A device has at most one hardwareModuleName, and its hwSerialNum in hex equals the commonName.',
  appliesTo: (profile) => profile.name === 'device',
  check(cert) {
    const modules = (subjectAltNameOf(cert) ?? []).flatMap((gn) =>
      gn.type === 'otherName' && gn.hardwareModuleName !== undefined ? [gn.hardwareModuleName] : [],
    );
    if (modules.length === 0) return undefined;
    if (modules.length > 1) return `subjectAltName has ${modules.length} hardwareModuleNames; a device is one chip`;
    const cn = attributeValue(cert.subject.rdns, OID.commonName);
    const serial = hex(modules[0]!.hwSerialNum);
    return cn === serial
      ? undefined
      : `hardwareModuleName serial ${serial} differs from the commonName "${(cn ?? '').slice(0, 70)}"`;
  },
};
