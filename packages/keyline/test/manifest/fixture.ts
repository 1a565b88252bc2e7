import { readFileSync, writeFileSync } from 'node:fs';
import type { Certificate } from '@keyline/core';
import {
  DeviceTemplate,
  generateSigner,
  issueCertificate,
  randomSerial,
  rootCertificateFields,
  seededRandom,
  subordinateCaFields,
  type Signer,
} from '@keyline/core';
import { createManifestWriter, jwkFromSpki, type DeviceEntryInput } from '../../src/manifest/index.js';

/** Test hierarchies and manifests with real certificates (as packages/core/test/issuance/hierarchy.test.ts). */

export const now = new Date('2026-11-25T12:00:00Z');
export const createdAt = new Date('2026-11-25T13:00:00Z');
const random = seededRandom(42);

export interface Hierarchy {
  root: Certificate;
  mfr: Certificate;
  issuing: Certificate;
  issuingKey: Signer;
  template: DeviceTemplate;
}

export async function hierarchy(name = 'Test'): Promise<Hierarchy> {
  const rootKey = generateSigner('P-256');
  const root = await issueCertificate(
    rootCertificateFields({
      commonName: `Keyline ${name} Root`,
      organization: 'Keyline Test Ecosystem',
      serial: randomSerial(random),
      notBefore: now,
      validityYears: 20,
      spki: rootKey.publicKeySpki,
    }),
    'root',
    rootKey,
  );
  const mfrKey = generateSigner('P-256');
  const mfr = await issueCertificate(
    subordinateCaFields({
      kind: 'manufacturer-ca',
      issuer: root.certificate,
      commonName: `Acme ${name} Manufacturer CA`,
      organization: 'Acme Devices',
      manufacturerId: 'acme',
      serial: randomSerial(random),
      notBefore: now,
      validityYears: 15,
      spki: mfrKey.publicKeySpki,
    }),
    'manufacturer-ca',
    rootKey,
  );
  const issuingKey = generateSigner('P-256');
  const issuing = await issueCertificate(
    subordinateCaFields({
      kind: 'issuing-ca',
      issuer: mfr.certificate,
      commonName: `Acme ${name} Issuing CA`,
      organization: 'Acme Devices',
      manufacturerId: 'acme',
      productId: 'sensor-1',
      serial: randomSerial(random),
      notBefore: now,
      validityYears: 10,
      spki: issuingKey.publicKeySpki,
    }),
    'issuing-ca',
    mfrKey,
  );
  const template = DeviceTemplate.compile({ issuer: issuing.certificate, signer: issuingKey });
  return { root: root.certificate, mfr: mfr.certificate, issuing: issuing.certificate, issuingKey, template };
}

/** One real device of the hierarchy, numbered `n` (its chip serial derives from n). */
export function device(h: Hierarchy, n: number): DeviceEntryInput {
  const key = generateSigner('P-256');
  const chipSerial = Buffer.alloc(9);
  chipSerial.writeUInt8(0x01, 0);
  chipSerial.writeUInt32BE(n, 5);
  const der = h.template.issue({
    serial: randomSerial(random),
    chipSerial,
    publicKey: key.publicKeySpki,
    notBefore: now,
  });
  return {
    deviceId: chipSerial.toString('hex'),
    chipSerial: new Uint8Array(chipSerial),
    publicKey: jwkFromSpki(key.publicKeySpki),
    certificate: der,
  };
}

/** Writes a manifest of `entries` signed by the issuing CA. */
export async function writeManifest(path: string, h: Hierarchy, entries: Iterable<DeviceEntryInput>): Promise<void> {
  const writer = await createManifestWriter({
    path,
    header: {
      batch: 'batch-1',
      manufacturerId: 'acme',
      productId: 'sensor-1',
      issuerChain: [h.issuing.der, h.mfr.der],
      createdAt,
    },
    signer: h.issuingKey,
    signerCertificate: h.issuing.der,
  });
  for (const entry of entries) await writer.add(entry);
  await writer.close();
}

/** The lines of a (small) manifest, and a way to write a changed copy. */
export function linesOf(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
}

export function writeLines(path: string, lines: readonly string[]): string {
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
  return path;
}
