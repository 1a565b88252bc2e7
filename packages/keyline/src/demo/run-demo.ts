import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  Certificate,
  DeviceTemplate,
  type Clock,
  type RandomSource,
  type SoftwareSigner,
  formatName,
  generateSigner,
  hasErrors,
  issueCertificate,
  KEYLINE_ATTRIBUTE_SHORT_NAMES,
  ATTRIBUTE_SHORT_NAMES,
  lint,
  randomSerial,
  rootCertificateFields,
  subordinateCaFields,
  ValidationCache,
  verifyChain,
} from '@keyline/core';

export interface DemoOptions {
  /** Where the certificates are written. */
  readonly outDir: string;
  /** How many device certificates to issue and verify. */
  readonly devices: number;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Progress and narrative lines. */
  readonly say: (line: string) => void;
}

export interface DemoSummary {
  readonly outDir: string;
  readonly root: { readonly subject: string; readonly fingerprint: string };
  readonly manufacturerCa: { readonly subject: string; readonly fingerprint: string };
  readonly issuingCa: { readonly subject: string; readonly fingerprint: string };
  readonly devices: {
    readonly issued: number;
    readonly lintClean: number;
    readonly verified: number;
    readonly issuePerSecond: number;
    readonly verifyPerSecond: number;
  };
  readonly refusals: readonly { readonly case: string; readonly code: string }[];
}

const names = { ...ATTRIBUTE_SHORT_NAMES, ...KEYLINE_ATTRIBUTE_SHORT_NAMES };
const show = (cert: Certificate) => ({
  subject: formatName(cert.subject, { shortNames: names }),
  fingerprint: cert.fingerprint,
});

