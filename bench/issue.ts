/**
 * `issue`: device IDevID issuance throughput (issue 2, section 5).
 *
 * Baseline: raw `crypto.sign('sha256', message, key)` with the issuing CA's P-256 key over a message
 * as long as a device TBS: the ceiling any issuer signing with node:crypto can reach.
 * Results, certificates per second for the same device content under the same CA key:
 *   - `template`: DeviceTemplate.issue (the fast path);
 *   - `builder`: the general builder, fed the same fields through the name and extension encoders,
 *     with its strict read-back;
 *   - `@peculiar/x509`: X509CertificateGenerator.create over WebCrypto, the peer most TypeScript
 *     users would pick. It cannot encode Keyline's OIDs: its OID code loses arcs above 2^53, and the
 *     2.25 UUID arc (a 128-bit arc) comes out as "2.25". So it is given the same layout under the
 *     RFC 5612 documentation arc 1.3.6.1.4.1.32473.99 instead (two octets shorter per OID), and
 *     the check before measuring maps those OIDs back.
 * Device keys, serials and chip serials are made before measuring; each operation takes the next
 * device of a pool, so nothing is cached between certificates.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { generateKeyPairSync, randomBytes, sign, verify, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import {
  buildCertificateSync,
  Certificate,
  der,
  DeviceTemplate,
  KEYLINE_ATTRIBUTE,
  KEYLINE_POLICY,
  OID,
  type DeviceCertificateInput,
} from '@keyline/core';
import { FULL, QUICK, measure, type BenchCase } from './lib/measure.js';
import { makeHierarchy } from './lib/pki.js';
import { makeReport, type BenchReport } from './lib/report.js';

const POOL = 256;
const ENTERPRISE_NUMBER = 32473; // RFC 5612 documentation PEN
const NOT_BEFORE = new Date('2025-01-01T00:00:00Z');

/** Stand-ins for Keyline's 2.25 OIDs that @peculiar/x509 can encode (see the header). */
const PEER_ARC = '1.3.6.1.4.1.32473.99';
const PEER_OID = {
  manufacturerId: `${PEER_ARC}.2.1`,
  productId: `${PEER_ARC}.2.2`,
  deviceIdentityV1: `${PEER_ARC}.1.1`,
} as const;
const FROM_PEER: Readonly<Record<string, string>> = {
  [PEER_OID.manufacturerId]: KEYLINE_ATTRIBUTE.manufacturerId,
  [PEER_OID.productId]: KEYLINE_ATTRIBUTE.productId,
  [PEER_OID.deviceIdentityV1]: KEYLINE_POLICY.deviceIdentityV1,
};

interface Device extends DeviceCertificateInput {
  readonly deviceId: string;
  readonly spki: Uint8Array;
}

function makeDevices(): Device[] {
  const devices: Device[] = [];
  for (let i = 0; i < POOL; i++) {
    const spki = new Uint8Array(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }),
    );
    const serial = randomBytes(16);
    serial[0] = (serial[0]! & 0x7f) | 0x01; // KECP 4.1: leading octet 0x01..0x7f
    const chipSerial = randomBytes(9);
    devices.push({
      serial,
      chipSerial,
      publicKey: spki,
      spki,
      notBefore: NOT_BEFORE,
      deviceId: chipSerial.toString('hex'),
    });
  }
  return devices;
}

