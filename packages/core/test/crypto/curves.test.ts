import { describe, expect, it } from 'vitest';
import { CURVES, curveByOid } from '../../src/crypto/index.js';
import { compareMagnitude, curveByOpensslName } from '../../src/crypto/curves.js';
import { openSslDir } from './openssl.js';

describe('curve constants', () => {
  it.each(Object.values(CURVES))('$name: p and n equal what openssl ecparam -param_enc explicit prints', (curve) => {
    const ssl = openSslDir();
    try {
      const text = ssl
        .run('ecparam', '-name', curve.opensslName, '-param_enc', 'explicit', '-text', '-noout')
        .toString();
      const field = (label: string): string => {
        const match = new RegExp(`${label}:\\s*([0-9a-f:\\s]+?)\\n\\S`, 'i').exec(text);
        return match![1]!.replace(/[^0-9a-f]/gi, '').replace(/^(00)+/, '');
      };
      expect(
        Buffer.from(curve.p)
          .toString('hex')
          .replace(/^(00)+/, ''),
      ).toBe(field('Prime'));
      expect(Buffer.from(curve.n).toString('hex')).toBe(field('Order'));
      expect(curve.p.length).toBe(curve.size);
    } finally {
      ssl.remove();
    }
  });

  it('looks curves up by OID and by OpenSSL name', () => {
    expect(curveByOid('1.2.840.10045.3.1.7')?.name).toBe('P-256');
    expect(curveByOid('1.3.132.0.10')).toBeUndefined();
    expect(curveByOpensslName('secp521r1')?.name).toBe('P-521');
    expect(curveByOpensslName(undefined)).toBeUndefined();
  });

  it('compares magnitudes regardless of leading zero octets', () => {
    expect(compareMagnitude(Uint8Array.of(0, 0, 5), Uint8Array.of(5))).toBe(0);
    expect(compareMagnitude(Uint8Array.of(1, 0), Uint8Array.of(0xff))).toBeGreaterThan(0);
    expect(compareMagnitude(Uint8Array.of(0xfe), Uint8Array.of(0xff))).toBeLessThan(0);
    expect(compareMagnitude(new Uint8Array(0), Uint8Array.of(0))).toBe(0);
  });
});
