import { createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSigner, type SoftwareSigner } from '../../../src/crypto/signer.js';
import type { ErrorCode } from '../../../src/errors/registry.js';
import { codeOf } from '../../support/error-code.js';
import { subordinateCaFields } from '../../../src/issuance/ca-fields.js';
import {
  chainDefinitionFor,
  chainDefinitionFromJson,
  chainDefinitionToJson,
  compressDeviceCertificate,
  compressSignerCertificate,
  decodeSignerKeySlot,
  decodeSlot8,
  deriveDeviceSerial,
  encodeSignerKeySlot,
  encodeSlot8,
  rebuildChainFromChip,
  SignerTemplate,
  type ChainDefinition,
} from '../../../src/issuance/compressed/index.js';
import { issueCertificate } from '../../../src/issuance/issue.js';
import { randomSerial } from '../../../src/issuance/serial.js';
import { DeviceTemplate } from '../../../src/issuance/template/index.js';
import { seededRandom } from '../../../src/ports/random.js';
import { Certificate } from '../../../src/x509/certificate/certificate.js';
import { issueEcosystemHierarchy } from '../fixtures.js';

const now = new Date('2026-11-25T12:00:00Z');
const random = seededRandom(5150);

function pointOf(spki: Uint8Array): Uint8Array {
  return spki.slice(spki.length - 65);
}

/** Root (P-384) → manufacturer CA (P-384) → issuing CA (P-256, compressible: whole hour, whole years, derived serial). */
function hierarchy(manufacturerCurve: 'P-256' | 'P-384' = 'P-384') {
  return issueEcosystemHierarchy({
    random,
    notBefore: now,
    rootName: 'Chain Definition Test Root',
    curves: { manufacturer: manufacturerCurve },
    issuingCountry: 'DE',
    compressibleIssuing: true,
  });
}

interface Chip {
  slot8: Uint8Array;
  slot9: Uint8Array;
  chipSerial: Uint8Array;
  publicKey: Uint8Array;
  deviceDer: Uint8Array;
}

/** A provisioned chip's storage, as the factory writes it (slots read back whole: 416 and 72 octets). */
function provision(
  issuing: Certificate,
  issuingKey: SoftwareSigner,
  definition: ChainDefinition,
  signerCompressed: Uint8Array,
): Chip {
  const template = DeviceTemplate.compile({
    issuer: issuing,
    signer: issuingKey,
    manufacturerId: definition.device.manufacturerId,
    productId: definition.device.productId,
    keyAgreement: definition.device.keyAgreement,
    ...(definition.device.hardwareVersion !== undefined && { hardwareVersion: definition.device.hardwareVersion }),
    ...(definition.device.crlDistributionPoints !== undefined && {
      crlDistributionPoints: definition.device.crlDistributionPoints,
    }),
    ...(definition.device.ocspUrl !== undefined && { ocspUrl: definition.device.ocspUrl }),
  });
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const point = pointOf(new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })));
  const chipSerial = new Uint8Array(randomBytes(9));
  const notBefore = new Date('2026-11-25T15:00:00Z');
  const deviceDer = template
    .issue({ serial: deriveDeviceSerial(point, notBefore), chipSerial, publicKey: point, notBefore })
    .slice();
  const compressedDevice = compressDeviceCertificate(template, deviceDer);
  const slot8 = new Uint8Array(416);
  slot8.set(encodeSlot8(compressedDevice, signerCompressed));
  const slot9 = encodeSignerKeySlot(issuing.spki);
  return { slot8, slot9, chipSerial, publicKey: point, deviceDer };
}

