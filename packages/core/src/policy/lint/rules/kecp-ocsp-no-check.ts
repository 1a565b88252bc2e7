import { OID } from '../../../x509/oids.js';
import type { LintRule } from '../types.js';

/** RFC 6960 4.2.2.2.1: id-pkix-ocsp-nocheck's value is NULL. */
export const ocspNoCheckRule: LintRule = {
  id: 'kecp.ocsp-no-check',
  severity: 'error',
  clause: 'RFC 6960 4.2.2.2.1',
  description: 'id-pkix-ocsp-nocheck has the value NULL.',
  appliesTo: (profile) => profile.extensions[OID.ocspNoCheck] !== undefined,
  check(cert) {
    const ext = cert.extension(OID.ocspNoCheck);
    if (ext === undefined) return undefined;
    return ext.value.length === 2 && ext.value[0] === 0x05 && ext.value[1] === 0x00
      ? undefined
      : 'id-pkix-ocsp-nocheck value is not NULL';
  },
};
