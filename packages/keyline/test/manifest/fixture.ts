import { readFileSync, writeFileSync } from 'node:fs';
import { Certificate, DeviceTemplate, generateSigner, randomSerial, seededRandom, type Signer } from '@keyline/core';
import { issueEcosystemHierarchy } from '../../../core/test/issuance/fixtures.js';
import { createManifestWriter, jwkFromSpki, type DeviceEntryInput } from '../../src/manifest/index.js';

/** Test hierarchies and manifests with real certificates (core's issueEcosystemHierarchy). */

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

/** All on P-256, without revocation URLs; the certificates are read again with the built @keyline/core that the manifest code uses. */
export async function hierarchy(name = 'Test'): Promise<Hierarchy> {
  const { root, mfr, issuing, issuingKey } = await issueEcosystemHierarchy({
    random,
    notBefore: now,
    rootName: `Keyline ${name} Root`,
    manufacturerName: `Acme ${name} Manufacturer CA`,
    issuingName: `Acme ${name} Issuing CA`,
    curves: { root: 'P-256', manufacturer: 'P-256', issuing: 'P-256' },
    revocationUrls: false,
  });
  const issuingCertificate = Certificate.fromDer(issuing.certificate.der);
  return {
    root: Certificate.fromDer(root.certificate.der),
    mfr: Certificate.fromDer(mfr.certificate.der),
    issuing: issuingCertificate,
    issuingKey,
    template: DeviceTemplate.compile({ issuer: issuingCertificate, signer: issuingKey }),
  };
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
