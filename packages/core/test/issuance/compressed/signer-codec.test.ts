import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigner } from '../../../src/crypto/signer.js';
import { codeOf } from '../../support/error-code.js';
import { subordinateCaFields } from '../../../src/issuance/ca-fields.js';
import {
  compressDeviceCertificate,
  compressSignerCertificate,
  deriveDeviceSerial,
  deriveSignerSerial,
  rebuildDeviceCertificate,
  rebuildSignerCertificate,
  SignerTemplate,
  type SignerRecipe,
} from '../../../src/issuance/compressed/index.js';
import { issueCertificate } from '../../../src/issuance/issue.js';
import { randomSerial } from '../../../src/issuance/serial.js';
import { DeviceTemplate } from '../../../src/issuance/template/index.js';
import { lint } from '../../../src/policy/lint/lint.js';
import { seededRandom } from '../../../src/ports/random.js';
import { Certificate } from '../../../src/x509/certificate/certificate.js';
import { addYears } from '../../../src/policy/lint/helpers.js';
import { opensslVerifyChain } from '../fixtures.js';
import { hierarchy, now, randomPoint } from './fixtures.js';

const HOUR = 3_600_000;
const random = seededRandom(99);
const dir = mkdtempSync(join(tmpdir(), 'keyline-compressed-signer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const recipe: SignerRecipe = {
  commonName: 'Acme Line 2 Issuing CA',
  organization: 'Acme Devices',
  manufacturerId: 'acme',
  productId: 'sensor-1',
  crlUrl: 'http://keyline.example/crl/2.crl',
  ocspUrl: 'http://keyline.example/ocsp/2',
};

let chain: Awaited<ReturnType<typeof hierarchy>>;

beforeAll(async () => {
  chain = await hierarchy();
});

/** Issues an issuing CA certificate the way a compressible one must be: whole hour, whole years, derived serial. */
async function issueSigner(
  mfr: Certificate,
  mfrKey: ReturnType<typeof generateSigner>,
  notBefore: Date,
  validityYears: number,
  serial?: Uint8Array,
) {
  const key = generateSigner('P-256');
  const fields = subordinateCaFields({
    ...recipe,
    kind: 'issuing-ca',
    issuer: mfr,
    serial: serial ?? deriveSignerSerial(key.publicKeySpki, notBefore, addYears(notBefore, validityYears)),
    notBefore,
    validityYears,
    spki: key.publicKeySpki,
  });
  const { certificate } = await issueCertificate(fields, 'issuing-ca', mfrKey);
  return { key, certificate };
}

describe('compressed signer (issuing CA) certificates', () => {
  it('round-trips 50 signers under a P-384 manufacturer CA in 104 octets; each verifies and lints clean', async () => {
    const own = { key: chain.mfrKey, certificate: chain.mfr.certificate };
    const t = SignerTemplate.compile({ issuer: own.certificate, signatureAlgorithm: 'ecdsa-sha384', recipe });
    expect(t.compressedLength).toBe(104);
    const mfrPublic = createPublicKey({ key: Buffer.from(own.certificate.spki), format: 'der', type: 'spki' });
    for (let i = 0; i < 50; i++) {
      const notBefore = new Date(now.getTime() + (i * 97 + 1) * HOUR);
      const { key, certificate } = await issueSigner(own.certificate, own.key, notBefore, 1 + (i % 9));
      const compressed = compressSignerCertificate(t, certificate.der);
      expect(compressed.length).toBe(104);
      const rebuilt = rebuildSignerCertificate(t, { compressed, publicKey: key.publicKeySpki });
      expect(Buffer.compare(rebuilt, certificate.der)).toBe(0);
      const cert = Certificate.fromDer(rebuilt);
      expect(verify('sha384', cert.tbs, mfrPublic, cert.signatureValue)).toBe(true);
      expect(lint(cert, 'issuing-ca').filter((f) => f.severity === 'error')).toEqual([]);
    }
  }, 60_000);

  it('fits 72 octets under a P-256 manufacturer CA, and the rebuilt chain verifies in OpenSSL', async () => {
    const own = await ownManufacturer('P-256');
    const t = SignerTemplate.compile({ issuer: own.certificate, signatureAlgorithm: 'ecdsa-sha256', recipe });
    const { key, certificate } = await issueSigner(own.certificate, own.key, now, 5);
    const compressed = compressSignerCertificate(t, certificate.der);
    expect(compressed.length).toBe(72);
    const point = key.publicKeySpki.subarray(key.publicKeySpki.length - 65);
    const signer = rebuildSignerCertificate(t, { compressed, publicKey: point });
    expect(Buffer.compare(signer, certificate.der)).toBe(0);

    // A device under the rebuilt signer, rebuilt too, verifies through the chain in OpenSSL.
    const deviceTemplate = DeviceTemplate.compile({ issuer: signer, signer: key });
    const devicePoint = randomPoint();
    const chipSerial = Uint8Array.of(1, 35, 69, 103, 137, 171, 205, 239, 1);
    const device = deviceTemplate
      .issue({ serial: deriveDeviceSerial(devicePoint, now), chipSerial, publicKey: devicePoint, notBefore: now })
      .slice();
    const rebuiltDevice = rebuildDeviceCertificate(deviceTemplate, {
      compressed: compressDeviceCertificate(deviceTemplate, device),
      publicKey: devicePoint,
      chipSerial,
    });
    const out = opensslVerifyChain(dir, {
      root: chain.root.certificate.der,
      untrusted: [signer, own.certificate.der],
      leaf: rebuiltDevice,
      at: new Date(now.getTime() + 86_400_000),
    });
    expect(out.trim()).toMatch(/device\.pem: OK$/);
  });

  it('refuses signers that do not fit and malformed compressed input', async () => {
    const own = await ownManufacturer('P-256');
    const t = SignerTemplate.compile({ issuer: own.certificate, signatureAlgorithm: 'ecdsa-sha256', recipe });
    const random16 = randomSerial(random);
    const notDerived = await issueSigner(own.certificate, own.key, now, 5, random16);
    expect(codeOf(() => compressSignerCertificate(t, notDerived.certificate.der))).toBe(
      'ERR_COMPRESSED_SERIAL_NOT_DERIVED',
    );
    const offHour = await issueSigner(own.certificate, own.key, new Date(now.getTime() + 1000), 5, random16);
    expect(codeOf(() => compressSignerCertificate(t, offHour.certificate.der))).toBe(
      'ERR_COMPRESSED_DATES_NOT_COMPRESSIBLE',
    );
    const other = SignerTemplate.compile({
      issuer: own.certificate,
      signatureAlgorithm: 'ecdsa-sha256',
      recipe: { ...recipe, commonName: 'Acme Line 3 Issuing CA' },
    });
    const good = await issueSigner(own.certificate, own.key, now, 5);
    expect(codeOf(() => compressSignerCertificate(other, good.certificate.der))).toBe(
      'ERR_COMPRESSED_TEMPLATE_MISMATCH',
    );

    const compressed = compressSignerCertificate(t, good.certificate.der);
    const rebuild = (bytes: Uint8Array, publicKey: Uint8Array = good.key.publicKeySpki) =>
      codeOf(() => rebuildSignerCertificate(t, { compressed: bytes, publicKey }));
    expect(rebuild(compressed.subarray(1))).toBe('ERR_COMPRESSED_LENGTH');
    expect(rebuild(Uint8Array.of(1, ...compressed.subarray(1)))).toBe('ERR_COMPRESSED_VERSION');
    expect(codeOf(() => rebuildSignerCertificate(other, { compressed, publicKey: good.key.publicKeySpki }))).toBe(
      'ERR_COMPRESSED_TEMPLATE_MISMATCH',
    );
    const zeroS = compressed.slice();
    zeroS.fill(0, 40);
    expect(rebuild(zeroS)).toBe('ERR_COMPRESSED_BAD_SIGNATURE');
    const noExpiry = compressed.slice();
    noExpiry[6] = noExpiry[6]! & 0xf8;
    noExpiry[7] = noExpiry[7]! & 0x3f;
    expect(rebuild(noExpiry)).toBe('ERR_COMPRESSED_BAD_DATES');
    expect(rebuild(compressed, Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01))).toBe('ERR_COMPRESSED_BAD_INPUT');
    expect(rebuild(compressed)).toBe('no error');
  });
});

/** A manufacturer CA on `curve` under the fixture root. */
async function ownManufacturer(curve: 'P-256' | 'P-384') {
  const key = generateSigner(curve);
  const { certificate } = await issueCertificate(
    subordinateCaFields({
      kind: 'manufacturer-ca',
      issuer: chain.root.certificate,
      commonName: `Acme Manufacturer CA ${curve}`,
      organization: 'Acme Devices',
      manufacturerId: 'acme',
      serial: randomSerial(random),
      notBefore: now,
      validityYears: 15,
      spki: key.publicKeySpki,
    }),
    'manufacturer-ca',
    chain.rootKey,
  );
  return { key, certificate };
}
