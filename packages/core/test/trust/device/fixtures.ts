import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { SoftwareSigner } from '../../../src/crypto/signer.js';
import { randomSerial } from '../../../src/issuance/serial.js';
import { DeviceTemplate } from '../../../src/issuance/template/index.js';
import { seededRandom } from '../../../src/ports/random.js';
import { Certificate } from '../../../src/x509/certificate/certificate.js';
import { issueEcosystemHierarchy, type EcosystemHierarchyOptions } from '../../issuance/fixtures.js';

/**
 * A real ecosystem hierarchy (root P-384 → manufacturer CA P-384 → issuing CA P-256 → devices) made
 * with core's issuance, and attestation tokens signed with node:crypto as a device's element would
 * (ES256, r‖s), so that the tests see exactly what the SDK produces under the token contract.
 */

/** The verification time of the tests; the CAs start a year earlier. */
export const NOW = new Date('2026-11-25T12:00:00Z');
export const CA_START = new Date('2025-11-25T12:00:00Z');
export const DEVICE_START = new Date('2026-01-01T00:00:00Z');
export const AUDIENCE = 'https://verifier.example';

const random = seededRandom(11);

export interface Ecosystem {
  readonly root: Certificate;
  readonly manufacturer: Certificate;
  readonly issuing: Certificate;
  readonly rootKey: SoftwareSigner;
  readonly manufacturerKey: SoftwareSigner;
  readonly issuingKey: SoftwareSigner;
  readonly template: DeviceTemplate;
}

export async function makeEcosystem(
  name = 'Keyline Test',
  hierarchy: Pick<EcosystemHierarchyOptions, 'issuingNameConstraints'> = {},
): Promise<Ecosystem> {
  const { root, rootKey, mfr, mfrKey, issuing, issuingKey } = await issueEcosystemHierarchy({
    random,
    notBefore: CA_START,
    rootName: `${name} Root`,
    ecosystem: `${name} Ecosystem`,
    ...hierarchy,
  });
  return {
    root: root.certificate,
    manufacturer: mfr.certificate,
    issuing: issuing.certificate,
    rootKey,
    manufacturerKey: mfrKey,
    issuingKey,
    template: DeviceTemplate.compile({ issuer: issuing.certificate, signer: issuingKey }),
  };
}

export interface TestDevice {
  readonly certificate: Certificate;
  readonly key: KeyObject;
  readonly deviceId: string;
}

let chipCounter = 0;

export function makeDevice(
  eco: Ecosystem,
  options: { notBefore?: Date; notAfter?: Date; serialNumber?: string } = {},
): TestDevice {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const chipSerial = Buffer.from(`01234567c0ffee${(chipCounter++).toString(16).padStart(4, '0')}`, 'hex');
  const der = eco.template.issue({
    serial: randomSerial(random),
    chipSerial,
    publicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    notBefore: options.notBefore ?? DEVICE_START,
    ...(options.notAfter === undefined ? {} : { notAfter: options.notAfter }),
    ...(options.serialNumber === undefined ? {} : { serialNumber: options.serialNumber }),
  });
  return {
    certificate: Certificate.fromDer(Uint8Array.from(der)),
    key: privateKey,
    deviceId: chipSerial.toString('hex'),
  };
}

export const b64url = (data: string | Uint8Array): string =>
  (typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data)).toString('base64url');

/** Signs `header.payload` texts as given (raw JSON strings allow duplicate members and odd forms). */
export function signRaw(headerJson: string, payloadJson: string, key: KeyObject, hash = 'sha256'): string {
  const input = `${b64url(headerJson)}.${b64url(payloadJson)}`;
  const signature = sign(hash, Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

export interface TokenOptions {
  readonly nonce?: string;
  readonly audience?: string;
  readonly iat?: number;
  readonly x5c?: readonly Certificate[] | readonly string[] | null;
  readonly header?: Record<string, unknown>;
  readonly payload?: Record<string, unknown>;
  /** Signs with this key instead of the device's. */
  readonly key?: KeyObject;
}

/** The token a device makes under the attestation token contract. */
export function attest(device: TestDevice, eco: Ecosystem, options: TokenOptions = {}): string {
  const chain = options.x5c === undefined ? [device.certificate, eco.issuing, eco.manufacturer] : options.x5c;
  const header: Record<string, unknown> = { alg: 'ES256', typ: 'keyline-attestation+jwt' };
  if (chain !== null) {
    header.x5c = chain.map((c) => (typeof c === 'string' ? c : Buffer.from(c.der).toString('base64')));
  }
  Object.assign(header, options.header);
  const payload = {
    iss: device.deviceId,
    sub: device.deviceId,
    aud: options.audience ?? AUDIENCE,
    nonce: options.nonce ?? 'n0nce-n0nce-n0nce',
    iat: options.iat ?? Math.floor(NOW.getTime() / 1000),
    ...options.payload,
  };
  return signRaw(JSON.stringify(header), JSON.stringify(payload), options.key ?? device.key);
}
