import { describe, expect, it } from 'vitest';
import { certificateInfo } from '../../../src/trust/validate/certificate-info.js';
import { checkIntermediatePurpose, checkLeafPurpose } from '../../../src/trust/validate/purpose.js';
import type { KeyUsageName } from '../../../src/x509/extensions/types.js';
import { OID } from '../../../src/x509/oids.js';
import { issue, issueCa, makeRoot } from '../fixtures/test-pki.js';

const root = makeRoot('CN=Purpose Root');

function leafCode(purpose: 'serverAuth' | 'clientAuth' | 'any', eku?: string[], ku?: KeyUsageName[] | null): string {
  const cert = issue(root, 'CN=purpose leaf', {
    ...(eku && { extKeyUsage: eku }),
    ...(ku !== undefined && { keyUsage: ku }),
  });
  const r = checkLeafPurpose(certificateInfo(cert.certificate), purpose);
  return r.ok ? 'OK' : r.code;
}

describe('purpose checks', () => {
  it('reads extKeyUsage: absent allows all, anyExtendedKeyUsage allows all, else the listed purposes', () => {
    expect(leafCode('serverAuth')).toBe('OK');
    expect(leafCode('serverAuth', [OID.anyExtendedKeyUsage])).toBe('OK');
    expect(leafCode('serverAuth', [OID.clientAuth])).toBe('ERR_PATH_PURPOSE_MISMATCH');
    expect(leafCode('clientAuth', [OID.clientAuth, OID.serverAuth])).toBe('OK');
    expect(leafCode('any', [OID.codeSigning])).toBe('OK');
  });

  it('reads keyUsage per TLS role: servers may encipher keys, clients may not', () => {
    expect(leafCode('serverAuth', undefined, ['keyEncipherment'])).toBe('OK');
    expect(leafCode('clientAuth', undefined, ['keyEncipherment'])).toBe('ERR_PATH_KEY_USAGE_MISMATCH');
    expect(leafCode('clientAuth', undefined, null)).toBe('OK');
    expect(leafCode('any', undefined, ['cRLSign'])).toBe('OK');
  });

  it('lets a CA extKeyUsage limit the purposes it certifies', () => {
    const ca = issueCa(root, 'CN=EKU CA', { extKeyUsage: [OID.clientAuth] });
    expect(checkIntermediatePurpose(certificateInfo(ca.certificate), 'clientAuth').ok).toBe(true);
    expect(checkIntermediatePurpose(certificateInfo(ca.certificate), 'serverAuth').ok).toBe(false);
    expect(checkIntermediatePurpose(certificateInfo(ca.certificate), 'any').ok).toBe(true);
  });
});
