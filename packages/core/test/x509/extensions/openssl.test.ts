import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ext from '../../../src/x509/extensions/index.js';
import type { Extension, GeneralName } from '../../../src/x509/extensions/types.js';
import { nameFromString } from '../../../src/x509/name/from-string.js';
import { OID } from '../../../src/x509/oids.js';
import { der, hex, nameOf, toHex } from './helpers.js';
import { openssl, opensslSelfSigned, walkCertificate, withTempDir } from './openssl-helpers.js';

/** Everything the issue lists, written the way an OpenSSL user would ask for it. */
const CONFIG = `
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3
[dn]
C = FI
O = Keyline Test
CN = Extension Test
[v3]
basicConstraints = critical, CA:TRUE, pathlen:2
keyUsage = critical, digitalSignature, keyCertSign, cRLSign
extendedKeyUsage = serverAuth, clientAuth, OCSPSigning, 1.3.6.1.4.1.99999.9
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always, issuer:always
subjectAltName = @san
issuerAltName = URI:http://issuer.example/, email:ca@example.com
nameConstraints = critical, permitted;DNS:.example.com, permitted;IP:192.168.0.0/255.255.0.0, permitted;IP:2001:db8::/ffff:ffff::, excluded;email:bad.example, excluded;URI:.evil.example, permitted;dirName:nc_dir
certificatePolicies = 1.2.3.4, @pol1
policyMappings = 1.2.3.4:1.2.3.5, 1.3.6.1.4.1.99999.1:1.2.3.6
policyConstraints = requireExplicitPolicy:0, inhibitPolicyMapping:1
inhibitAnyPolicy = 2
crlDistributionPoints = crldp1, crldp2
authorityInfoAccess = OCSP;URI:http://ocsp.example/, caIssuers;URI:http://ca.example/ca.crt
subjectInfoAccess = 1.3.6.1.5.5.7.48.5;URI:http://repo.example/
[san]
DNS.1 = device.example.com
IP.1 = 192.0.2.1
IP.2 = 2001:db8::1
URI.1 = urn:dev:ops:32473-Widget-1234
URI.2 = urn:dev:mac:0024befffe804ff1
email.1 = dev@example.com
dirName.1 = dir_sect
otherName.1 = 1.3.6.1.5.5.7.8.4;SEQUENCE:hmn
otherName.2 = 1.2.3.4;UTF8:some other identifier
RID.1 = 1.2.3.4.5
[dir_sect]
C = FI
O = Example Dir
CN = Dir Name
[nc_dir]
O = Permitted Org
[hmn]
hwType = OID:1.3.6.1.4.1.99999.2.1
hwSerialNum = FORMAT:HEX,OCTETSTRING:0102030405
[pol1]
policyIdentifier = 1.3.6.1.4.1.99999.1
CPS.1 = "http://cps.example/"
userNotice.1 = @notice
[notice]
explicitText = "Explicit notice text"
[crldp1]
fullname = URI:http://crl.example/a.crl, URI:ldap://crl.example/cn=a
CRLissuer = dirName:issuer_sect
reasons = keyCompromise, CACompromise
[crldp2]
relativename = rel_sect
[rel_sect]
CN = Partition 2
[issuer_sect]
C = FI
O = CRL Issuer
CN = Issuer Name
`;

const uri = (value: string): GeneralName => ({ type: 'uri', value });

