import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { comparableName, isWithinDirectoryName } from '../../../src/trust/name-constraints/directory-name.js';
import { dirName, dn, dns, exclude, permit, run, verdict } from './helpers.js';

const BASE = 'C=US,O=Test Certificates 2011,OU=permittedSubtree1';

describe('directoryName constraints (RFC 5280 4.2.1.10, 7.1)', () => {
  // [constraint, subject, within?]
  const table: [string, string, boolean][] = [
    [BASE, `${BASE},CN=Valid DN nameConstraints EE Certificate Test1`, true],
    [BASE, BASE, true],
    [BASE, 'C=US,O=Test Certificates 2011,OU=permittedSubtree2,CN=x', false],
    [BASE, 'C=US,O=Test Certificates 2011,CN=x', false],
    [BASE, `C=US,O=Test Certificates 2011,OU=permittedSubtree1+CN=x`, false], // one RDN with two attributes is not OU alone
    [`${BASE},CN=a`, BASE, false],
    // RFC 5280 7.1 (RFC 4518): case-insensitive, insignificant white space, any string type
    [BASE, 'C:p=us,O=  test   CERTIFICATES 2011 ,OU=PermittedSubtree1,CN=x', true],
    ['O=Test\u00adCertificates', 'O=TestCertificates,CN=x', true], // soft hyphen maps to nothing
    ['O=ﬁ', 'O=fi', true], // NFKC
    ['CN=a+O=b', 'O=B+CN=A,OU=c', true], // multi-valued RDN: a set, order-free
    ['CN=a+O=b', 'CN=a,O=b', false],
    ['', 'CN=anything', true], // an empty Name is the whole tree
  ];
  it.each(table)('%j holds %j → %s', (constraint, subject, expected) => {
    expect(verdict(run([permit(dirName(constraint))], { subject }))).toBe(
      expected ? 'ok' : 'ERR_NC_NAME_NOT_PERMITTED',
    );
    expect(verdict(run([exclude(dirName(constraint))], { subject }))).toBe(expected ? 'ERR_NC_NAME_EXCLUDED' : 'ok');
  });

  it('constrains directoryName entries of the subjectAltName as well as the subject (x509-limbo permitted-dn-*)', () => {
    const nc = [permit(dirName('CN=foo'))];
    expect(verdict(run(nc, { subject: 'CN=foo', san: [dirName('CN=foo')] }))).toBe('ok');
    expect(verdict(run(nc, { subject: 'CN=not-foo', san: [dirName('CN=foo')] }))).toBe('ERR_NC_NAME_NOT_PERMITTED');
    expect(verdict(run(nc, { subject: 'CN=foo', san: [dirName('CN=not-foo')] }))).toBe('ERR_NC_NAME_NOT_PERMITTED');
    expect(verdict(run([exclude(dirName('CN=foo'))], { subject: 'CN=foo', san: [dirName('CN=bar')] }))).toBe(
      'ERR_NC_NAME_EXCLUDED',
    );
    expect(verdict(run([exclude(dirName('CN=foo'))], { subject: 'CN=bar', san: [dirName('CN=foo')] }))).toBe(
      'ERR_NC_NAME_EXCLUDED',
    );
  });

  it('skips an empty subject (the names are then in the subjectAltName)', () => {
    expect(verdict(run([permit(dirName('CN=foo'))], { subject: '', san: [dns('example.com')] }))).toBe('ok');
  });

  it('compares non-string attribute values by their bytes', () => {
    const value = (hex: string) => ({ der: new Uint8Array(0), rdns: [[{ type: '2.5.4.45', tag: 0x03, value: hex }]] });
    expect(isWithinDirectoryName(comparableName(value('#030200ff')), comparableName(value('#030200ff')))).toBe(true);
    expect(isWithinDirectoryName(comparableName(value('#030200ff')), comparableName(value('#030200fe')))).toBe(false);
    // A string attribute never equals a non-string one, even with the same text.
    const text = { der: new Uint8Array(0), rdns: [[{ type: '2.5.4.45', tag: 0x0c, value: '#030200ff' }]] };
    expect(isWithinDirectoryName(comparableName(text), comparableName(value('#030200ff')))).toBe(false);
  });

  it('property: case and white-space variants of a subject stay within the original', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9]{1,8}$/);
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 2 }),
        (words, gaps) => {
          const plain = words.join(' ');
          const varied =
            ' '.repeat(gaps[0]!) +
            words.map((w, i) => (i % 2 ? w.toUpperCase() : w.toLowerCase())).join(' '.repeat(gaps[1]!));
          const base = comparableName(dn(`C=US,O=${plain}`));
          expect(isWithinDirectoryName(comparableName(dn(`C=us,O=${varied},CN=x`)), base)).toBe(true);
          expect(isWithinDirectoryName(comparableName(dn(`C=US,O=${plain}x,CN=x`)), base)).toBe(false);
        },
      ),
    );
  });
});
