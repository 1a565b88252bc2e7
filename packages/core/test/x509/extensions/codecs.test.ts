import { describe, expect, it } from 'vitest';
import * as ext from '../../../src/x509/extensions/index.js';
import type { DistributionPoint, GeneralName } from '../../../src/x509/extensions/types.js';
import { OID } from '../../../src/x509/oids.js';
import { codeOf, der, hex, nameOf, reasonOf, toHex } from './helpers.js';

const dns = (value: string): GeneralName => ({ type: 'dns', value });
const uri = (value: string): GeneralName => ({ type: 'uri', value });

describe('basicConstraints (RFC 5280 4.2.1.9)', () => {
  it('encodes and decodes known vectors', () => {
    expect(toHex(ext.encodeBasicConstraints({ ca: true, pathLen: 0 }))).toBe('30060101ff020100');
    expect(toHex(ext.encodeBasicConstraints({ ca: true }))).toBe('30030101ff');
    expect(toHex(ext.encodeBasicConstraints({ ca: false }))).toBe('3000');
    expect(ext.decodeBasicConstraints(hex('30060101ff020100'))).toEqual({ ca: true, pathLen: 0 });
    expect(ext.decodeBasicConstraints(hex('3000'))).toEqual({ ca: false });
  });

  it('refuses cA encoded as its DEFAULT FALSE', () => {
    expect(codeOf(() => ext.decodeBasicConstraints(hex('3003010100')))).toBe('ERR_X509_BAD_EXTENSION');
  });

  it('refuses a negative pathLen, a SET, trailing fields, trailing bytes and BER', () => {
    expect(reasonOf(() => ext.decodeBasicConstraints(hex('30060101ff0201ff')))).toBe('ERR_DER_INTEGER_TOO_LARGE');
    expect(codeOf(() => ext.decodeBasicConstraints(hex('31030101ff')))).toBe('ERR_X509_BAD_EXTENSION');
    expect(reasonOf(() => ext.decodeBasicConstraints(hex('30090101ff0201000201ff')))).toBe('ERR_DER_TRAILING_BYTES');
    // Bytes after the top element inside extnValue: the DER layer refuses them.
    expect(codeOf(() => ext.decodeBasicConstraints(hex('30030101ff00')))).toBe('ERR_DER_TRAILING_BYTES');
    expect(codeOf(() => ext.decodeBasicConstraints(hex('30800101ff0000')))).toBe('ERR_DER_INDEFINITE_LENGTH');
    expect(codeOf(() => ext.decodeBasicConstraints(hex('3081030101ff')))).toBe('ERR_DER_NON_MINIMAL_LENGTH');
    expect(codeOf(() => ext.decodeBasicConstraints(hex('30030101')))).toBe('ERR_DER_LENGTH_TOO_LARGE');
  });

  it('decodes a pathLen without cA (the validator judges it) but will not encode one', () => {
    expect(ext.decodeBasicConstraints(hex('3003020101'))).toEqual({ ca: false, pathLen: 1 });
    expect(codeOf(() => ext.encodeBasicConstraints({ ca: false, pathLen: 1 }))).toBe('ERR_X509_BUILD_INVALID');
    expect(codeOf(() => ext.encodeBasicConstraints({ ca: true, pathLen: -1 }))).toBe('ERR_X509_BUILD_INVALID');
  });
});

