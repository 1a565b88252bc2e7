import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipWithin, parseIpConstraint } from '../../../src/trust/name-constraints/ip.js';
import { dns, exclude, ip, ipRaw, permit, run, verdict } from './helpers.js';

describe('iPAddress constraints (RFC 5280 4.2.1.10)', () => {
  // [constraint, address, within?]
  const table: [string, string, boolean][] = [
    ['192.0.2.0/24', '192.0.2.0', true],
    ['192.0.2.0/24', '192.0.2.255', true],
    ['192.0.2.0/24', '192.0.3.1', false],
    ['10.0.0.0/8', '10.200.3.4', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['192.0.2.7/32', '192.0.2.7', true],
    ['192.0.2.7/32', '192.0.2.8', false],
    ['192.0.2.77/24', '192.0.2.1', true], // host bits in the constraint are ignored
    ['::1/128', '::1', true],
    ['::1/128', '::2', false],
    ['2001:db8::/32', '2001:db8:1234::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    // a v4 subtree holds no v6 address and the reverse, even an IPv4-mapped one
    ['192.0.2.0/24', '::ffff:c000:0201', false],
    ['::/0', '192.0.2.1', false],
  ];
  it.each(table)('%s against %s → %s', (constraint, address, expected) => {
    expect(verdict(run([permit(ip(constraint))], { san: [ip(address)] }))).toBe(
      expected ? 'ok' : 'ERR_NC_NAME_NOT_PERMITTED',
    );
    expect(verdict(run([exclude(ip(constraint))], { san: [ip(address)] }))).toBe(
      expected ? 'ERR_NC_NAME_EXCLUDED' : 'ok',
    );
  });

  it('refuses masks that are not a prefix and lengths other than 8 or 32 (x509-limbo invalid-ipv4/ipv6-address)', () => {
    expect(parseIpConstraint(Uint8Array.from([192, 0, 2, 0, 255, 0, 255, 0]))).toBeUndefined();
    expect(parseIpConstraint(Uint8Array.from([192, 0, 2, 0, 255, 255, 255, 1]))).toBeUndefined();
    expect(parseIpConstraint(Uint8Array.from([192, 0, 2, 0]))).toBeUndefined();
    const v6 = new Uint8Array(32);
    v6[16] = 0xff;
    v6[18] = 0xff;
    expect(parseIpConstraint(v6)).toBeUndefined();
    expect(verdict(run([permit(ipRaw(192, 0, 2, 0, 255, 0, 255, 0))], {}))).toBe('ERR_NC_MALFORMED_CONSTRAINT');
    expect(verdict(run([exclude(ipRaw(192, 0, 2, 1))], {}))).toBe('ERR_NC_MALFORMED_CONSTRAINT');
    expect(parseIpConstraint(Uint8Array.from([192, 0, 2, 9, 255, 255, 255, 0]))).toEqual({
      network: Uint8Array.from([192, 0, 2, 0]),
      mask: Uint8Array.from([255, 255, 255, 0]),
      prefixLength: 24,
    });
  });

  it('refuses an address+mask in a subjectAltName under iPAddress constraints (x509-limbo nc-permits-invalid-ip-san)', () => {
    expect(verdict(run([permit(ip('192.0.2.0/24'))], { san: [ip('192.0.2.0/24')] }))).toBe('ERR_NC_MALFORMED_NAME');
    expect(verdict(run([permit(dns('example.com'))], { san: [ip('192.0.2.0/24')] }))).toBe('ok');
  });

  it('leaves names of other forms alone (x509-limbo permitted/excluded-different-constraint-type)', () => {
    expect(verdict(run([permit(ip('192.0.2.0/24'))], { san: [dns('example.com')] }))).toBe('ok');
    expect(verdict(run([exclude(ip('192.0.2.0/24'))], { san: [dns('example.com')] }))).toBe('ok');
  });

  it('property: an address is within the prefix built from it; flipping a bit inside the prefix leaves it', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.nat(),
        fc.nat(),
        (v6, raw, p, b) => {
          const address = v6 ? raw : raw.slice(0, 4);
          const bits = address.length * 8;
          const prefix = p % (bits + 1);
          const mask = new Uint8Array(address.length);
          for (let bit = 0; bit < prefix; bit++) mask[bit >> 3]! |= 0x80 >> (bit & 7);
          const constraint = parseIpConstraint(Uint8Array.from([...address, ...mask]))!;
          expect(constraint.prefixLength).toBe(prefix);
          expect(ipWithin(address, constraint)).toBe(true);
          if (prefix > 0) {
            const bit = b % prefix;
            const flipped = Uint8Array.from(address);
            flipped[bit >> 3]! ^= 0x80 >> (bit & 7);
            expect(ipWithin(flipped, constraint)).toBe(false);
          }
        },
      ),
    );
  });
});
