import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dnsNameMayTouch,
  dnsNameWithin,
  parseDnsConstraint,
  parseDnsName,
} from '../../../src/trust/name-constraints/dns.js';
import { dns, exclude, ip, permit, run, verdict } from './helpers.js';

describe('dNSName constraints (RFC 5280 4.2.1.10)', () => {
  // [constraint, name, within permitted?]
  const table: [string, string, boolean][] = [
    ['example.com', 'example.com', true],
    ['example.com', 'foo.example.com', true],
    ['example.com', 'foo.bar.example.com', true],
    ['example.com', 'EXAMPLE.COM', true],
    ['Example.COM', 'www.example.com', true],
    ['example.com', 'notexample.com', false],
    ['example.com', 'example.com.evil.net', false],
    ['example.com', 'com', false],
    ['foo.example.com', 'example.com', false],
    ['', 'anything.at.all', true],
    ['', 'localhost', true],
    ['testcertificates.gov', 'testserver.testcertificates.gov', true],
    ['testcertificates.gov', 'mytestcertificates.gov', false],
    ['_srv.example.com', 'a._srv.example.com', true],
    // wildcard names stand for every child: inside only if their parent is.
    ['example.com', '*.example.com', true],
    ['foo.example.com', '*.example.com', false],
    ['', '*.example.com', true],
  ];
  it.each(table)('permitted %j against %j → %s', (constraint, name, expected) => {
    expect(verdict(run([permit(dns(constraint))], { san: [dns(name)] }))).toBe(
      expected ? 'ok' : 'ERR_NC_NAME_NOT_PERMITTED',
    );
  });

  // [excluded constraint, name, excluded?]
  const excluded: [string, string, boolean][] = [
    ['example.com', 'example.com', true],
    ['example.com', 'a.example.com', true],
    ['example.com', 'example.org', false],
    ['invalidcertificates.gov', 'testserver.invalidcertificates.gov', true],
    ['invalidcertificates.gov', 'testserver.testcertificates.gov', false],
    // Defensive with wildcards (x509-limbo nc-forbids-dnsname-wildcard-san): *.example.com may be bar.example.com.
    ['bar.example.com', '*.example.com', true],
    ['a.b.example.com', '*.example.com', true],
    ['example.com', '*.example.com', true],
    ['other.com', '*.example.com', false],
    ['example.com', '*.com', true], // *.com may be example.com itself
    ['a.example.com', '*.com', true],
  ];
  it.each(excluded)('excluded %j against %j → %s', (constraint, name, expected) => {
    expect(verdict(run([exclude(dns(constraint))], { san: [dns(name)] }))).toBe(
      expected ? 'ERR_NC_NAME_EXCLUDED' : 'ok',
    );
  });

  it('refuses malformed dNSName constraints: leading period, wildcard, empty labels (x509-limbo invalid-dnsname-*)', () => {
    for (const bad of [
      '.example.com',
      '*.example.com',
      'example..com',
      'example.com.',
      'exa mple.com',
      'a'.repeat(64) + '.com',
    ]) {
      expect(verdict(run([permit(dns(bad))], { san: [dns('example.com')] }))).toBe('ERR_NC_MALFORMED_CONSTRAINT');
      expect(verdict(run([exclude(dns(bad))], {}))).toBe('ERR_NC_MALFORMED_CONSTRAINT');
    }
  });

  it('refuses malformed dNSNames under dNSName constraints, and ignores them otherwise', () => {
    for (const bad of [
      '.example.com',
      'foo..example.com',
      'foo.example.com.',
      'f*o.example.com',
      '*.*.example.com',
      '*',
      '',
    ]) {
      expect(verdict(run([permit(dns('example.com'))], { san: [dns(bad)] }))).toBe('ERR_NC_MALFORMED_NAME');
      expect(verdict(run([exclude(dns('other.com'))], { san: [dns(bad)] }))).toBe('ERR_NC_MALFORMED_NAME');
      // An iPAddress constraint does not constrain dNSNames at all.
      expect(verdict(run([permit(ip('192.0.2.0/24'))], { san: [dns(bad)] }))).toBe('ok');
    }
  });

  it('checks every dNSName: one outside is enough to fail (x509-limbo excluded-dns-match-second)', () => {
    const san = [dns('allowed.example.com'), dns('not-allowed.example.com')];
    expect(verdict(run([exclude(dns('not-allowed.example.com'))], { san }))).toBe('ERR_NC_NAME_EXCLUDED');
    expect(verdict(run([permit(dns('allowed.example.com'))], { san }))).toBe('ERR_NC_NAME_NOT_PERMITTED');
  });

  it('does not read the subject commonName as a host name', () => {
    expect(verdict(run([permit(dns('example.com'))], { subject: 'CN=evil.com' }))).toBe('ok');
    expect(verdict(run([exclude(dns('evil.com'))], { subject: 'CN=evil.com' }))).toBe('ok');
  });

  it('property: adding labels to the left stays within; changing a label of the base leaves it', () => {
    const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
    fc.assert(
      fc.property(
        fc.array(label, { minLength: 1, maxLength: 4 }),
        fc.array(label, { maxLength: 3 }),
        fc.nat(),
        (base, extra, k) => {
          const constraint = parseDnsConstraint(base.join('.'))!;
          const inside = parseDnsName([...extra, ...base].join('.'))!;
          expect(dnsNameWithin(inside, constraint)).toBe(true);
          expect(dnsNameMayTouch(inside, constraint)).toBe(true);
          const changed = [...base];
          const i = k % changed.length;
          changed[i] = `${changed[i]}x`;
          const outside = parseDnsName([...extra, ...changed].join('.'))!;
          expect(dnsNameWithin(outside, constraint)).toBe(false);
        },
      ),
    );
  });
});
