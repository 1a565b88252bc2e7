import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readTlv } from '../../../src/x509/der/tlv.js';
import { parseDer } from '../../../src/x509/der/validate.js';
import {
  encodeGeneralName,
  encodeGeneralNames,
  formatGeneralName,
  readGeneralName,
  readGeneralNames,
} from '../../../src/x509/extensions/general-name.js';
import {
  encodeHardwareModuleName,
  hardwareModuleNameOtherName,
} from '../../../src/x509/extensions/hardware-module-name.js';
import type { GeneralName } from '../../../src/x509/extensions/types.js';
import { OID } from '../../../src/x509/oids.js';
import { codeOf, der, generalNameArb, generalNamesArb, hex, nameOf, toHex } from './helpers.js';

function decodeOne(bytes: Uint8Array): GeneralName {
  return readGeneralName(bytes, parseDer(bytes));
}

function decodeList(bytes: Uint8Array): GeneralName[] {
  return readGeneralNames(bytes, parseDer(bytes));
}

describe('GeneralName codec (RFC 5280 4.2.1.6)', () => {
  it('encodes each alternative with its RFC 5280 tag', () => {
    expect(toHex(encodeGeneralName({ type: 'email', value: 'a@b' }))).toBe('8103614062');
    expect(toHex(encodeGeneralName({ type: 'dns', value: 'ab' }))).toBe('82026162');
    expect(toHex(encodeGeneralName({ type: 'uri', value: 'u:' }))).toBe('8602753a');
    expect(toHex(encodeGeneralName({ type: 'ip', value: hex('c0000201') }))).toBe('8704c0000201');
    expect(toHex(encodeGeneralName({ type: 'registeredId', value: '1.2.3' }))).toBe('88022a03');
    const dn = nameOf([[{ type: 'CN', value: 'x' }]]);
    // directoryName is EXPLICIT ([4] constructed around the Name SEQUENCE), since Name is a CHOICE.
    expect(toHex(encodeGeneralName({ type: 'directoryName', value: dn }))).toBe(`a40e${toHex(dn.der)}`);
    expect(toHex(encodeGeneralName({ type: 'otherName', typeId: '1.2.3', value: der.utf8('x') }))).toBe(
      'a00906022a03a0030c0178',
    );
  });

  it('decodes what it encodes, for every alternative', () => {
    fc.assert(
      fc.property(generalNameArb, (gn) => {
        const encoded = encodeGeneralName(gn);
        const decoded = decodeOne(encoded);
        expect(decoded).toEqual(gn);
        expect(encodeGeneralName(decoded)).toEqual(encoded);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips GeneralNames lists', () => {
    fc.assert(
      fc.property(generalNamesArb, (names) => {
        const encoded = encodeGeneralNames(names);
        expect(decodeList(encoded)).toEqual(names);
      }),
    );
  });

  it('decodes an RFC 4108 hardwareModuleName otherName and builds one', () => {
    const gn = hardwareModuleNameOtherName('1.3.6.1.4.1.99999.2.1', hex('0102030405'));
    expect(gn.typeId).toBe(OID.hardwareModuleName);
    const encoded = encodeGeneralName(gn);
    // [0] { OID 1.3.6.1.5.5.7.8.4, [0] { SEQUENCE { OID hwType, OCTET STRING serial } } }
    expect(toHex(encoded)).toBe(
      'a021' + '06082b06010505070804' + 'a015' + '3013' + '060a2b06010401868d1f0201' + '04050102030405',
    );
    expect(toHex(encodeHardwareModuleName(gn.hardwareModuleName!))).toBe(toHex(gn.value));
    const decoded = decodeOne(encoded);
    expect(decoded.type === 'otherName' && decoded.hardwareModuleName).toEqual({
      hwType: '1.3.6.1.4.1.99999.2.1',
      hwSerialNum: hex('0102030405'),
    });
  });

  it('accepts iPAddress of 4, 16, 8 and 32 octets and refuses other lengths', () => {
    for (const n of [4, 16, 8, 32]) expect(decodeOne(der.tlv(0x87, new Uint8Array(n)))).toMatchObject({ type: 'ip' });
    for (const n of [0, 1, 3, 5, 6, 15, 17, 33]) {
      expect(codeOf(() => decodeOne(der.tlv(0x87, new Uint8Array(n))))).toBe('ERR_X509_BAD_GENERAL_NAME');
      expect(codeOf(() => encodeGeneralName({ type: 'ip', value: new Uint8Array(n) }))).toBe('ERR_X509_BUILD_INVALID');
    }
  });

  it('refuses tags that are no GeneralName alternative in DER', () => {
    const fixtures: Record<string, string> = {
      'otherName primitive': '8000',
      'rfc822Name constructed': 'a100',
      'dNSName constructed': 'a2028100',
      'x400Address primitive': '8300',
      'directoryName primitive': '8400',
      'uri constructed': 'a600',
      'iPAddress constructed': 'a700',
      'registeredID constructed': 'a800',
      'tag [9]': '890100',
      'universal IA5String': '160161',
    };
    for (const [defect, fixture] of Object.entries(fixtures)) {
      expect(
        codeOf(() => decodeOne(hex(fixture))),
        defect,
      ).toBe('ERR_X509_BAD_GENERAL_NAME');
    }
  });

  it('refuses malformed inner structures', () => {
    // IA5String content above 0x7f
    expect(codeOf(() => decodeOne(hex('8201e9')))).toBe('ERR_DER_BAD_STRING');
    // otherName without its [0] value
    expect(codeOf(() => decodeOne(hex('a004 06022a03')))).toBe('ERR_DER_TRUNCATED');
    // otherName whose [0] holds two elements
    expect(codeOf(() => decodeOne(hex('a00c 06022a03 a006 0c0178 0c0179')))).toBe('ERR_DER_TRAILING_BYTES');
    // otherName whose value tag is [1] instead of [0]
    expect(codeOf(() => decodeOne(hex('a009 06022a03 a1030c0178')))).toBe('ERR_DER_UNEXPECTED_TAG');
    // hardwareModuleName that is not SEQUENCE { OID, OCTET STRING }
    const badHmn = der.tlv(
      0xa0,
      der.concat([der.oid(OID.hardwareModuleName), der.explicit(0, der.seq(der.oid('1.2')))]),
    );
    expect(codeOf(() => decodeOne(badHmn))).toBe('ERR_DER_TRUNCATED');
    const hmnWrongType = der.tlv(0xa0, der.concat([der.oid(OID.hardwareModuleName), der.explicit(0, der.utf8('x'))]));
    expect(codeOf(() => decodeOne(hmnWrongType))).toBe('ERR_X509_BAD_GENERAL_NAME');
    // directoryName holding a SET instead of a Name
    expect(codeOf(() => decodeOne(hex('a4023100')))).toBe('ERR_DER_UNEXPECTED_TAG');
    // registeredID with a non-minimal arc
    expect(codeOf(() => decodeOne(hex('8802 2a80')))).toBe('ERR_DER_BAD_OID');
  });

  it('refuses an empty GeneralNames', () => {
    expect(codeOf(() => decodeList(hex('3000')))).toBe('ERR_X509_BAD_GENERAL_NAME');
    expect(codeOf(() => encodeGeneralNames([]))).toBe('ERR_X509_BUILD_INVALID');
  });

  it('refuses to encode values that would not decode back', () => {
    expect(codeOf(() => encodeGeneralName({ type: 'dns', value: 'bücher.example' }))).toBe('ERR_X509_BUILD_INVALID');
    expect(codeOf(() => encodeGeneralName({ type: 'otherName', typeId: '1.2.3', value: hex('0c02') }))).toBe(
      'ERR_X509_BUILD_INVALID',
    );
    expect(codeOf(() => encodeGeneralName({ type: 'x400Address', raw: hex('3000') }))).toBe('ERR_X509_BUILD_INVALID');
  });

  it('reads GeneralNames under an IMPLICIT context tag', () => {
    const encoded = encodeGeneralNames([{ type: 'dns', value: 'a' }], 0xa1);
    expect(encoded[0]).toBe(0xa1);
    const tlv = readTlv(encoded, 0, encoded.length);
    expect(readGeneralNames(encoded, tlv)).toEqual([{ type: 'dns', value: 'a' }]);
  });

  it('formats names for display', () => {
    expect(formatGeneralName({ type: 'ip', value: hex('20010db8000000000000000000000001') })).toBe('IP:2001:db8::1');
    expect(formatGeneralName({ type: 'ip', value: hex('c0a80000ffff0000') })).toBe('IP:192.168.0.0/16');
    expect(
      formatGeneralName({
        type: 'directoryName',
        value: nameOf([[{ type: 'C', value: 'FI' }], [{ type: 'CN', value: 'a' }]]),
      }),
    ).toBe('DirName:CN=a,C=FI');
    expect(formatGeneralName(hardwareModuleNameOtherName('1.2.3', hex('0a0b')))).toBe(
      'othername:hardwareModuleName:1.2.3:0a0b',
    );
  });
});