describe('OpenSSL cross-check: extensions OpenSSL writes, our decoders read', () => {
  const cert = withTempDir((dir) => walkCertificate(opensslSelfSigned(dir, CONFIG)));
  const get = (oid: string): Extension => {
    const e = cert.extensions.get(oid);
    if (e === undefined) throw new Error(`OpenSSL did not write ${oid}`);
    return e;
  };
  const decoded = (oid: string) => ext.decodeKnownExtension(get(oid))?.value;

  it('reads basicConstraints, keyUsage and extKeyUsage with their critical flags', () => {
    expect(get(OID.basicConstraints).critical).toBe(true);
    expect(decoded(OID.basicConstraints)).toEqual({ ca: true, pathLen: 2 });
    expect(get(OID.keyUsage).critical).toBe(true);
    expect(decoded(OID.keyUsage)).toEqual(new Set(['digitalSignature', 'keyCertSign', 'cRLSign']));
    expect(get(OID.extKeyUsage).critical).toBe(false);
    expect(decoded(OID.extKeyUsage)).toEqual([OID.serverAuth, OID.clientAuth, OID.ocspSigning, '1.3.6.1.4.1.99999.9']);
  });

  it('reads the key identifiers, and computes the same method (1) identifier OpenSSL does', () => {
    const ski = ext.decodeSubjectKeyIdentifier(get(OID.subjectKeyIdentifier).value);
    expect(ski).toEqual(ext.computeKeyIdentifier(cert.subjectPublicKey));
    expect(decoded(OID.authorityKeyIdentifier)).toEqual({
      keyIdentifier: ski,
      authorityCertIssuer: [{ type: 'directoryName', value: cert.issuer }],
      authorityCertSerialNumber: cert.serial,
    });
  });

  it('reads every subjectAltName form, the device URNs and the hardwareModuleName', () => {
    const san = ext.decodeSubjectAltName(get(OID.subjectAltName).value);
    expect(san).toEqual([
      { type: 'dns', value: 'device.example.com' },
      { type: 'ip', value: ext.parseIpAddress('192.0.2.1') },
      { type: 'ip', value: ext.parseIpAddress('2001:db8::1') },
      uri('urn:dev:ops:32473-Widget-1234'),
      uri('urn:dev:mac:0024befffe804ff1'),
      { type: 'email', value: 'dev@example.com' },
      // OpenSSL's default string mask gives C a PrintableString and the rest UTF8String, as encodeName does.
      { type: 'directoryName', value: nameFromString('CN=Dir Name, O=Example Dir, C=FI') },
      ext.hardwareModuleNameOtherName('1.3.6.1.4.1.99999.2.1', hex('0102030405')),
      { type: 'otherName', typeId: '1.2.3.4', value: der.utf8('some other identifier') },
      { type: 'registeredId', value: '1.2.3.4.5' },
    ]);
    expect(ext.parseDeviceUrn('urn:dev:ops:32473-Widget-1234')).toMatchObject({ product: 'Widget', serial: '1234' });
    expect(ext.parseDeviceUrn('urn:dev:mac:0024befffe804ff1')).toMatchObject({ kind: 'mac' });
    expect(decoded(OID.issuerAltName)).toEqual([
      uri('http://issuer.example/'),
      { type: 'email', value: 'ca@example.com' },
    ]);
  });

  it('reads nameConstraints', () => {
    expect(get(OID.nameConstraints).critical).toBe(true);
    expect(decoded(OID.nameConstraints)).toEqual({
      permitted: [
        { base: { type: 'dns', value: '.example.com' }, minimum: 0 },
        { base: { type: 'ip', value: ext.parseIpSubnet('192.168.0.0/16') }, minimum: 0 },
        { base: { type: 'ip', value: ext.parseIpSubnet('2001:db8::/32') }, minimum: 0 },
        { base: { type: 'directoryName', value: nameFromString('O=Permitted Org') }, minimum: 0 },
      ],
      excluded: [
        { base: { type: 'email', value: 'bad.example' }, minimum: 0 },
        { base: uri('.evil.example'), minimum: 0 },
      ],
    });
  });

  it('reads certificatePolicies with CPS and userNotice qualifiers', () => {
    const policies = ext.decodeCertificatePolicies(get(OID.certificatePolicies).value);
    expect(policies.map((p) => p.policyId)).toEqual(['1.2.3.4', '1.3.6.1.4.1.99999.1']);
    expect(policies[0]!.qualifiers).toBeUndefined();
    expect(policies[1]!.qualifiers!.map(ext.describePolicyQualifier)).toEqual([
      { kind: 'cps', uri: 'http://cps.example/' },
      { kind: 'userNotice', explicitText: 'Explicit notice text' },
    ]);
  });

  it('reads policyMappings, policyConstraints and inhibitAnyPolicy', () => {
    expect(decoded(OID.policyMappings)).toEqual([
      { issuerDomainPolicy: '1.2.3.4', subjectDomainPolicy: '1.2.3.5' },
      { issuerDomainPolicy: '1.3.6.1.4.1.99999.1', subjectDomainPolicy: '1.2.3.6' },
    ]);
    expect(decoded(OID.policyConstraints)).toEqual({ requireExplicitPolicy: 0, inhibitPolicyMapping: 1 });
    expect(decoded(OID.inhibitAnyPolicy)).toBe(2);
  });

  it('reads cRLDistributionPoints with fullName, reasons, cRLIssuer and a relative name', () => {
    expect(decoded(OID.cRLDistributionPoints)).toEqual([
      {
        fullName: [uri('http://crl.example/a.crl'), uri('ldap://crl.example/cn=a')],
        reasons: new Set(['keyCompromise', 'cACompromise']),
        crlIssuer: [{ type: 'directoryName', value: nameFromString('CN=Issuer Name,O=CRL Issuer,C=FI') }],
      },
      { nameRelativeToCRLIssuer: der.setOf(der.seq(der.oid(OID.commonName), der.utf8('Partition 2'))) },
    ]);
  });

  it('reads authorityInfoAccess and subjectInfoAccess', () => {
    expect(decoded(OID.authorityInfoAccess)).toEqual([
      { method: OID.ocsp, location: uri('http://ocsp.example/') },
      { method: OID.caIssuers, location: uri('http://ca.example/ca.crt') },
    ]);
    expect(decoded(OID.subjectInfoAccess)).toEqual([
      { method: '1.3.6.1.5.5.7.48.5', location: uri('http://repo.example/') },
    ]);
  });

  it('re-encodes every extension OpenSSL wrote to the same bytes', () => {
    expect(cert.extensions.size).toBe(15);
    for (const e of cert.extensions.values()) {
      const known = ext.knownExtensionName(e.oid);
      expect(known, e.oid).toBeDefined();
      const codec = ext.extensionCodecs[known!] as unknown as ext.ExtensionCodec<unknown>;
      expect(toHex(codec.encode(codec.decode(e.value))), known).toBe(toHex(e.value));
      expect(toHex(ext.encodeExtension(e))).toBe(toHex(ext.encodeExtension({ ...e })));
    }
  });
});