describe('keyUsage (RFC 5280 4.2.1.3)', () => {
  it('encodes named bits with trailing zero bits removed', () => {
    expect(toHex(ext.encodeKeyUsage(new Set(['digitalSignature'])))).toBe('03020780');
    expect(toHex(ext.encodeKeyUsage(new Set(['keyCertSign', 'cRLSign'])))).toBe('03020106');
    expect(toHex(ext.encodeKeyUsage(new Set(['digitalSignature', 'decipherOnly'])))).toBe('0303078080');
    expect(toHex(ext.encodeKeyUsage(new Set(['digitalSignature', 'keyAgreement'])))).toBe('03020388');
  });

  it('decodes them back to names', () => {
    expect(ext.decodeKeyUsage(hex('03020106'))).toEqual(new Set(['keyCertSign', 'cRLSign']));
    expect(ext.decodeKeyUsage(hex('0303078080'))).toEqual(new Set(['digitalSignature', 'decipherOnly']));
  });

  it('refuses no bits, trailing zero bits, undefined bits and bad padding', () => {
    expect(codeOf(() => ext.decodeKeyUsage(hex('030100')))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(() => ext.decodeKeyUsage(hex('03020000')))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(() => ext.decodeKeyUsage(hex('03020080')))).toBe('ERR_X509_BAD_EXTENSION'); // 7 zero bits after bit 0
    expect(codeOf(() => ext.decodeKeyUsage(hex('0303060040')))).toBe('ERR_X509_BAD_EXTENSION'); // bit 9
    expect(codeOf(() => ext.decodeKeyUsage(hex('03020781')))).toBe('ERR_DER_BAD_BIT_STRING'); // padding bit set
    expect(codeOf(() => ext.decodeKeyUsage(hex('0401ff')))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(() => ext.encodeKeyUsage(new Set()))).toBe('ERR_X509_BUILD_INVALID');
  });
});

describe('extKeyUsage (RFC 5280 4.2.1.12)', () => {
  it('round-trips purposes in order', () => {
    const value = [OID.clientAuth, OID.serverAuth, '1.3.6.1.4.1.99999.9'];
    expect(ext.decodeExtKeyUsage(ext.encodeExtKeyUsage(value))).toEqual(value);
    expect(toHex(ext.encodeExtKeyUsage([OID.serverAuth]))).toBe('300a06082b06010505070301');
  });

  it('refuses an empty list and non-OIDs', () => {
    expect(codeOf(() => ext.decodeExtKeyUsage(hex('3000')))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(() => ext.decodeExtKeyUsage(hex('3003020101')))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(() => ext.encodeExtKeyUsage([]))).toBe('ERR_X509_BUILD_INVALID');
  });
});

