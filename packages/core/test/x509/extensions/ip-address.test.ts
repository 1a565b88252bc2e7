import fc from 'fast-check';
import { isIPv4, isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { formatIpAddress, parseIpAddress, parseIpSubnet } from '../../../src/x509/extensions/ip-address.js';
import { codeOf, hex, toHex } from './helpers.js';

describe('IP address text forms', () => {
  it('parses IPv4 and IPv6 (RFC 4291 2.2)', () => {
    expect(toHex(parseIpAddress('192.0.2.1'))).toBe('c0000201');
    expect(toHex(parseIpAddress('2001:db8::1'))).toBe('20010db8000000000000000000000001');
    expect(toHex(parseIpAddress('::'))).toBe('0'.repeat(32));
    expect(toHex(parseIpAddress('::ffff:192.0.2.1'))).toBe('00000000000000000000ffffc0000201');
    expect(toHex(parseIpAddress('1:2:3:4:5:6:7:8'))).toBe('00010002000300040005000600070008');
    expect(toHex(parseIpAddress('1::'))).toBe(`0001${'0'.repeat(28)}`);
  });

  it('refuses malformed addresses', () => {
    for (const text of [
      '',
      '1.2.3',
      '1.2.3.256',
      '01.2.3.4',
      '1.2.3.4.5',
      '1::2::3',
      ':1',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '12345::',
      'g::',
      'fe80::1%eth0',
      '1:2:3:4:5:6:7::8',
    ]) {
      expect(
        codeOf(() => parseIpAddress(text)),
        text,
      ).toBe('ERR_X509_BAD_GENERAL_NAME');
    }
  });

  it('parses name-constraint subnets as address + mask', () => {
    expect(toHex(parseIpSubnet('192.168.0.0/16'))).toBe('c0a80000ffff0000');
    expect(toHex(parseIpSubnet('192.168.0.0/255.255.0.0'))).toBe('c0a80000ffff0000');
    expect(toHex(parseIpSubnet('2001:db8::/32'))).toBe(`20010db8${'0'.repeat(24)}ffffffff${'0'.repeat(24)}`);
    expect(codeOf(() => parseIpSubnet('10.0.0.0/33'))).toBe('ERR_X509_BAD_GENERAL_NAME');
    expect(codeOf(() => parseIpSubnet('10.0.0.0'))).toBe('ERR_X509_BAD_GENERAL_NAME');
  });

  it('formats IPv6 as RFC 5952 does, agreeing with the WHATWG URL serializer', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }),
        (words) => {
          const bytes = new Uint8Array(16);
          words.forEach((w, i) => {
            bytes[2 * i] = w >> 8;
            bytes[2 * i + 1] = w & 0xff;
          });
          const text = formatIpAddress(bytes);
          expect(isIPv6(text)).toBe(true);
          expect(text).toBe(new URL(`http://[${text}]/`).hostname.slice(1, -1));
          expect(new URL(`http://[${text}]/`).hostname).toBe(
            new URL(`http://[${words.map((w) => w.toString(16)).join(':')}]/`).hostname,
          );
          expect(parseIpAddress(text)).toEqual(bytes);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('round-trips IPv4', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (bytes) => {
        const text = formatIpAddress(bytes);
        expect(isIPv4(text)).toBe(true);
        expect(parseIpAddress(text)).toEqual(bytes);
      }),
    );
  });

  it('formats subnets with a prefix length when the mask is contiguous', () => {
    expect(formatIpAddress(hex('c0a80000ffff0000'))).toBe('192.168.0.0/16');
    expect(formatIpAddress(hex('c0a80000ff00ff00'))).toBe('192.168.0.0/255.0.255.0');
    expect(formatIpAddress(parseIpSubnet('2001:db8::/48'))).toBe('2001:db8::/48');
  });
});