/**
 * The main job as far as Keyline goes today: an ecosystem root, a manufacturer CA and an issuing
 * CA made by the policy's profiles (each linted before it is signed), a batch of device birth
 * certificates from the template encoder, every one linted and its chain validated against the
 * root with the ecosystem profile, and two certificates that must be refused.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const { clock, random, say } = options;
  const now = clock.now();
  mkdirSync(options.outDir, { recursive: true });

  say('1. Root ceremony: P-384 key, self-signed ecosystem root (profile root, linted before signing)');
  const rootKey = generateSigner('P-384');
  const root = (
    await issueCertificate(
      rootCertificateFields({
        commonName: 'Keyline Demo Root CA',
        organization: 'Keyline Demo Ecosystem',
        serial: randomSerial(random),
        notBefore: now,
        validityYears: 20,
        spki: rootKey.publicKeySpki,
      }),
      'root',
      rootKey,
    )
  ).certificate;
  say(`   ${show(root).subject}  sha256:${root.fingerprint}`);

  say('2. Manufacturer "acme" admitted: manufacturer CA (pathLen 1) signed by the root');
  const mfrKey = generateSigner('P-384');
  const mfr = (
    await issueCertificate(
      subordinateCaFields({
        kind: 'manufacturer-ca',
        issuer: root,
        commonName: 'Acme Manufacturer CA',
        organization: 'Acme Devices Ltd',
        manufacturerId: 'acme',
        serial: randomSerial(random),
        notBefore: now,
        validityYears: 15,
        spki: mfrKey.publicKeySpki,
      }),
      'manufacturer-ca',
      rootKey,
    )
  ).certificate;
  say(`   ${show(mfr).subject}`);

  say('3. Factory line 1: issuing CA (pathLen 0) for product "sensor-1"');
  const issuingKey: SoftwareSigner = generateSigner('P-256');
  const issuing = (
    await issueCertificate(
      subordinateCaFields({
        kind: 'issuing-ca',
        issuer: mfr,
        commonName: 'Acme Line 1 Issuing CA',
        organization: 'Acme Devices Ltd',
        manufacturerId: 'acme',
        productId: 'sensor-1',
        serial: randomSerial(random),
        notBefore: now,
        validityYears: 10,
        spki: issuingKey.publicKeySpki,
      }),
      'issuing-ca',
      mfrKey,
    )
  ).certificate;
  say(`   ${show(issuing).subject}`);

  say(`4. Issuing ${options.devices} device birth certificates (IDevID) with the template encoder`);
  const devices = issueDevices(issuing, issuingKey, options.devices, now, random);
  say(`   ${devices.certs.length} issued at ${Math.round(devices.perSecond).toLocaleString('en')} certificates/s`);

  say('5. Linting every device certificate against the device profile');
  const lintClean = devices.certs.filter((c) => !hasErrors(lint(c, 'device'))).length;
  say(`   ${lintClean}/${devices.certs.length} clean`);

  say('6. Verifying every device chain to the root (RFC 5280 + ecosystem profile; verified CA signatures cached)');
  const cache = new ValidationCache();
  const verifyStart = performance.now();
  let verified = 0;
  for (const cert of devices.certs) {
    const result = await verifyChain({
      leaf: cert.der,
      intermediates: [issuing.der, mfr.der],
      trustAnchors: [root.der],
      time: now,
      profile: 'ecosystem',
      cache,
    });
    if (result.ok) verified++;
  }
  const verifyPerSecond = devices.certs.length / ((performance.now() - verifyStart) / 1000);
  say(`   ${verified}/${devices.certs.length} valid at ${Math.round(verifyPerSecond).toLocaleString('en')} chains/s`);

  say('7. What must be refused is refused');
  const refusals = await refusalCases({ root, mfr, issuing, device: devices.certs[0]!, now, random });
  for (const r of refusals) say(`   ${r.case}: refused with ${r.code}`);

  writeFileSync(join(options.outDir, 'root.pem'), root.toPem());
  writeFileSync(join(options.outDir, 'intermediates.pem'), issuing.toPem() + mfr.toPem());
  writeFileSync(join(options.outDir, 'devices.pem'), devices.certs.map((c) => c.toPem()).join(''));
  writeFileSync(join(options.outDir, 'device-0.pem'), devices.certs[0]!.toPem());
  say(`8. Certificates written to ${options.outDir} (root.pem, intermediates.pem, devices.pem, device-0.pem)`);
  say(
    `   check one with OpenSSL: openssl verify -CAfile ${join(options.outDir, 'root.pem')} -untrusted ${join(options.outDir, 'intermediates.pem')} ${join(options.outDir, 'device-0.pem')}`,
  );

  return {
    outDir: options.outDir,
    root: show(root),
    manufacturerCa: show(mfr),
    issuingCa: show(issuing),
    devices: {
      issued: devices.certs.length,
      lintClean,
      verified,
      issuePerSecond: Math.round(devices.perSecond),
      verifyPerSecond: Math.round(verifyPerSecond),
    },
    refusals,
  };
}

function issueDevices(issuing: Certificate, signer: SoftwareSigner, count: number, now: Date, random: RandomSource) {
  const template = DeviceTemplate.compile({ issuer: issuing, signer });
  // Emulated secure elements: a 9-octet chip serial (as ATECC608 chips have) and a P-256 key made
  // for each; the factory line of a later issue makes the key inside the element instead.
  const inputs = Array.from({ length: count }, () => ({
    serial: randomSerial(random),
    chipSerial: Uint8Array.from([0x01, 0x23, ...random.bytes(6), 0xee]),
    publicKey: generateSigner('P-256').publicKeySpki,
    notBefore: now,
  }));
  const start = performance.now();
  const ders = inputs.map((input) => template.issue(input));
  const perSecond = count / ((performance.now() - start) / 1000);
  return { certs: ders.map((d) => Certificate.fromDer(d)), perSecond };
}

async function refusalCases(args: {
  root: Certificate;
  mfr: Certificate;
  issuing: Certificate;
  device: Certificate;
  now: Date;
  random: RandomSource;
}): Promise<{ case: string; code: string }[]> {
  const out: { case: string; code: string }[] = [];
  // A rogue issuing CA that copies the real one's name and claims the manufacturer CA as its
  // issuer, but was signed by a key of the attacker's, and a device certificate it issued.
  const rogueKey = generateSigner('P-256');
  const rogueIssuing = (
    await issueCertificate(
      subordinateCaFields({
        kind: 'issuing-ca',
        issuer: args.mfr,
        commonName: 'Acme Line 1 Issuing CA',
        organization: 'Acme Devices Ltd',
        manufacturerId: 'acme',
        productId: 'sensor-1',
        serial: randomSerial(args.random),
        notBefore: args.now,
        validityYears: 10,
        spki: rogueKey.publicKeySpki,
      }),
      'issuing-ca',
      rogueKey,
    )
  ).certificate;
  const rogue = DeviceTemplate.compile({ issuer: rogueIssuing, signer: rogueKey }).issue({
    serial: randomSerial(args.random),
    chipSerial: Uint8Array.from([0x01, 0x23, ...args.random.bytes(6), 0xee]),
    publicKey: generateSigner('P-256').publicKeySpki,
    notBefore: args.now,
  });
  const rogueResult = await verifyChain({
    leaf: rogue,
    intermediates: [args.issuing.der, rogueIssuing.der, args.mfr.der],
    trustAnchors: [args.root.der],
    time: args.now,
  });
  if (!rogueResult.ok) out.push({ case: 'device from a rogue CA posing as the issuing CA', code: rogueResult.code });
  const later = new Date(args.now.getTime());
  later.setUTCFullYear(later.getUTCFullYear() + 30);
  const expired = await verifyChain({
    leaf: args.device.der,
    intermediates: [args.issuing.der, args.mfr.der],
    trustAnchors: [args.root.der],
    time: later,
  });
  if (!expired.ok) out.push({ case: 'valid device checked 30 years on (its CAs have expired)', code: expired.code });
  const bytes = Uint8Array.from(args.device.der);
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01;
  const tampered = await verifyChain({
    leaf: bytes,
    intermediates: [args.issuing.der, args.mfr.der],
    trustAnchors: [args.root.der],
    time: args.now,
  });
  if (!tampered.ok) out.push({ case: 'device certificate with one flipped bit', code: tampered.code });
  return out;
}