describe('subjectKeyIdentifier (RFC 5280 4.2.1.2)', () => {
  it('round-trips and computes method (1) and RFC 7093 identifiers', () => {
    expect(ext.decodeSubjectKeyIdentifier(hex('0403010203'))).toEqual(hex('010203'));
    expect(toHex(ext.encodeSubjectKeyIdentifier(hex('010203')))).toBe('0403010203');
    expect(toHex(ext.computeKeyIdentifier(new TextEncoder().encode('abc')))).toBe(
      'a9993e364706816aba3e25717850c26c9cd0d89d',
    );
    expect(toHex(ext.computeKeyIdentifier(new TextEncoder().encode('abc'), 'sha256-160'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a3',
    );
    expect(codeOf(() => ext.decodeSubjectKeyIdentifier(hex('0303000102')))).toBe('ERR_X509_BAD_EXTENSION');
  });
});

describe('authorityKeyIdentifier (RFC 5280 4.2.1.1)', () => {
  const issuer = [{ type: 'directoryName' as const, value: nameOf([[{ type: 'CN', value: 'CA' }]]) }];

  it('round-trips each form', () => {
    for (const aki of [
      { keyIdentifier: hex('0a0b0c') },
      { keyIdentifier: hex('0a'), authorityCertIssuer: issuer, authorityCertSerialNumber: hex('80') },
      { authorityCertIssuer: issuer, authorityCertSerialNumber: hex('01') },
      {},
    ]) {
      const encoded = ext.encodeAuthorityKeyIdentifier(aki);
      expect(ext.decodeAuthorityKeyIdentifier(encoded)).toEqual(aki);
    }
    expect(toHex(ext.encodeAuthorityKeyIdentifier({ keyIdentifier: hex('0a0b') }))).toBe('300480020a0b');
  });

  it('keeps the serial as its magnitude (pad octet removed)', () => {
    const encoded = ext.encodeAuthorityKeyIdentifier({
      authorityCertIssuer: issuer,
      authorityCertSerialNumber: hex('ff01'),
    });
    expect(toHex(encoded)).toContain('820300ff01');
    expect(ext.decodeAuthorityKeyIdentifier(encoded).authorityCertSerialNumber).toEqual(hex('ff01'));
  });

  it('refuses issuer without serial, serial without issuer, a negative serial and wrong order', () => {
    const issuerOnly = der.seq(ext.encodeGeneralNames(issuer, 0xa1));
    expect(codeOf(() => ext.decodeAuthorityKeyIdentifier(issuerOnly))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(() => ext.decodeAuthorityKeyIdentifier(hex('3003820101')))).toBe('ERR_X509_BAD_EXTENSION');
    const negative = der.seq(ext.encodeGeneralNames(issuer, 0xa1), der.tlv(0x82, hex('ff')));
    expect(codeOf(() => ext.decodeAuthorityKeyIdentifier(negative))).toBe('ERR_X509_BAD_EXTENSION');
    const nonMinimal = der.seq(ext.encodeGeneralNames(issuer, 0xa1), der.tlv(0x82, hex('0001')));
    expect(reasonOf(() => ext.decodeAuthorityKeyIdentifier(nonMinimal))).toBe('ERR_DER_NON_MINIMAL_INTEGER');
    // keyIdentifier after the serial: out of order, so left over.
    const outOfOrder = der.seq(
      ext.encodeGeneralNames(issuer, 0xa1),
      der.tlv(0x82, hex('01')),
      der.tlv(0x80, hex('0a')),
    );
    expect(reasonOf(() => ext.decodeAuthorityKeyIdentifier(outOfOrder))).toBe('ERR_DER_TRAILING_BYTES');
    expect(codeOf(() => ext.encodeAuthorityKeyIdentifier({ authorityCertIssuer: issuer }))).toBe(
      'ERR_X509_BUILD_INVALID',
    );
  });
});

describe('subjectAltName / issuerAltName (RFC 5280 4.2.1.6, 4.2.1.7)', () => {
  it('round-trips names', () => {
    const names: GeneralName[] = [dns('device.example'), { type: 'ip', value: hex('c0000201') }, uri('urn:dev:mac:00')];
    expect(ext.decodeSubjectAltName(ext.encodeSubjectAltName(names))).toEqual(names);
    expect(ext.decodeIssuerAltName(ext.encodeIssuerAltName(names))).toEqual(names);
  });

  it('refuses an empty list, bad IP length, unknown tags and trailing bytes', () => {
    expect(codeOf(() => ext.decodeSubjectAltName(hex('3000')))).toBe('ERR_X509_BAD_EXTENSION');
    const badIp = () => ext.decodeSubjectAltName(hex('3005870301020 3'.replace(' ', '')));
    expect(codeOf(badIp)).toBe('ERR_X509_BAD_EXTENSION');
    expect(reasonOf(badIp)).toBe('ERR_X509_BAD_GENERAL_NAME');
    expect(reasonOf(() => ext.decodeSubjectAltName(hex('3003890100')))).toBe('ERR_X509_BAD_GENERAL_NAME');
    expect(codeOf(() => ext.decodeSubjectAltName(hex('3004820261620000')))).toBe('ERR_DER_TRAILING_BYTES');
    expect(codeOf(() => ext.decodeSubjectAltName(hex('a0028200')))).toBe('ERR_X509_BAD_EXTENSION');
  });
});

describe('nameConstraints (RFC 5280 4.2.1.10)', () => {
  const permitted = [
    { base: dns('.example.com'), minimum: 0 },
    { base: { type: 'ip' as const, value: hex('c0a80000ffff0000') }, minimum: 0 },
  ];
  const excluded = [{ base: { type: 'email' as const, value: 'bad.example' }, minimum: 0 }];

  it('round-trips permitted, excluded and both', () => {
    for (const nc of [{ permitted }, { excluded }, { permitted, excluded }]) {
      expect(ext.decodeNameConstraints(ext.encodeNameConstraints(nc))).toEqual(nc);
    }
    expect(toHex(ext.encodeNameConstraints({ excluded: [{ base: dns('a'), minimum: 0 }] }))).toBe('3007a1053003820161');
  });

  it('decodes minimum and maximum (for the validator to refuse) but will not encode them', () => {
    const withBoth = der.seq(der.tlv(0xa0, der.seq(hex('820161'), hex('800101'), hex('810102'))));
    expect(ext.decodeNameConstraints(withBoth)).toEqual({ permitted: [{ base: dns('a'), minimum: 1, maximum: 2 }] });
    expect(codeOf(() => ext.encodeNameConstraints({ permitted: [{ base: dns('a'), minimum: 0, maximum: 1 }] }))).toBe(
      'ERR_X509_BUILD_INVALID',
    );
  });

  it('refuses an empty sequence, empty subtrees, an explicit minimum 0 and bad bases', () => {
    expect(codeOf(() => ext.decodeNameConstraints(hex('3000')))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(() => ext.decodeNameConstraints(hex('3002a000')))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(() => ext.decodeNameConstraints(der.seq(der.tlv(0xa0, der.seq(hex('820161'), hex('800100'))))))).toBe(
      'ERR_X509_BAD_EXTENSION',
    );
    expect(reasonOf(() => ext.decodeNameConstraints(der.seq(der.tlv(0xa0, der.seq(hex('8702c0a8'))))))).toBe(
      'ERR_X509_BAD_GENERAL_NAME',
    );
    expect(
      reasonOf(() => ext.decodeNameConstraints(der.seq(der.tlv(0xa0, der.seq(hex('820161'), hex('80020001')))))),
    ).toBe('ERR_DER_NON_MINIMAL_INTEGER');
    expect(codeOf(() => ext.encodeNameConstraints({}))).toBe('ERR_X509_BUILD_INVALID');
    expect(codeOf(() => ext.encodeNameConstraints({ permitted: [] }))).toBe('ERR_X509_BUILD_INVALID');
  });
});

describe('certificatePolicies (RFC 5280 4.2.1.4)', () => {
  it('round-trips policies with and without qualifiers, and reads the two RFC 5280 qualifiers', () => {
    const policies = [
      {
        policyId: '1.3.6.1.4.1.99999.1',
        qualifiers: [ext.cpsQualifier('https://cps.example/'), ext.userNoticeQualifier('Notice')],
      },
      { policyId: OID.anyPolicy },
    ];
    const decoded = ext.decodeCertificatePolicies(ext.encodeCertificatePolicies(policies));
    expect(decoded).toEqual(policies);
    expect(ext.describePolicyQualifier(decoded[0]!.qualifiers![0]!)).toEqual({
      kind: 'cps',
      uri: 'https://cps.example/',
    });
    expect(ext.describePolicyQualifier(decoded[0]!.qualifiers![1]!)).toEqual({
      kind: 'userNotice',
      explicitText: 'Notice',
    });
    expect(ext.describePolicyQualifier({ id: '1.2.3', qualifier: der.nul() })).toEqual({ kind: 'unknown' });
  });

  it('reads a UserNotice with a noticeRef', () => {
    const notice = der.seq(
      der.seq(der.utf8('Org'), der.seq(der.int(1), der.int(2))),
      der.tlv(0x1a, new TextEncoder().encode('Hi')),
    );
    expect(ext.describePolicyQualifier({ id: OID.userNotice, qualifier: notice })).toEqual({
      kind: 'userNotice',
      explicitText: 'Hi',
      noticeRef: { organization: 'Org', noticeNumbers: [1n, 2n] },
    });
    expect(codeOf(() => ext.describePolicyQualifier({ id: OID.userNotice, qualifier: der.seq(der.int(1)) }))).toBe(
      'ERR_X509_BAD_EXTENSION',
    );
  });

  it('refuses an empty list, a duplicated policy, empty qualifiers and a qualifier without value', () => {
    expect(codeOf(() => ext.decodeCertificatePolicies(hex('3000')))).toBe('ERR_X509_BAD_EXTENSION');
    const dup = der.seq(der.seq(der.oid('1.2.3')), der.seq(der.oid('1.2.3')));
    expect(codeOf(() => ext.decodeCertificatePolicies(dup))).toBe('ERR_X509_BAD_EXTENSION');
    const emptyQualifiers = der.seq(der.seq(der.oid('1.2.3'), der.seq()));
    expect(codeOf(() => ext.decodeCertificatePolicies(emptyQualifiers))).toBe('ERR_X509_BAD_EXTENSION');
    const noValue = der.seq(der.seq(der.oid('1.2.3'), der.seq(der.seq(der.oid(OID.cps)))));
    expect(reasonOf(() => ext.decodeCertificatePolicies(noValue))).toBe('ERR_DER_TRUNCATED');
    expect(codeOf(() => ext.encodeCertificatePolicies([{ policyId: '1.2' }, { policyId: '1.2' }]))).toBe(
      'ERR_X509_BUILD_INVALID',
    );
    expect(codeOf(() => ext.encodeCertificatePolicies([{ policyId: '1.2', qualifiers: [] }]))).toBe(
      'ERR_X509_BUILD_INVALID',
    );
  });
});

describe('policyMappings (RFC 5280 4.2.1.5)', () => {
  it('round-trips mappings', () => {
    const mappings = [{ issuerDomainPolicy: '1.2.3', subjectDomainPolicy: '1.2.4' }];
    expect(ext.decodePolicyMappings(ext.encodePolicyMappings(mappings))).toEqual(mappings);
  });

  it('decodes anyPolicy mappings for the validator to refuse, and never encodes one', () => {
    const withAny = der.seq(der.seq(der.oid(OID.anyPolicy), der.oid('1.2.3')));
    const decoded = ext.decodePolicyMappings(withAny);
    expect(decoded).toEqual([{ issuerDomainPolicy: OID.anyPolicy, subjectDomainPolicy: '1.2.3' }]);
    expect(ext.mappingUsesAnyPolicy(decoded[0]!)).toBe(true);
    expect(codeOf(() => ext.encodePolicyMappings(decoded))).toBe('ERR_X509_BUILD_INVALID');
  });

  it('refuses an empty list and half mappings', () => {
    expect(codeOf(() => ext.decodePolicyMappings(hex('3000')))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(() => ext.decodePolicyMappings(der.seq(der.seq(der.oid('1.2')))))).toBe('ERR_X509_BAD_EXTENSION');
  });
});

describe('policyConstraints (RFC 5280 4.2.1.11) and inhibitAnyPolicy (4.2.1.14)', () => {
  it('round-trips', () => {
    for (const pc of [
      { requireExplicitPolicy: 0 },
      { inhibitPolicyMapping: 3 },
      { requireExplicitPolicy: 1, inhibitPolicyMapping: 0 },
    ]) {
      expect(ext.decodePolicyConstraints(ext.encodePolicyConstraints(pc))).toEqual(pc);
    }
    expect(toHex(ext.encodePolicyConstraints({ requireExplicitPolicy: 0, inhibitPolicyMapping: 1 }))).toBe(
      '3006800100810101',
    );
    expect(ext.decodeInhibitAnyPolicy(ext.encodeInhibitAnyPolicy(5))).toBe(5);
    expect(toHex(ext.encodeInhibitAnyPolicy(0))).toBe('020100');
  });

  it('refuses empty, negative, non-minimal and out-of-order values', () => {
    expect(codeOf(() => ext.decodePolicyConstraints(hex('3000')))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(() => ext.decodePolicyConstraints(hex('30038001ff')))).toBe('ERR_X509_BAD_EXTENSION');
    expect(reasonOf(() => ext.decodePolicyConstraints(hex('3004800200 01'.replace(' ', ''))))).toBe(
      'ERR_DER_NON_MINIMAL_INTEGER',
    );
    expect(reasonOf(() => ext.decodePolicyConstraints(hex('3006810101800100')))).toBe('ERR_DER_TRAILING_BYTES');
    expect(reasonOf(() => ext.decodePolicyConstraints(hex('30028000')))).toBe('ERR_DER_EMPTY_INTEGER');
    expect(reasonOf(() => ext.decodeInhibitAnyPolicy(hex('0201ff')))).toBe('ERR_DER_INTEGER_TOO_LARGE');
    expect(codeOf(() => ext.decodeInhibitAnyPolicy(hex('0a0101')))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(() => ext.encodePolicyConstraints({}))).toBe('ERR_X509_BUILD_INVALID');
    expect(codeOf(() => ext.encodeInhibitAnyPolicy(-1))).toBe('ERR_X509_BUILD_INVALID');
  });
});

describe('cRLDistributionPoints (RFC 5280 4.2.1.13)', () => {
  const rdn = der.setOf(der.seq(der.oid(OID.commonName), der.utf8('Partition 2')));
  const points: DistributionPoint[] = [
    { fullName: [uri('http://crl.example/a.crl')] },
    {
      fullName: [uri('http://crl.example/b.crl')],
      reasons: new Set(['keyCompromise', 'cACompromise'] as const),
      crlIssuer: [{ type: 'directoryName', value: nameOf([[{ type: 'CN', value: 'Issuer' }]]) }],
    },
    { nameRelativeToCRLIssuer: rdn },
    { crlIssuer: [dns('issuer.example')] },
  ];

  it('round-trips every form', () => {
    expect(ext.decodeCrlDistributionPoints(ext.encodeCrlDistributionPoints(points))).toEqual(points);
    expect(ext.crlDistributionPointsFromUris(['http://a/'])).toEqual([{ fullName: [uri('http://a/')] }]);
    expect(toHex(ext.encodeCrlDistributionPoints([{ fullName: [uri('u')] }]))).toBe(
      '3009300 7a005a0038601 75'.replace(/ /g, ''),
    );
  });

  it('refuses a point with only reasons, an empty point, bad reasons and an empty list', () => {
    expect(codeOf(() => ext.decodeCrlDistributionPoints(hex('3000')))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(() => ext.decodeCrlDistributionPoints(hex('30023000')))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(() => ext.decodeCrlDistributionPoints(hex('3006300481020560')))).toBe('ERR_X509_BAD_EXTENSION');
    // reasons with a trailing zero bit
    expect(codeOf(() => ext.decodeCrlDistributionPoints(hex('300d300ba005a00386017581020440')))).toBe(
      'ERR_X509_BAD_EXTENSION',
    );
    // reasons with a padding bit set
    expect(reasonOf(() => ext.decodeCrlDistributionPoints(hex('300d300ba005a00386017581020561')))).toBe(
      'ERR_DER_BAD_BIT_STRING',
    );
    // DistributionPointName [2]
    expect(codeOf(() => ext.decodeCrlDistributionPoints(hex('30093007a005a2038601 75'.replace(' ', ''))))).toBe(
      'ERR_X509_BAD_EXTENSION',
    );
    // nameRelativeToCRLIssuer that is empty
    expect(codeOf(() => ext.decodeCrlDistributionPoints(hex('30063004a002a100')))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(() => ext.encodeCrlDistributionPoints([{ reasons: new Set(['keyCompromise'] as const) }]))).toBe(
      'ERR_X509_BUILD_INVALID',
    );
    expect(codeOf(() => ext.encodeCrlDistributionPoints([]))).toBe('ERR_X509_BUILD_INVALID');
  });
});

describe('authorityInfoAccess / subjectInfoAccess (RFC 5280 4.2.2.1, 4.2.2.2)', () => {
  it('round-trips', () => {
    const aia = [
      { method: OID.ocsp, location: uri('http://ocsp.example/') },
      { method: OID.caIssuers, location: uri('http://ca.example/ca.crt') },
    ];
    expect(ext.decodeAuthorityInfoAccess(ext.encodeAuthorityInfoAccess(aia))).toEqual(aia);
    expect(ext.decodeSubjectInfoAccess(ext.encodeSubjectInfoAccess(aia))).toEqual(aia);
  });

  it('refuses an empty list and a description without location', () => {
    expect(codeOf(() => ext.decodeAuthorityInfoAccess(hex('3000')))).toBe('ERR_X509_BAD_EXTENSION');
    expect(reasonOf(() => ext.decodeAuthorityInfoAccess(der.seq(der.seq(der.oid(OID.ocsp)))))).toBe(
      'ERR_DER_TRUNCATED',
    );
    expect(codeOf(() => ext.encodeSubjectInfoAccess([]))).toBe('ERR_X509_BUILD_INVALID');
  });
});

describe('Extension encoding and the codec table', () => {
  it('omits critical when false and writes it when true', () => {
    const value = ext.encodeBasicConstraints({ ca: true });
    expect(toHex(ext.encodeExtension({ oid: OID.basicConstraints, critical: false, value }))).toBe(
      '300c0603551d130405 30030101ff'.replace(' ', ''),
    );
    expect(toHex(ext.encodeExtension({ oid: OID.basicConstraints, critical: true, value }))).toBe(
      '300f0603551d130101ff040530030101ff',
    );
  });

  it('encodes Extensions, refusing an empty list, duplicates and non-DER values', () => {
    const a = ext.knownExtension('keyUsage', new Set(['digitalSignature'] as const), true);
    const b = ext.knownExtension('extKeyUsage', [OID.clientAuth]);
    expect(ext.encodeExtensions([a, b])).toEqual(der.seq(ext.encodeExtension(a), ext.encodeExtension(b)));
    expect(codeOf(() => ext.encodeExtensions([]))).toBe('ERR_X509_BUILD_INVALID');
    expect(codeOf(() => ext.encodeExtensions([a, a]))).toBe('ERR_X509_BUILD_INVALID');
    expect(codeOf(() => ext.encodeExtension({ oid: '1.2.3', critical: false, value: hex('0401') }))).toBe(
      'ERR_X509_BUILD_INVALID',
    );
  });

  it('maps known OIDs to decoded values and leaves unknown ones opaque', () => {
    const decoded = ext.decodeKnownExtension(ext.knownExtension('basicConstraints', { ca: true, pathLen: 1 }, true));
    expect(decoded).toEqual({ name: 'basicConstraints', value: { ca: true, pathLen: 1 } });
    if (decoded?.name === 'basicConstraints') expect(decoded.value.pathLen).toBe(1); // narrows by name
    expect(ext.decodeKnownExtension({ oid: '1.2.3.4', critical: true, value: hex('0500') })).toBeUndefined();
    expect(ext.knownExtensionName(OID.subjectAltName)).toBe('subjectAltName');
  });

  it('lists exactly the OIDs it has codecs for', () => {
    expect([...ext.SUPPORTED_EXTENSION_OIDS].sort()).toEqual(
      Object.values(ext.extensionCodecs)
        .map((c) => c.oid)
        .sort(),
    );
    for (const oid of [
      OID.basicConstraints,
      OID.keyUsage,
      OID.extKeyUsage,
      OID.subjectKeyIdentifier,
      OID.authorityKeyIdentifier,
      OID.subjectAltName,
      OID.issuerAltName,
      OID.nameConstraints,
      OID.certificatePolicies,
      OID.policyMappings,
      OID.policyConstraints,
      OID.inhibitAnyPolicy,
      OID.cRLDistributionPoints,
      OID.authorityInfoAccess,
      OID.subjectInfoAccess,
    ]) {
      expect(ext.SUPPORTED_EXTENSION_OIDS.has(oid), oid).toBe(true);
    }
    expect(ext.SUPPORTED_EXTENSION_OIDS.size).toBe(15);
  });

  it('wraps structure errors with the extension name and the original code', () => {
    const error = (() => {
      try {
        ext.decodeKnownExtension({ oid: OID.subjectAltName, critical: false, value: hex('3003890100') });
      } catch (e) {
        return e as { code: string; detail: Record<string, unknown>; message: string };
      }
      return undefined;
    })();
    expect(error?.code).toBe('ERR_X509_BAD_EXTENSION');
    expect(error?.detail).toEqual({ extension: 'subjectAltName', reason: 'ERR_X509_BAD_GENERAL_NAME' });
    expect(error?.message).toMatch(/^subjectAltName: /);
  });
});
