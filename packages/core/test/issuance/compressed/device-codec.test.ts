import { execFileSync } from 'node:child_process';
import { createPublicKey, randomBytes, randomInt, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURVES } from '../../../src/crypto/curves.js';
import { codeOf } from '../../support/error-code.js';
import {
  COMPRESSED_DEVICE_LENGTH,
  compressDeviceCertificate,
  deriveDeviceSerial,
  rebuildDeviceCertificate,
} from '../../../src/issuance/compressed/index.js';
import { randomSerial } from '../../../src/issuance/serial.js';
import { seededRandom } from '../../../src/ports/random.js';
import { DeviceTemplate } from '../../../src/issuance/template/index.js';
import { lint } from '../../../src/policy/lint/lint.js';
import { Certificate } from '../../../src/x509/certificate/certificate.js';
import { opensslVerifyChain } from '../fixtures.js';
import { hierarchy, now, randomPoint } from './fixtures.js';

const HOUR = 3_600_000;
const random = seededRandom(12);
const dir = mkdtempSync(join(tmpdir(), 'keyline-compressed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let chain: Awaited<ReturnType<typeof hierarchy>>;
let template: DeviceTemplate;

beforeAll(async () => {
  chain = await hierarchy();
  template = DeviceTemplate.compile({ issuer: chain.issuing.certificate, signer: chain.issuingKey });
});

interface Device {
  readonly publicKey: Uint8Array;
  readonly chipSerial: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date | undefined;
  readonly der: Uint8Array;
}

/** Issues a compressible device certificate: whole-hour notBefore, whole-year (or no) expiry, derived serial. */
function issueDevice(t: DeviceTemplate = template, overrides: Partial<Omit<Device, 'der'>> = {}): Device {
  const publicKey = overrides.publicKey ?? randomPoint();
  const chipSerial = overrides.chipSerial ?? Uint8Array.from(randomBytes(randomInt(4, 33)));
  const notBefore = overrides.notBefore ?? new Date(now.getTime() + randomInt(0, 24 * 365) * HOUR);
  const years = randomInt(0, 9);
  const notAfter =
    'notAfter' in overrides
      ? overrides.notAfter
      : years === 0
        ? undefined
        : new Date(
            Date.UTC(
              notBefore.getUTCFullYear() + years,
              notBefore.getUTCMonth(),
              notBefore.getUTCDate(),
              notBefore.getUTCHours(),
            ),
          );
  const serial = deriveDeviceSerial(publicKey, notBefore, notAfter);
  const der = t.issue({ serial, chipSerial, publicKey, notBefore, notAfter }).slice();
  return { publicKey, chipSerial, notBefore, notAfter, der };
}

describe('compressed device certificates', () => {
  it('round-trips 10,000 random devices byte-exact in 72 octets; each verifies, a sample of 1,000 lints clean', () => {
    const issuerKey = createPublicKey({
      key: Buffer.from(chain.issuing.certificate.spki),
      format: 'der',
      type: 'spki',
    });
    const serials = new Set<string>();
    let linted = 0;
    for (let i = 0; i < 10_000; i++) {
      const device = issueDevice();
      const compressed = compressDeviceCertificate(template, device.der);
      expect(compressed.length).toBe(COMPRESSED_DEVICE_LENGTH);
      const rebuilt = rebuildDeviceCertificate(template, {
        compressed,
        publicKey: device.publicKey,
        chipSerial: device.chipSerial,
      });
      if (Buffer.compare(rebuilt, device.der) !== 0) expect.fail(`device ${i} did not rebuild byte-exact`);
      const cert = Certificate.fromDer(rebuilt);
      if (!verify('sha256', cert.tbs, issuerKey, cert.signatureValue)) expect.fail(`device ${i} does not verify`);
      serials.add(cert.serialHex);
      if (i % 10 === 0) {
        const errors = lint(cert, 'device').filter((f) => f.severity === 'error');
        if (errors.length > 0) expect.fail(`device ${i}: ${JSON.stringify(errors)}`);
        linted++;
      }
    }
    expect(serials.size).toBe(10_000);
    expect(linted).toBe(1_000);
  }, 300_000);

  it('rebuilds a certificate that OpenSSL reads and verifies against the chain', () => {
    const device = issueDevice(template, { notBefore: now, notAfter: undefined });
    const rebuilt = rebuildDeviceCertificate(template, {
      compressed: compressDeviceCertificate(template, device.der),
      publicKey: device.publicKey,
      chipSerial: device.chipSerial,
    });
    const out = opensslVerifyChain(dir, {
      root: chain.root.certificate.der,
      untrusted: [chain.issuing.certificate.der, chain.mfr.certificate.der],
      leaf: rebuilt,
      at: new Date(now.getTime() + 86_400_000),
    });
    const text = execFileSync('openssl', ['x509', '-noout', '-text', '-in', join(dir, 'device.pem')], {
      encoding: 'utf8',
    });
    expect(text).toContain(`CN = ${Buffer.from(device.chipSerial).toString('hex')}`);
    const serial = deriveDeviceSerial(device.publicKey, device.notBefore, device.notAfter);
    expect(text).toContain(
      Buffer.from(serial)
        .toString('hex')
        .replace(/(..)(?!$)/g, '$1:'),
    );
    expect(text).toMatch(/Not After : Dec 31 23:59:59 9999 GMT/);
    expect(text).toContain('ecdsa-with-SHA256');
    expect(out.trim()).toMatch(/device\.pem: OK$/);
  });

  it('derives a positive 16-octet serial from the key and dates', () => {
    const point = randomPoint();
    const a = deriveDeviceSerial(point, now);
    expect(a.length).toBe(16);
    expect(a[0]! & 0xc0).toBe(0x40);
    expect(deriveDeviceSerial(point, now)).toEqual(a);
    expect(deriveDeviceSerial(point, new Date(now.getTime() + HOUR))).not.toEqual(a);
    expect(deriveDeviceSerial(point, now, new Date('2027-11-25T12:00:00Z'))).not.toEqual(a);
    expect(deriveDeviceSerial(randomPoint(), now)).not.toEqual(a);
    expect(codeOf(() => deriveDeviceSerial(point.subarray(1), now))).toBe('ERR_COMPRESSED_BAD_INPUT');
  });

  describe('refuses certificates that do not fit', () => {
    it('dates not on whole hours or not whole years long', () => {
      const publicKey = randomPoint();
      const chipSerial = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);
      const notBefore = new Date(now.getTime() + 60_000);
      const offHour = template.issue({ serial: randomSerial(random), chipSerial, publicKey, notBefore }).slice();
      expect(codeOf(() => compressDeviceCertificate(template, offHour))).toBe('ERR_COMPRESSED_DATES_NOT_COMPRESSIBLE');
      const oddLength = template
        .issue({
          serial: randomSerial(random),
          chipSerial,
          publicKey,
          notBefore: now,
          notAfter: new Date(now.getTime() + 400 * 24 * HOUR),
        })
        .slice();
      expect(codeOf(() => compressDeviceCertificate(template, oddLength))).toBe(
        'ERR_COMPRESSED_DATES_NOT_COMPRESSIBLE',
      );
    });

    it('a serial that is not derived', () => {
      const publicKey = randomPoint();
      const der = template
        .issue({ serial: randomSerial(random), chipSerial: Uint8Array.of(1, 2, 3, 4), publicKey, notBefore: now })
        .slice();
      expect(codeOf(() => compressDeviceCertificate(template, der))).toBe('ERR_COMPRESSED_SERIAL_NOT_DERIVED');
    });

    it('a certificate of another template, or with a non-default subject serialNumber', () => {
      const other = DeviceTemplate.compile({
        issuer: chain.issuing.certificate,
        signer: chain.issuingKey,
        keyAgreement: true,
      });
      const device = issueDevice(other);
      expect(codeOf(() => compressDeviceCertificate(template, device.der))).toBe('ERR_COMPRESSED_TEMPLATE_MISMATCH');
      expect(compressDeviceCertificate(other, device.der).length).toBe(72);

      const publicKey = randomPoint();
      const labelled = template
        .issue({
          serial: deriveDeviceSerial(publicKey, now),
          chipSerial: Uint8Array.of(1, 2, 3, 4),
          serialNumber: 'LABEL-0001',
          publicKey,
          notBefore: now,
        })
        .slice();
      expect(codeOf(() => compressDeviceCertificate(template, labelled))).toBe('ERR_COMPRESSED_TEMPLATE_MISMATCH');
    });

    it('the issuing CA certificate itself (not a device certificate)', () => {
      expect(codeOf(() => compressDeviceCertificate(template, chain.issuing.certificate.der))).toMatch(
        /^ERR_COMPRESSED_/,
      );
    });
  });

  describe('refuses malformed compressed input', () => {
    let device: Device;
    let compressed: Uint8Array;
    beforeAll(() => {
      device = issueDevice();
      compressed = compressDeviceCertificate(template, device.der);
    });
    const rebuild = (bytes: Uint8Array, over: { publicKey?: Uint8Array; chipSerial?: Uint8Array } = {}) =>
      codeOf(() =>
        rebuildDeviceCertificate(template, {
          compressed: bytes,
          publicKey: over.publicKey ?? device.publicKey,
          chipSerial: over.chipSerial ?? device.chipSerial,
        }),
      );
    const patched = (offset: number, ...bytes: number[]) => {
      const copy = compressed.slice();
      copy.set(bytes, offset);
      return copy;
    };

    it('wrong length', () => {
      expect(rebuild(compressed.subarray(0, 71))).toBe('ERR_COMPRESSED_LENGTH');
      expect(rebuild(Uint8Array.from([...compressed, 0]))).toBe('ERR_COMPRESSED_LENGTH');
      expect(rebuild(new Uint8Array(0))).toBe('ERR_COMPRESSED_LENGTH');
    });

    it('unknown version', () => {
      expect(rebuild(patched(0, 2))).toBe('ERR_COMPRESSED_VERSION');
      expect(rebuild(patched(0, 0))).toBe('ERR_COMPRESSED_VERSION');
    });

    it('wrong template id', () => {
      expect(rebuild(patched(1, compressed[1]! ^ 1))).toBe('ERR_COMPRESSED_TEMPLATE_MISMATCH');
      const other = DeviceTemplate.compile({
        issuer: chain.issuing.certificate,
        signer: chain.issuingKey,
        hardwareVersion: '2',
      });
      expect(
        codeOf(() =>
          rebuildDeviceCertificate(other, { compressed, publicKey: device.publicKey, chipSerial: device.chipSerial }),
        ),
      ).toBe('ERR_COMPRESSED_TEMPLATE_MISMATCH');
    });

    it('impossible dates', () => {
      const word = new DataView(compressed.buffer, compressed.byteOffset + 4, 4).getUint32(0);
      const withWord = (w: number) => {
        const copy = compressed.slice();
        new DataView(copy.buffer, 4, 4).setUint32(0, w >>> 0);
        return copy;
      };
      expect(rebuild(withWord((word & ~(0xf << 21)) | (13 << 21)))).toBe('ERR_COMPRESSED_BAD_DATES'); // month 13
      expect(rebuild(withWord((word & ~(0x1f << 16)) | (0 << 16)))).toBe('ERR_COMPRESSED_BAD_DATES'); // day 0
      expect(rebuild(withWord((word & ~(0xf << 21) & ~(0x1f << 16)) | (2 << 21) | (30 << 16)))).toBe(
        'ERR_COMPRESSED_BAD_DATES',
      ); // 30 February
      expect(rebuild(withWord((word & ~(0x1f << 11)) | (24 << 11)))).toBe('ERR_COMPRESSED_BAD_DATES'); // hour 24
      expect(rebuild(withWord(word | 1))).toBe('ERR_COMPRESSED_BAD_DATES'); // reserved bit
      // A date the issuing CA's validity does not cover (year 2000) is refused by the template.
      expect(rebuild(withWord(word & 0x01ffffff))).toBe('ERR_COMPRESSED_NOT_REBUILDABLE');
    });

    it('bad signature bytes', () => {
      const zeroR = compressed.slice();
      zeroR.fill(0, 8, 40);
      expect(rebuild(zeroR)).toBe('ERR_COMPRESSED_BAD_SIGNATURE');
      const orderS = compressed.slice();
      orderS.set(CURVES['P-256'].n, 40);
      expect(rebuild(orderS)).toBe('ERR_COMPRESSED_BAD_SIGNATURE');
      const ones = compressed.slice();
      ones.fill(0xff, 8, 72);
      expect(rebuild(ones)).toBe('ERR_COMPRESSED_BAD_SIGNATURE');
    });

    it('bad public key or chip serial', () => {
      expect(rebuild(compressed, { publicKey: device.publicKey.subarray(1) })).toBe('ERR_COMPRESSED_BAD_INPUT');
      expect(rebuild(compressed, { publicKey: patchedKey(device.publicKey) })).toBe('ERR_COMPRESSED_BAD_INPUT');
      expect(rebuild(compressed, { chipSerial: Uint8Array.of(1, 2, 3) })).toBe('ERR_COMPRESSED_BAD_INPUT');
      expect(rebuild(compressed, { chipSerial: new Uint8Array(33) })).toBe('ERR_COMPRESSED_BAD_INPUT');
    });

    it('rebuilds with the wrong chip serial into a certificate whose signature fails', () => {
      const issuerKey = createPublicKey({
        key: Buffer.from(chain.issuing.certificate.spki),
        format: 'der',
        type: 'spki',
      });
      const wrong = rebuildDeviceCertificate(template, {
        compressed,
        publicKey: device.publicKey,
        chipSerial: Uint8Array.of(9, 9, 9, 9),
      });
      const cert = Certificate.fromDer(wrong);
      expect(verify('sha256', cert.tbs, issuerKey, cert.signatureValue)).toBe(false);
    });
  });
});

function patchedKey(point: Uint8Array): Uint8Array {
  const copy = point.slice();
  copy[0] = 0x02;
  return copy;
}
