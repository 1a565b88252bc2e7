import { describe, expect, it } from 'vitest';
import { checkValidity, validationSecond } from '../../../src/trust/validate/validity.js';
import { issue, makeRoot } from '../fixtures/test-pki.js';

describe('validity (RFC 5280 4.1.2.5, 6.1.3 (a)(2))', () => {
  it('rounds the validation time down to the second', () => {
    expect(validationSecond(new Date('2024-03-01T00:00:00.999Z'))).toBe(Date.parse('2024-03-01T00:00:00Z'));
    expect(validationSecond(new Date('2024-03-01T00:00:01.000Z'))).toBe(Date.parse('2024-03-01T00:00:01Z'));
  });
  it('includes both bounds and nothing outside them', () => {
    const root = makeRoot('CN=V Root');
    const cert = issue(root, 'CN=v', {
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2026-02-01T00:00:00Z'),
    }).certificate;
    const at = (iso: string) => {
      const r = checkValidity(cert, Date.parse(iso));
      return r.ok ? 'OK' : r.code;
    };
    expect(at('2026-01-01T00:00:00Z')).toBe('OK');
    expect(at('2026-02-01T00:00:00Z')).toBe('OK');
    expect(at('2025-12-31T23:59:59Z')).toBe('ERR_PATH_NOT_YET_VALID');
    expect(at('2026-02-01T00:00:01Z')).toBe('ERR_PATH_EXPIRED');
  });
});
