import { OID } from '../../../x509/oids.js';
import { attributeValue } from '../../decoded.js';
import { isDeviceId } from '../../naming.js';
import type { LintRule } from '../types.js';

/** KECP 6.1: a device's commonName is its device id: the chip serial in lowercase hex, 4 to 32 octets. */
export const deviceIdRule: LintRule = {
  id: 'kecp.device-id',
  severity: 'error',
  clause: 'KECP 6.1',
  description: "A device's commonName is its device id: 8 to 64 lowercase hex digits (the chip serial).",
  appliesTo: (profile) => profile.name === 'device',
  check(cert) {
    const cn = attributeValue(cert.subject.rdns, OID.commonName);
    if (cn === undefined) return undefined; // kecp.subject-attributes reports it
    return isDeviceId(cn)
      ? undefined
      : `commonName "${cn.slice(0, 70)}" is not a device id (8 to 64 lowercase hex digits, whole octets)`;
  },
};