describe('chain definitions', () => {
  let chain: Awaited<ReturnType<typeof hierarchy>>;
  let definition: ChainDefinition;
  let signerBytes: Uint8Array;

  beforeAll(async () => {
    chain = await hierarchy();
    definition = chainDefinitionFor(chain.issuing.certificate, chain.mfr.certificate, {
      hardwareVersion: 'rev-b',
      keyAgreement: true,
      crlDistributionPoints: ['http://keyline.example/crl/dev.crl'],
      ocspUrl: 'http://keyline.example/ocsp/dev',
    });
    signerBytes = compressSignerCertificate(
      SignerTemplate.compile({
        issuer: chain.mfr.certificate,
        signatureAlgorithm: definition.signer.signatureAlgorithm,
        recipe: definition.signer,
      }),
      chain.issuing.certificate.der,
    );
  });

  it('reads the signer recipe back from the issuing CA certificate', () => {
    expect(definition.version).toBe(1);
    expect(definition.signer).toEqual({
      signatureAlgorithm: 'ecdsa-sha384',
      commonName: 'Acme Line 1 Issuing CA',
      organization: 'Acme Devices',
      country: 'DE',
      manufacturerId: 'acme',
      productId: 'sensor-1',
      crlUrl: 'http://keyline.example/crl/1.crl',
      ocspUrl: 'http://keyline.example/ocsp/1',
    });
    expect(definition.device).toEqual({
      manufacturerId: 'acme',
      productId: 'sensor-1',
      hardwareVersion: 'rev-b',
      keyAgreement: true,
      crlDistributionPoints: ['http://keyline.example/crl/dev.crl'],
      ocspUrl: 'http://keyline.example/ocsp/dev',
    });
    expect(Buffer.from(definition.manufacturerCaDer, 'base64')).toEqual(Buffer.from(chain.mfr.certificate.der));
    expect(signerBytes.length).toBe(104); // P-384 manufacturer CA: 8 + 2 × 48
  });

  it('round-trips through JSON, and rebuilds the whole chain from the chip byte for byte', () => {
    const json = chainDefinitionToJson(definition);
    const parsed = chainDefinitionFromJson(json);
    expect(parsed).toEqual(definition);
    expect(chainDefinitionToJson(parsed)).toBe(json);
    expect(chainDefinitionFromJson(JSON.parse(json))).toEqual(definition);

    for (let i = 0; i < 5; i++) {
      const chip = provision(chain.issuing.certificate, chain.issuingKey, definition, signerBytes);
      const rebuilt = rebuildChainFromChip(parsed, chip);
      expect(Buffer.from(rebuilt.device)).toEqual(Buffer.from(chip.deviceDer));
      expect(Buffer.from(rebuilt.signer)).toEqual(Buffer.from(chain.issuing.certificate.der));
      expect(Buffer.from(rebuilt.manufacturerCa)).toEqual(Buffer.from(chain.mfr.certificate.der));
      // The rebuilt certificates verify up to the root with OpenSSL through node:crypto.
      const device = Certificate.fromDer(rebuilt.device);
      const signer = Certificate.fromDer(rebuilt.signer);
      expect(
        verify(
          'sha256',
          device.tbs,
          createPublicKey({ key: Buffer.from(signer.spki), format: 'der', type: 'spki' }),
          device.signatureValue,
        ),
      ).toBe(true);
      const mfr = chain.mfr.certificate;
      expect(
        verify(
          'sha384',
          signer.tbs,
          createPublicKey({ key: Buffer.from(mfr.spki), format: 'der', type: 'spki' }),
          signer.signatureValue,
        ),
      ).toBe(true);
    }
  });

  it('works under a P-256 manufacturer CA (72-octet signer certificate)', async () => {
    const other = await hierarchy('P-256');
    const def = chainDefinitionFor(other.issuing.certificate, other.mfr.certificate);
    expect(def.signer.signatureAlgorithm).toBe('ecdsa-sha256');
    expect(def.device).toEqual({ manufacturerId: 'acme', productId: 'sensor-1', keyAgreement: false });
    const compressed = compressSignerCertificate(
      SignerTemplate.compile({ issuer: other.mfr.certificate, signatureAlgorithm: 'ecdsa-sha256', recipe: def.signer }),
      other.issuing.certificate.der,
    );
    expect(compressed.length).toBe(72);
    const chip = provision(other.issuing.certificate, other.issuingKey, def, compressed);
    expect(Buffer.from(rebuildChainFromChip(def, chip).device)).toEqual(Buffer.from(chip.deviceDer));
    // Another issuing CA's definition does not fit this chip.
    expect(codeOf(() => rebuildChainFromChip(definition, chip))).toBe('ERR_COMPRESSED_LENGTH');
  });

  it('refuses a chip whose slots are not in the layout, or that belong to another device', () => {
    const chip = provision(chain.issuing.certificate, chain.issuingKey, definition, signerBytes);
    expect(codeOf(() => rebuildChainFromChip(definition, { ...chip, slot8: new Uint8Array(416) }))).toBe(
      'ERR_CHAIN_SLOT_MALFORMED',
    );
    expect(codeOf(() => rebuildChainFromChip(definition, { ...chip, slot9: new Uint8Array(72) }))).toBe(
      'ERR_CHAIN_SLOT_MALFORMED',
    );
    const badTemplateId = chip.slot8.slice();
    badTemplateId[1] = badTemplateId[1]! ^ 0xff;
    expect(codeOf(() => rebuildChainFromChip(definition, { ...chip, slot8: badTemplateId }))).toBe(
      'ERR_COMPRESSED_TEMPLATE_MISMATCH',
    );
    // Another chip serial rebuilds a certificate whose signature fails (the rebuild cannot tell).
    const wrong = rebuildChainFromChip(definition, { ...chip, chipSerial: new Uint8Array(9) });
    expect(Buffer.from(wrong.device)).not.toEqual(Buffer.from(chip.deviceDer));
  });

  it('refuses an issuing CA that is not compressible or not the manufacturer CA child', async () => {
    const other = await hierarchy();
    expect(codeOf(() => chainDefinitionFor(chain.issuing.certificate, other.mfr.certificate))).toBe(
      'ERR_CHAIN_DEFINITION_MISMATCH',
    );
    // An issuing CA with a random serial cannot be stored compressed.
    const key = generateSigner('P-256');
    const { certificate } = await issueCertificate(
      subordinateCaFields({
        kind: 'issuing-ca',
        issuer: chain.mfr.certificate,
        commonName: 'Random Serial Issuing CA',
        organization: 'Acme Devices',
        manufacturerId: 'acme',
        serial: randomSerial(random),
        notBefore: now,
        validityYears: 5,
        spki: key.publicKeySpki,
      }),
      'issuing-ca',
      generateSigner('P-384'),
    );
    expect(codeOf(() => chainDefinitionFor(certificate, chain.mfr.certificate, { productId: 'x1' }))).toBe(
      'ERR_CHAIN_DEFINITION_MISMATCH',
    );
  });

  it('parses strictly, with typed errors', () => {
    const good = JSON.parse(chainDefinitionToJson(definition)) as Record<string, Record<string, unknown>>;
    const variant = (edit: (d: Record<string, Record<string, unknown> | unknown>) => void): unknown => {
      const copy = structuredClone(good) as Record<string, unknown>;
      edit(copy);
      return copy;
    };
    const cases: [string, unknown, ErrorCode][] = [
      ['not JSON', '{', 'ERR_CHAIN_DEFINITION_MALFORMED'],
      ['an array', '[]', 'ERR_CHAIN_DEFINITION_MALFORMED'],
      ['version 2', variant((d) => (d.version = 2)), 'ERR_CHAIN_DEFINITION_VERSION'],
      ['version "1"', variant((d) => (d.version = '1')), 'ERR_CHAIN_DEFINITION_MALFORMED'],
      ['an extra field', variant((d) => (d.extra = 1)), 'ERR_CHAIN_DEFINITION_MALFORMED'],
      ['no signer', variant((d) => delete d.signer), 'ERR_CHAIN_DEFINITION_MALFORMED'],
      [
        'an unknown signer field',
        variant((d) => ((d.signer as Record<string, unknown>).pathLen = 0)),
        'ERR_CHAIN_DEFINITION_MALFORMED',
      ],
      [
        'an RSA signer algorithm',
        variant((d) => ((d.signer as Record<string, unknown>).signatureAlgorithm = 'rsa-sha256')),
        'ERR_CHAIN_DEFINITION_MALFORMED',
      ],
      [
        'a bad manufacturer id',
        variant((d) => ((d.signer as Record<string, unknown>).manufacturerId = 'Acme!')),
        'ERR_CHAIN_DEFINITION_MALFORMED',
      ],
      [
        'a device of another manufacturer',
        variant((d) => ((d.device as Record<string, unknown>).manufacturerId = 'other')),
        'ERR_CHAIN_DEFINITION_MALFORMED',
      ],
      [
        'keyAgreement not boolean',
        variant((d) => ((d.device as Record<string, unknown>).keyAgreement = 'yes')),
        'ERR_CHAIN_DEFINITION_MALFORMED',
      ],
      [
        'a long product id',
        variant((d) => ((d.device as Record<string, unknown>).productId = 'p'.repeat(300))),
        'ERR_CHAIN_DEFINITION_MALFORMED',
      ],
      [
        'CRL URLs not an array',
        variant((d) => ((d.device as Record<string, unknown>).crlDistributionPoints = 'http://x')),
        'ERR_CHAIN_DEFINITION_MALFORMED',
      ],
      [
        'base64 with spaces',
        variant((d) => (d.manufacturerCaDer = ` ${good.manufacturerCaDer as unknown as string}`)),
        'ERR_CHAIN_DEFINITION_MALFORMED',
      ],
      ['base64 of junk', variant((d) => (d.manufacturerCaDer = 'AAAA')), 'ERR_CHAIN_DEFINITION_MALFORMED'],
      ['a huge string', 'x'.repeat(70_000), 'ERR_CHAIN_DEFINITION_MALFORMED'],
      ['null', null, 'ERR_CHAIN_DEFINITION_MALFORMED'],
    ];
    for (const [name, input, code] of cases)
      expect(
        codeOf(() => chainDefinitionFromJson(input)),
        name,
      ).toBe(code);
    expect(codeOf(() => rebuildChainFromChip(variant((d) => (d.version = 3)) as ChainDefinition, {} as never))).toBe(
      'ERR_CHAIN_DEFINITION_VERSION',
    );
  });
});