export async function run(options: { quick: boolean }): Promise<BenchReport> {
  const { ca, caKey, caSigner } = makeHierarchy();
  const template = DeviceTemplate.compile({
    issuer: ca,
    signer: caSigner,
    productId: 'sensor-x',
    deviceUrn: { enterpriseNumber: ENTERPRISE_NUMBER },
  });
  const devices = makeDevices();
  const tbsLength = template.tbs(devices[0]!).length;
  const message = randomBytes(tbsLength);

  // The peer: the same content through @peculiar/x509's own API (names, key usage, key
  // identifiers, policies), with our DER for the subjectAltName, which it has no type for.
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const signingKey = await webcrypto.subtle.importKey(
    'pkcs8',
    caKey.export({ type: 'pkcs8', format: 'der' }),
    algorithm,
    false,
    ['sign'],
  );
  const issuerName: x509.JsonName = [{ [PEER_OID.manufacturerId]: ['acme'] }, { CN: ['Acme Issuing CA 1'] }];
  const akiId = Buffer.from(
    ca.extension(OID.subjectKeyIdentifier)!.value.subarray(2), // OCTET STRING content
  ).toString('hex');
  // The subjectAltName DER per device, made before measuring so the peer is not charged for it.
  const sanOf = new Map(
    devices.map((d) => [d, Certificate.fromDer(template.issue(d)).extension(OID.subjectAltName)!.value]),
  );
  const peculiar = async (device: Device): Promise<x509.X509Certificate> =>
    x509.X509CertificateGenerator.create({
      serialNumber: Buffer.from(device.serial).toString('hex'),
      issuer: issuerName,
      subject: [
        { [PEER_OID.manufacturerId]: ['acme'] },
        { [PEER_OID.productId]: ['sensor-x'] },
        { [OID.serialNumber]: [device.deviceId] },
        { CN: [device.deviceId] },
      ],
      notBefore: device.notBefore,
      notAfter: new Date('9999-12-31T23:59:59Z'),
      signingAlgorithm: algorithm,
      publicKey: device.spki,
      signingKey,
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(device.spki),
        new x509.AuthorityKeyIdentifierExtension(akiId),
        new x509.Extension(OID.subjectAltName, false, sanOf.get(device)!),
        new x509.CertificatePolicyExtension([PEER_OID.deviceIdentityV1]),
      ],
    });

  await sanityCheck(template, devices[0]!, caSigner.publicKeySpki, peculiar);

  let i = 0;
  let j = 0;
  let k = 0;
  const cases: BenchCase[] = [
    { name: 'crypto.sign', op: () => sign('sha256', message, caKey) },
    { name: 'template', op: () => template.issue(devices[i++ & (POOL - 1)]!) },
    { name: 'builder', op: () => buildCertificateSync(template.fields(devices[j++ & (POOL - 1)]!), caSigner) },
    { name: '@peculiar/x509', op: () => peculiar(devices[k++ & (POOL - 1)]!), async: true },
  ];
  const figures = await measure(cases, options.quick ? QUICK : FULL);
  const [baseline, ...results] = figures;
  return makeReport(
    'issue',
    options.quick,
    { op: `crypto.sign('sha256', ${tbsLength}-byte message, P-256 key)`, figures: baseline! },
    results.map((r) => ({ ...r, extra: { unit: 'certificates' } })),
  );
}

/**
 * Before measuring: both certificates decode strictly, verify under the CA key, and carry the same
 * names, key, serial, extensions and policy (the peer's stand-in OIDs mapped back).
 */
async function sanityCheck(
  template: DeviceTemplate,
  device: Device,
  caSpki: Uint8Array,
  peculiar: (d: Device) => Promise<x509.X509Certificate>,
): Promise<void> {
  const caKey = { key: Buffer.from(caSpki), format: 'der' as const, type: 'spki' as const };
  const ours = Certificate.fromDer(template.issue(device));
  const theirs = Certificate.fromDer(new Uint8Array((await peculiar(device)).rawData));
  for (const cert of [ours, theirs]) {
    if (!verify('sha256', cert.tbs, caKey, cert.signatureValue))
      throw new Error('a benchmark certificate does not verify');
  }
  const names = (name: Certificate['subject']): string =>
    name.rdns.map((rdn) => rdn.map((a) => `${FROM_PEER[a.type] ?? a.type}=${a.value}`).join('+')).join(',');
  const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
  const policyOf = (c: Certificate): string => hex(c.extension(OID.certificatePolicies)!.value);
  const checks: [string, string, string][] = [
    ['subject', names(ours.subject), names(theirs.subject)],
    ['issuer', names(ours.issuer), names(theirs.issuer)],
    ['key', hex(ours.spki), hex(theirs.spki)],
    ['serial', ours.serialHex, theirs.serialHex],
    ['extensions', ours.extensions.map((e) => e.oid).join(), theirs.extensions.map((e) => e.oid).join()],
    ['policy', policyOf(ours), hex(der.seq(der.seq(der.oid(KEYLINE_POLICY.deviceIdentityV1))))],
    ['peer policy', policyOf(theirs), hex(der.seq(der.seq(der.oid(PEER_OID.deviceIdentityV1))))],
    ['notAfter', ours.notAfter.toISOString(), theirs.notAfter.toISOString()],
  ];
  for (const [what, a, b] of checks) {
    if (a !== b) throw new Error(`the @peculiar/x509 certificate differs in ${what}: ${a} vs ${b}`);
  }
}
