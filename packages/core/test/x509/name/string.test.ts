import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tag } from '../../../src/x509/der/tags.js';
import { namesEqual } from '../../../src/x509/name/compare.js';
import { escapeAttributeValue, formatName } from '../../../src/x509/name/format.js';
import { nameFromString } from '../../../src/x509/name/from-string.js';
import { OID } from '../../../src/x509/oids.js';
import { codeOf, nameArb, nameOf } from '../extensions/helpers.js';

describe('formatName (RFC 4514)', () => {
  it('writes the last RDN first, with short names and + for multi-valued RDNs', () => {
    const name = nameOf([
      [{ type: 'DC', value: 'com' }],
      [{ type: 'DC', value: 'example' }],
      [{ type: 'O', value: 'Example' }],
      [
        { type: 'OU', value: 'Line 1' },
        { type: 'CN', value: 'Device 1' },
      ],
    ]);
    // Within an RDN, attributes keep their DER SET OF order (the shorter OU encoding sorts first).
    expect(formatName(name)).toBe('OU=Line 1+CN=Device 1,O=Example,DC=example,DC=com');
  });

  it('escapes what RFC 4514 section 2.4 requires, and control characters', () => {
    expect(escapeAttributeValue('a,b+c"d\\e<f>g;h')).toBe('a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h');
    expect(escapeAttributeValue('#x')).toBe('\\#x');
    expect(escapeAttributeValue('x#')).toBe('x#');
    expect(escapeAttributeValue(' x ')).toBe('\\ x\\ ');
    expect(escapeAttributeValue(' ')).toBe('\\ ');
    expect(escapeAttributeValue('a\u0000b\nc\u007f')).toBe('a\\00b\\0Ac\\7F');
    expect(escapeAttributeValue('Ä=ok')).toBe('Ä=ok');
  });

  it('prints non-string values as #hex and unknown types as dotted OIDs, or with given short names', () => {
    const name = nameOf([
      [{ type: '1.3.6.1.4.1.99999.7', value: '#020105', tag: Tag.INTEGER }],
      [{ type: '1.3.6.1.4.1.99999.8', value: 'x' }],
    ]);
    expect(formatName(name)).toBe('1.3.6.1.4.1.99999.8=x,1.3.6.1.4.1.99999.7=#020105');
    expect(formatName(name, { shortNames: { '1.3.6.1.4.1.99999.8': 'productId' } })).toBe(
      'productId=x,1.3.6.1.4.1.99999.7=#020105',
    );
    expect(formatName(nameOf([]))).toBe('');
  });
});

describe('nameFromString', () => {
  it('parses RFC 4514 strings into names, reversing the order', () => {
    const name = nameFromString('CN=Device 1, O=Example, C=FI');
    expect(name.rdns).toEqual([
      [{ type: OID.countryName, tag: Tag.PRINTABLE_STRING, value: 'FI' }],
      [{ type: OID.organizationName, tag: Tag.UTF8_STRING, value: 'Example' }],
      [{ type: OID.commonName, tag: Tag.UTF8_STRING, value: 'Device 1' }],
    ]);
  });

  it('reads escapes, hex pairs, #DER values, multi-valued RDNs and OIDs', () => {
    expect(nameFromString('CN=a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h').rdns[0]![0]!.value).toBe('a,b+c"d\\e<f>g;h');
    expect(nameFromString('CN=\\C3\\A4x').rdns[0]![0]!.value).toBe('äx');
    expect(nameFromString('CN=\\ lead and trail\\ ').rdns[0]![0]!.value).toBe(' lead and trail ');
    expect(nameFromString('CN=  spaced   ').rdns[0]![0]!.value).toBe('spaced');
    expect(nameFromString('CN=\\#hash').rdns[0]![0]!.value).toBe('#hash');
    expect(nameFromString('CN=x=y').rdns[0]![0]!.value).toBe('x=y');
    expect(nameFromString('2.5.4.3=#0c03466f6f').rdns[0]![0]).toEqual({
      type: OID.commonName,
      tag: Tag.UTF8_STRING,
      value: 'Foo',
    });
    expect(nameFromString('1.3.6.1.4.1.99999.7=#020105').rdns[0]![0]).toEqual({
      type: '1.3.6.1.4.1.99999.7',
      tag: Tag.INTEGER,
      value: '#020105',
    });
    const multi = nameFromString('OU=b + CN=a, O=x');
    expect(multi.rdns.length).toBe(2);
    expect(multi.rdns[1]!.map((a) => a.value)).toEqual(['a', 'b']);
    expect(nameFromString('').rdns).toEqual([]);
    expect(nameFromString('   ').rdns).toEqual([]);
    expect(nameFromString('CN=').rdns[0]![0]!.value).toBe('');
  });

  it('refuses malformed strings with ERR_X509_BAD_NAME', () => {
    for (const text of [
      'CN',
      'CN=a,',
      ',CN=a',
      'CN=a;O=b',
      'CN="q"',
      'CN=a<b',
      'XX=a',
      '=a',
      'CN=\\zz',
      'CN=\\',
      'CN=\\C3',
      'CN=#0c',
      'CN=#zz',
      'CN=a,,O=b',
      'CN=a+',
    ]) {
      expect(
        codeOf(() => nameFromString(text)),
        text,
      ).toBe('ERR_X509_BAD_NAME');
    }
    // Well-formed text whose value the chosen string type cannot hold is a build error.
    expect(codeOf(() => nameFromString('emailAddress=ä@example.com'))).toBe('ERR_X509_BUILD_INVALID');
  });

  it('inverts formatName up to string types, and exactly for default-typed names', () => {
    fc.assert(
      fc.property(nameArb, (name) => {
        const again = nameFromString(formatName(name));
        expect(namesEqual(again, name)).toBe(true);
        expect(again.der).toEqual(name.der);
      }),
      { numRuns: 300 },
    );
  });
});
