import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tag } from '../../../src/x509/der/tags.js';
import { readTlv } from '../../../src/x509/der/tlv.js';
import { parseDer } from '../../../src/x509/der/validate.js';
import * as der from '../../../src/x509/der/writer.js';
import { attributeTypeName, attributeTypeOid } from '../../../src/x509/name/attribute-types.js';
import { defaultStringTag, encodeName } from '../../../src/x509/name/encode.js';
import { readName } from '../../../src/x509/name/parse.js';
import { OID } from '../../../src/x509/oids.js';
import { codeOf, nameArb, toHex } from '../extensions/helpers.js';

const decode = (bytes: Uint8Array) => readName(bytes, parseDer(bytes));

describe('encodeName', () => {
  it('encodes RDNs first to last with default string types', () => {
    const encoded = encodeName([[{ type: 'C', value: 'FI' }], [{ type: 'CN', value: 'Ä' }]]);
    expect(toHex(encoded)).toBe(
      '301a' + '310b' + '3009' + '0603550406' + '13024649' + '310b' + '3009' + '0603550403' + '0c02c384',
    );
    expect(decode(encoded).rdns).toEqual([
      [{ type: OID.countryName, tag: Tag.PRINTABLE_STRING, value: 'FI' }],
      [{ type: OID.commonName, tag: Tag.UTF8_STRING, value: 'Ä' }],
    ]);
  });

  it('chooses PrintableString, IA5String or UTF8String by type and value', () => {
    expect(defaultStringTag(OID.countryName, 'FI')).toBe(Tag.PRINTABLE_STRING);
    expect(defaultStringTag(OID.serialNumber, 'ABC-123')).toBe(Tag.PRINTABLE_STRING);
    expect(defaultStringTag(OID.serialNumber, 'ABC_123')).toBe(Tag.UTF8_STRING); // '_' is not Printable
    expect(defaultStringTag(OID.dnQualifier, 'q')).toBe(Tag.PRINTABLE_STRING);
    expect(defaultStringTag(OID.emailAddress, 'a@b')).toBe(Tag.IA5_STRING);
    expect(defaultStringTag(OID.domainComponent, 'com')).toBe(Tag.IA5_STRING);
    expect(defaultStringTag(OID.commonName, 'plain')).toBe(Tag.UTF8_STRING);
  });

  it('sorts a multi-valued RDN as DER SET OF requires', () => {
    const a = encodeName([
      [
        { type: 'OU', value: 'b' },
        { type: 'CN', value: 'a' },
      ],
    ]);
    const b = encodeName([
      [
        { type: 'CN', value: 'a' },
        { type: 'OU', value: 'b' },
      ],
    ]);
    expect(a).toEqual(b);
    expect(decode(a).rdns[0]!.map((x) => x.type)).toEqual([OID.commonName, OID.organizationalUnitName]);
  });

  it('honours explicit tags and re-encodes decoded names byte for byte', () => {
    const explicit = encodeName([
      [{ type: 'CN', value: 'Tele', tag: Tag.TELETEX_STRING }],
      [{ type: 'CN', value: 'Bmp€', tag: Tag.BMP_STRING }],
      [{ type: 'CN', value: 'Uni😀', tag: Tag.UNIVERSAL_STRING }],
      [{ type: 'CN', value: 'Vis', tag: Tag.VISIBLE_STRING }],
      [{ type: '2.5.4.45', value: `#${toHex(der.bits(Uint8Array.of(1, 2)))}`, tag: Tag.BIT_STRING }],
    ]);
    const name = decode(explicit);
    expect(name.rdns.map((r) => r[0]!.value)).toEqual(['Tele', 'Bmp€', 'Uni😀', 'Vis', '#0303000102']);
    expect(encodeName(name.rdns)).toEqual(explicit);
    fc.assert(
      fc.property(nameArb, (n) => {
        expect(encodeName(n.rdns)).toEqual(n.der);
      }),
    );
  });

  it('accepts dotted OIDs, short names and long names, case-insensitively', () => {
    expect(attributeTypeOid('cn')).toBe(OID.commonName);
    expect(attributeTypeOid('organizationName')).toBe(OID.organizationName);
    expect(attributeTypeOid('OID.2.5.4.3')).toBe(OID.commonName);
    expect(attributeTypeOid('1.3.6.1.4.1.99999.7')).toBe('1.3.6.1.4.1.99999.7');
    expect(attributeTypeOid('manufacturer', { '1.3.6.1.4.1.99999.7': 'manufacturer' })).toBe('1.3.6.1.4.1.99999.7');
    expect(attributeTypeOid('nope')).toBeUndefined();
    expect(attributeTypeOid('1.02.3')).toBeUndefined();
    expect(attributeTypeName(OID.domainComponent)).toBe('DC');
    expect(attributeTypeName('1.2.3')).toBe('1.2.3');
  });

  it('refuses values their string type cannot hold, unknown types and empty RDNs', () => {
    const invalid = [
      [
        [{ type: 'C', value: 'FI', tag: Tag.PRINTABLE_STRING }],
        [{ type: 'CN', value: 'a_b', tag: Tag.PRINTABLE_STRING }],
      ],
      [[{ type: 'emailAddress', value: 'ä@example.com' }]],
      [[{ type: 'CN', value: 'ä', tag: Tag.IA5_STRING }]],
      [[{ type: 'CN', value: '\u0100', tag: Tag.TELETEX_STRING }]],
      [[{ type: 'CN', value: '\ud800', tag: Tag.UTF8_STRING }]],
      [[{ type: 'CN', value: '\n', tag: Tag.VISIBLE_STRING }]],
      [[{ type: 'CN', value: 'x', tag: Tag.INTEGER }]],
      [[{ type: 'CN', value: '#020101', tag: Tag.OCTET_STRING }]],
      [[{ type: 'CN', value: '#0201', tag: Tag.INTEGER }]],
      [[{ type: 'unknownType', value: 'x' }]],
      [[]],
    ];
    for (const rdns of invalid)
      expect(
        codeOf(() => encodeName(rdns)),
        JSON.stringify(rdns),
      ).toBe('ERR_X509_BUILD_INVALID');
  });

  it('encodes the empty name as an empty SEQUENCE', () => {
    expect(toHex(encodeName([]))).toBe('3000');
    expect(decode(encodeName([])).rdns).toEqual([]);
    expect(readTlv(encodeName([]), 0, 2).tag).toBe(Tag.SEQUENCE);
  });
});
