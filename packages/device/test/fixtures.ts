import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chainDefinitionFor,
  compressDeviceCertificate,
  compressSignerCertificate,
  deriveDeviceSerial,
  deriveSignerSerial,
  DeviceTemplate,
  encodeSignerKeySlot,
  encodeSlot8,
  generateSigner,
  issueCertificate,
  randomSerial,
  rootCertificateFields,
  seededRandom,
  SignerTemplate,
  subordinateCaFields,
  type Certificate,
  type ChainDefinition,
  type SoftwareSigner,
} from '@keyline/core';
import type { SecureElement } from '@keyline/se';

export const NOW = new Date('2026-11-25T12:00:00Z');
const random = seededRandom(2026);

function addYears(date: Date, years: number): Date {
  const out = new Date(date.getTime());
  out.setUTCFullYear(out.getUTCFullYear() + years);
  return out;
}

/** A test ecosystem: root (P-384) → manufacturer CA (P-384) → issuing CA (P-256, compressible), and its chain definition. */
export interface Hierarchy {
  readonly root: Certificate;
  readonly manufacturer: Certificate;
  readonly issuing: Certificate;
  readonly issuingKey: SoftwareSigner;
  readonly definition: ChainDefinition;
  readonly template: DeviceTemplate;
  readonly signerCompressed: Uint8Array;
}

export async function makeHierarchy(name = 'Acme'): Promise<Hierarchy> {
  const rootKey = generateSigner('P-384');
  const root = await issueCertificate(
    rootCertificateFields({
      commonName: `${name} Device SDK Test Root`,
      organization: 'Keyline Test Ecosystem',
      serial: randomSerial(random),
      notBefore: NOW,
      validityYears: 20,
      spki: rootKey.publicKeySpki,
    }),
    'root',
    rootKey,
  );
  const mfrKey = generateSigner('P-384');
  const manufacturer = await issueCertificate(
    subordinateCaFields({
      kind: 'manufacturer-ca',
      issuer: root.certificate,
      commonName: `${name} Manufacturer CA`,
      organization: `${name} Devices`,
      manufacturerId: 'acme',
      serial: randomSerial(random),
      notBefore: NOW,
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
      issuer: manufacturer.certificate,
      commonName: `${name} Line 1 Issuing CA`,
      organization: `${name} Devices`,
      manufacturerId: 'acme',
      productId: 'sensor-1',
      serial: deriveSignerSerial(issuingKey.publicKeySpki, NOW, addYears(NOW, 10)),
      notBefore: NOW,
      validityYears: 10,
      spki: issuingKey.publicKeySpki,
      crlUrl: 'http://keyline.example/crl/1.crl',
      ocspUrl: 'http://keyline.example/ocsp/1',
    }),
    'issuing-ca',
    mfrKey,
  );
  const definition = chainDefinitionFor(issuing.certificate, manufacturer.certificate, {
    hardwareVersion: 'rev-b',
    crlDistributionPoints: ['http://keyline.example/crl/1.crl'],
    ocspUrl: 'http://keyline.example/ocsp/1',
  });
  const template = DeviceTemplate.compile({
    issuer: issuing.certificate,
    signer: issuingKey,
    productId: 'sensor-1',
    hardwareVersion: 'rev-b',
    crlDistributionPoints: ['http://keyline.example/crl/1.crl'],
    ocspUrl: 'http://keyline.example/ocsp/1',
  });
  const signerCompressed = compressSignerCertificate(
    SignerTemplate.compile({
      issuer: manufacturer.certificate,
      signatureAlgorithm: definition.signer.signatureAlgorithm,
      recipe: definition.signer,
    }),
    issuing.certificate.der,
  );
  return {
    root: root.certificate,
    manufacturer: manufacturer.certificate,
    issuing: issuing.certificate,
    issuingKey,
    definition,
    template,
    signerCompressed,
  };
}

/**
 * Provisions an element as the factory line does: a key in slot 0, the device certificate issued
 * compressible (whole-hour notBefore, derived serial), slots 8 and 9 written in the layout, the
 * data zone locked. Returns the device certificate's DER.
 */
export async function provision(
  element: SecureElement,
  hierarchy: Hierarchy,
  options: { lock?: boolean } = {},
): Promise<Uint8Array> {
  const point = await element.generateKey(0);
  const { serialNumber } = await element.info();
  const notBefore = new Date('2026-11-25T14:00:00Z');
  const der = hierarchy.template
    .issue({ serial: deriveDeviceSerial(point, notBefore), chipSerial: serialNumber, publicKey: point, notBefore })
    .slice();
  await element.write(
    8,
    0,
    encodeSlot8(compressDeviceCertificate(hierarchy.template, der), hierarchy.signerCompressed),
  );
  await element.write(9, 0, encodeSignerKeySlot(hierarchy.issuing.spki));
  if (options.lock !== false) await element.lockData();
  return der;
}

/** The payload and header of a compact JWS, and its signing input and signature. */
export function decodeJws(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
} {
  const [h, p, s] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) as Record<string, unknown>,
    signingInput: `${h}.${p}`,
    signature: Buffer.from(s!, 'base64url'),
  };
}

/** A self-signed TLS server certificate for localhost, made by the openssl command line. */
export function serverCertificate(): { keyPem: string; certPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'keyline-device-server-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-addext',
        'extendedKeyUsage=serverAuth',
      ],
      { stdio: 'pipe' },
    );
    return { keyPem: readFileSync(join(dir, 'key.pem'), 'utf8'), certPem: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