describe('slot layout', () => {
  const device = fc.uint8Array({ minLength: 72, maxLength: 72 });
  const signer = fc.constantFrom(72, 104, 140).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));

  it('encodes slot 8 as device ‖ "KL" 01 L ‖ signer, in whole words, and decodes it back (property)', () => {
    fc.assert(
      fc.property(device, signer, fc.integer({ min: 0, max: 3 }), (d, s, extra) => {
        const encoded = encodeSlot8(d, s);
        expect(encoded.length % 4).toBe(0);
        expect(encoded.length).toBe(Math.ceil((76 + s.length) / 4) * 4);
        expect([...encoded.subarray(72, 76)]).toEqual([0x4b, 0x4c, 0x01, s.length]);
        const slot = new Uint8Array(416);
        slot.set(encoded);
        const decoded = decodeSlot8(extra === 0 ? encoded : slot);
        expect(Buffer.from(decoded.device)).toEqual(Buffer.from(d));
        expect(Buffer.from(decoded.signer)).toEqual(Buffer.from(s));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses any slot 8 whose header is damaged (property)', () => {
    const damage = fc.oneof(
      // "K", "L" or the version octet changed
      fc.tuple(fc.integer({ min: 72, max: 74 }), fc.integer({ min: 1, max: 255 })),
      // the length octet changed to a length the layout does not know
      fc.tuple(fc.constant(75), fc.integer({ min: 1, max: 255 })),
    );
    fc.assert(
      fc.property(device, signer, damage, (d, s, [at, x]) => {
        const slot = new Uint8Array(416);
        slot.set(encodeSlot8(d, s));
        slot[at] = slot[at]! ^ x;
        fc.pre(at !== 75 || ![72, 104, 140].includes(slot[75]!));
        expect(codeOf(() => decodeSlot8(slot))).toBe('ERR_CHAIN_SLOT_MALFORMED');
      }),
      { numRuns: 300 },
    );
    expect(codeOf(() => decodeSlot8(new Uint8Array(75)))).toBe('ERR_CHAIN_SLOT_MALFORMED');
    expect(codeOf(() => decodeSlot8(encodeSlot8(new Uint8Array(72), new Uint8Array(104)).subarray(0, 150)))).toBe(
      'ERR_CHAIN_SLOT_MALFORMED',
    );
    expect(codeOf(() => encodeSlot8(new Uint8Array(71), new Uint8Array(72)))).toBe('ERR_COMPRESSED_LENGTH');
    expect(codeOf(() => encodeSlot8(new Uint8Array(72), new Uint8Array(80)))).toBe('ERR_COMPRESSED_LENGTH');
  });

  it('encodes slot 9 as X ‖ Y ‖ 8 zero octets and decodes real keys back (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 }), (asSpki) => {
        const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
        const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
        const point = pointOf(spki);
        const slot = encodeSignerKeySlot(asSpki === 1 ? spki : point);
        expect(slot.length).toBe(72);
        expect([...slot.subarray(64)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
        expect(Buffer.from(decodeSignerKeySlot(slot))).toEqual(Buffer.from(point));
      }),
      { numRuns: 50 },
    );
    const slot = encodeSignerKeySlot(pointOf(generateSigner('P-256').publicKeySpki));
    const offCurve = slot.slice();
    offCurve[63] = offCurve[63]! ^ 1;
    expect(codeOf(() => decodeSignerKeySlot(offCurve))).toBe('ERR_CHAIN_SLOT_MALFORMED');
    const padded = slot.slice();
    padded[70] = 1;
    expect(codeOf(() => decodeSignerKeySlot(padded))).toBe('ERR_CHAIN_SLOT_MALFORMED');
    expect(codeOf(() => decodeSignerKeySlot(new Uint8Array(63)))).toBe('ERR_CHAIN_SLOT_MALFORMED');
    expect(codeOf(() => encodeSignerKeySlot(generateSigner('P-384').publicKeySpki))).toBe('ERR_COMPRESSED_BAD_INPUT');
  });
});