describe('OpenSSL cross-check: extensions we encode, OpenSSL prints', () => {
  const dn = nameOf([
    [{ type: 'C', value: 'FI' }],
    [{ type: 'O', value: 'Example' }],
    [{ type: 'CN', value: 'Device' }],
  ]);
  const ours: Array<{ e: Extension; expect: string[] }> = [
    { e: ext.knownExtension('basicConstraints', { ca: true, pathLen: 3 }, true), expect: ['CA:TRUE, pathlen:3'] },
    {
      e: ext.knownExtension('keyUsage', new Set(['digitalSignature', 'keyAgreement'] as const), true),
      expect: ['Digital Signature, Key Agreement'],
    },
    {
      e: ext.knownExtension('extKeyUsage', [OID.clientAuth, OID.serverAuth]),
      expect: ['TLS Web Client Authentication, TLS Web Server Authentication'],
    },
    { e: ext.knownExtension('subjectKeyIdentifier', hex('010203')), expect: ['01:02:03'] },
    {
      e: ext.knownExtension('authorityKeyIdentifier', {
        keyIdentifier: hex('0a0b'),
        authorityCertIssuer: [{ type: 'directoryName', value: dn }],
        authorityCertSerialNumber: hex('8102'),
      }),
      expect: ['keyid:0A:0B', 'DirName:/C=FI/O=Example/CN=Device', 'serial:81:02'],
    },
    {
      e: ext.knownExtension('subjectAltName', [
        { type: 'dns', value: 'device.example' },
        { type: 'ip', value: ext.parseIpAddress('192.0.2.7') },
        { type: 'ip', value: ext.parseIpAddress('2001:db8::7') },
        ext.deviceUrnGeneralName({
          kind: 'ops',
          enterpriseNumber: 32473,
          product: 'Widget',
          serial: 'SN-1',
          identifiers: [],
          components: [],
        }),
        { type: 'email', value: 'dev@example.com' },
        { type: 'directoryName', value: dn },
        ext.hardwareModuleNameOtherName('1.3.6.1.4.1.99999.2.1', hex('0a0b0c')),
        { type: 'registeredId', value: '1.2.3.4.5' },
      ]),
      expect: [
        'DNS:device.example',
        'IP Address:192.0.2.7',
        'IP Address:2001:DB8:0:0:0:0:0:7',
        'URI:urn:dev:ops:32473-Widget-SN-1',
        'email:dev@example.com',
        'DirName:/C=FI/O=Example/CN=Device',
        'othername: 1.3.6.1.5.5.7.8.4:',
        'Registered ID:1.2.3.4.5',
      ],
    },
    { e: ext.knownExtension('issuerAltName', [uri('http://issuer.example/')]), expect: ['URI:http://issuer.example/'] },
    {
      e: ext.knownExtension(
        'nameConstraints',
        {
          permitted: [
            { base: { type: 'dns', value: '.example.com' }, minimum: 0 },
            { base: { type: 'ip', value: ext.parseIpSubnet('192.168.0.0/16') }, minimum: 0 },
          ],
          excluded: [{ base: { type: 'email', value: 'bad.example' }, minimum: 0 }],
        },
        true,
      ),
      expect: ['Permitted:', 'DNS:.example.com', 'IP:192.168.0.0/255.255.0.0', 'Excluded:', 'email:bad.example'],
    },
    {
      e: ext.knownExtension('certificatePolicies', [
        {
          policyId: '1.3.6.1.4.1.99999.1',
          qualifiers: [ext.cpsQualifier('https://cps.example/'), ext.userNoticeQualifier('Notice text')],
        },
      ]),
      expect: ['Policy: 1.3.6.1.4.1.99999.1', 'CPS: https://cps.example/', 'Explicit Text: Notice text'],
    },
    {
      e: ext.knownExtension('policyMappings', [{ issuerDomainPolicy: '1.2.3.4', subjectDomainPolicy: '1.2.3.5' }]),
      expect: ['1.2.3.4:1.2.3.5'],
    },
    {
      e: ext.knownExtension('policyConstraints', { requireExplicitPolicy: 0, inhibitPolicyMapping: 1 }),
      expect: ['Require Explicit Policy:0, Inhibit Policy Mapping:1'],
    },
    { e: ext.knownExtension('inhibitAnyPolicy', 4), expect: ['X509v3 Inhibit Any Policy: \n                4'] },
    {
      e: ext.knownExtension('cRLDistributionPoints', [
        {
          fullName: [uri('http://crl.example/a.crl')],
          reasons: new Set(['keyCompromise', 'cACompromise'] as const),
          crlIssuer: [{ type: 'directoryName', value: dn }],
        },
        { nameRelativeToCRLIssuer: der.setOf(der.seq(der.oid(OID.commonName), der.utf8('Partition 2'))) },
      ]),
      expect: [
        'Full Name:',
        'URI:http://crl.example/a.crl',
        'Key Compromise, CA Compromise',
        'CRL Issuer:',
        'Relative Name:',
        'CN = Partition 2',
      ],
    },
    {
      e: ext.knownExtension('authorityInfoAccess', [
        { method: OID.ocsp, location: uri('http://ocsp.example/') },
        { method: OID.caIssuers, location: uri('http://ca.example/ca.crt') },
      ]),
      expect: ['OCSP - URI:http://ocsp.example/', 'CA Issuers - URI:http://ca.example/ca.crt'],
    },
    {
      e: ext.knownExtension('subjectInfoAccess', [
        { method: '1.3.6.1.5.5.7.48.5', location: uri('http://repo.example/') },
      ]),
      expect: ['CA Repository - URI:http://repo.example/'],
    },
  ];

  it('OpenSSL parses and prints what every encoder writes', () => {
    withTempDir((dir) => {
      const args = ours.flatMap(({ e }) => [
        '-addext',
        `${e.oid}=${e.critical ? 'critical,' : ''}DER:${toHex(e.value)}`,
      ]);
      const certDer = opensslSelfSigned(dir, '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = ours\n', args);
      writeFileSync(join(dir, 'ours.der'), certDer);
      const text = openssl(['x509', '-inform', 'DER', '-in', 'ours.der', '-noout', '-text'], dir);
      for (const { e, expect: fragments } of ours) {
        for (const fragment of fragments) expect(text, `${e.oid}: ${fragment}`).toContain(fragment);
      }
      // Our bytes arrive unchanged, with their critical flags.
      const walked = walkCertificate(certDer);
      for (const { e } of ours) expect(walked.extensions.get(e.oid)).toEqual(e);
    });
  });
});
