import { generateKeyPairSync } from 'node:crypto';
import { generateSigner } from '../../../src/crypto/signer.js';
import { issueCertificate } from '../../../src/issuance/issue.js';
import { rootCertificateFields, subordinateCaFields } from '../../../src/issuance/ca-fields.js';
import { randomSerial } from '../../../src/issuance/serial.js';
import { seededRandom } from '../../../src/ports/random.js';

export const now = new Date('2026-11-25T12:00:00Z');
const random = seededRandom(44);

/** Root (P-384) → manufacturer CA (P-384) → issuing CA (P-256), as in hierarchy.test.ts. */
export async function hierarchy() {
  const rootKey = generateSigner('P-384');
  const root = await issueCertificate(
    rootCertificateFields({
      commonName: 'Keyline Compressed Test Root',
      organization: 'Keyline Test Ecosystem',
      serial: randomSerial(random),
      notBefore: now,
      validityYears: 20,
      spki: rootKey.publicKeySpki,
    }),
    'root',
    rootKey,
  );
  const mfrKey = generateSigner('P-384');
  const mfr = await issueCertificate(
    subordinateCaFields({
      kind: 'manufacturer-ca',
      issuer: root.certificate,
      commonName: 'Acme Manufacturer CA',
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
      commonName: 'Acme Line 1 Issuing CA',
      organization: 'Acme Devices',
      manufacturerId: 'acme',
      productId: 'sensor-1',
      serial: randomSerial(random),
      notBefore: now,
      validityYears: 10,
      spki: issuingKey.publicKeySpki,
      crlUrl: 'http://keyline.example/crl/1.crl',
      ocspUrl: 'http://keyline.example/ocsp/1',
    }),
    'issuing-ca',
    mfrKey,
  );
  return { root, rootKey, mfr, mfrKey, issuing, issuingKey };
}

/** A fresh P-256 key's uncompressed point (the last 65 octets of its SPKI). */
export function randomPoint(): Uint8Array {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return Uint8Array.from(spki.subarray(spki.length - 65));
}
