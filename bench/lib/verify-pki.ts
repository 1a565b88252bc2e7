/**
 * The `verify` benchmark's world: an ecosystem hierarchy made with core's issuance (root P-384 →
 * manufacturer CA P-384 → issuing CA P-256), and a pool of devices, each with a node:crypto P-256
 * key standing in for its secure element, a certificate from core's DeviceTemplate and an
 * attestation token signed as the element would (ES256 over header.payload, r‖s), all made
 * before measuring.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import {
  DeviceTemplate,
  generateSigner,
  issueCertificate,
  randomSerial,
  rootCertificateFields,
  subordinateCaFields,
  systemRandom,
  type Certificate,
} from '@keyline/core';

export const VERIFY_NOW = new Date('2026-11-25T12:00:00Z');
const CA_START = new Date('2025-11-25T12:00:00Z');
const DEVICE_START = new Date('2026-01-01T00:00:00Z');
export const VERIFY_AUDIENCE = 'https://verifier.bench.example';

export interface VerifyWorld {
  readonly root: Certificate;
  readonly manufacturer: Certificate;
  readonly issuing: Certificate;
  readonly template: DeviceTemplate;
}

export async function makeVerifyWorld(): Promise<VerifyWorld> {
  const rootKey = generateSigner('P-384');
  const root = await issueCertificate(
    rootCertificateFields({
      commonName: 'Bench Ecosystem Root',
      organization: 'Keyline Bench',
      serial: randomSerial(systemRandom),
      notBefore: CA_START,
      validityYears: 20,
      spki: rootKey.publicKeySpki,
    }),
    'root',
    rootKey,
  );
  const manufacturerKey = generateSigner('P-384');
  const manufacturer = await issueCertificate(
    subordinateCaFields({
      kind: 'manufacturer-ca',
      issuer: root.certificate,
      commonName: 'Acme Manufacturer CA',
      organization: 'Acme Devices',
      manufacturerId: 'acme',
      serial: randomSerial(systemRandom),
      notBefore: CA_START,
      validityYears: 15,
      spki: manufacturerKey.publicKeySpki,
    }),
    'manufacturer-ca',
    rootKey,
  );
  const issuingKey = generateSigner('P-256');
  const issuing = await issueCertificate(
    subordinateCaFields({
      kind: 'issuing-ca',
      issuer: manufacturer.certificate,
      commonName: 'Acme Line 1 Issuing CA',
      organization: 'Acme Devices',
      manufacturerId: 'acme',
      productId: 'sensor-x',
      serial: randomSerial(systemRandom),
      notBefore: CA_START,
      validityYears: 10,
      spki: issuingKey.publicKeySpki,
      crlUrl: 'http://keyline.example/crl/1.crl',
      ocspUrl: 'http://keyline.example/ocsp/1',
    }),
    'issuing-ca',
    manufacturerKey,
  );
  const template = DeviceTemplate.compile({ issuer: issuing.certificate, signer: issuingKey });
  return { root: root.certificate, manufacturer: manufacturer.certificate, issuing: issuing.certificate, template };
}

export interface BenchDevice {
  readonly deviceId: string;
  readonly nonce: string;
  readonly token: string;
  readonly key: KeyObject;
}

/** The token contract's form: header {alg, typ, x5c: [leaf, issuing, manufacturer]}, payload {iss, sub, aud, nonce, iat}. */
export function attestationToken(
  world: VerifyWorld,
  leafDer: Uint8Array,
  key: KeyObject,
  claims: { deviceId: string; nonce: string; iat: number },
): string {
  const x5c = [leafDer, world.issuing.der, world.manufacturer.der].map((d) => Buffer.from(d).toString('base64'));
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'keyline-attestation+jwt', x5c })).toString(
    'base64url',
  );
  const payload = Buffer.from(
    JSON.stringify({
      iss: claims.deviceId,
      sub: claims.deviceId,
      aud: VERIFY_AUDIENCE,
      nonce: claims.nonce,
      iat: claims.iat,
    }),
  ).toString('base64url');
  const input = `${header}.${payload}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

export function makeDevices(world: VerifyWorld, count: number): BenchDevice[] {
  const devices: BenchDevice[] = [];
  const iat = Math.floor(VERIFY_NOW.getTime() / 1000);
  for (let i = 0; i < count; i++) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const chipSerial = randomBytes(9);
    const leaf = world.template.issue({
      serial: randomSerial(systemRandom),
      chipSerial,
      publicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
      notBefore: DEVICE_START,
    });
    const deviceId = chipSerial.toString('hex');
    const nonce = randomBytes(32).toString('base64url');
    devices.push({
      deviceId,
      nonce,
      key: privateKey,
      token: attestationToken(world, Uint8Array.from(leaf), privateKey, { deviceId, nonce, iat }),
    });
  }
  return devices;
}
