import { generateKeyPairSync } from 'node:crypto';
import { generateSigner, type SoftwareSigner } from '../../../src/crypto/signer.js';
import {
  computeKeyIdentifier,
  encodeSubjectKeyIdentifier,
} from '../../../src/x509/extensions/subject-key-identifier.js';
import { encodeAuthorityKeyIdentifier } from '../../../src/x509/extensions/authority-key-identifier.js';
import { encodeBasicConstraints } from '../../../src/x509/extensions/basic-constraints.js';
import { encodeKeyUsage } from '../../../src/x509/extensions/key-usage.js';
import { encodeCertificatePolicies } from '../../../src/x509/extensions/certificate-policies.js';
import { buildCertificateSync, selfSignSync } from '../../../src/x509/certificate/builder.js';
import type { Certificate } from '../../../src/x509/certificate/certificate.js';
import { encodeName } from '../../../src/x509/name/encode.js';
import { KEYLINE_ATTRIBUTE, KEYLINE_POLICY } from '../../../src/policy/oids.js';
import { OID } from '../../../src/x509/oids.js';
import type { Extension } from '../../../src/x509/extensions/types.js';

export interface TestHierarchy {
  readonly rootSigner: SoftwareSigner;
  readonly root: Certificate;
  readonly caSigner: SoftwareSigner;
  readonly ca: Certificate;
}

function caExtensions(
  spki: Uint8Array,
  point: Uint8Array,
  issuerPoint: Uint8Array,
  pathLen: number | undefined,
  policies: boolean,
): Extension[] {
  const list: Extension[] = [
    { oid: OID.basicConstraints, critical: true, value: encodeBasicConstraints({ ca: true, pathLen }) },
    { oid: OID.keyUsage, critical: true, value: encodeKeyUsage(new Set(['keyCertSign', 'cRLSign'])) },
    { oid: OID.subjectKeyIdentifier, critical: false, value: encodeSubjectKeyIdentifier(computeKeyIdentifier(point)) },
  ];
  if (spki !== undefined && point !== issuerPoint) {
    list.push({
      oid: OID.authorityKeyIdentifier,
      critical: false,
      value: encodeAuthorityKeyIdentifier({ keyIdentifier: computeKeyIdentifier(issuerPoint) }),
    });
  }
  if (policies) {
    list.push({
      oid: OID.certificatePolicies,
      critical: false,
      value: encodeCertificatePolicies([{ policyId: KEYLINE_POLICY.deviceIdentityV1 }]),
    });
  }
  return list;
}

const pointOf = (spki: Uint8Array): Uint8Array =>
  new Uint8Array(spki).subarray(spki.length - (spki.length === 91 ? 65 : 97));

/** An ecosystem root (P-384) and an issuing CA (P-256) for manufacturer `acme`, built with the general builder. */
export function makeHierarchy(
  caCurve: 'P-256' | 'P-384' = 'P-256',
  caNotAfter = new Date('2039-06-01T00:00:00Z'),
): TestHierarchy {
  const rootSigner = generateSigner('P-384');
  const caSigner = generateSigner(caCurve);
  const rootPoint = pointOf(rootSigner.publicKeySpki);
  const caPoint = pointOf(caSigner.publicKeySpki);
  const root = selfSignSync(
    {
      serial: Uint8Array.of(0x11, 1, 2, 3, 4, 5, 6, 7, 8, 9),
      subject: encodeName([
        [{ type: OID.organizationName, value: 'Keyline Test' }],
        [{ type: OID.commonName, value: 'Test Root' }],
      ]),
      notBefore: new Date('2024-01-01T00:00:00Z'),
      notAfter: new Date('2074-01-01T00:00:00Z'),
      extensions: caExtensions(rootSigner.publicKeySpki, rootPoint, rootPoint, undefined, false),
    },
    rootSigner,
  );
  const ca = buildCertificateSync(
    {
      serial: Uint8Array.of(0x22, 1, 2, 3, 4, 5, 6, 7, 8, 9),
      issuer: root.subject.der,
      subject: encodeName([
        [{ type: KEYLINE_ATTRIBUTE.manufacturerId, value: 'acme' }],
        [{ type: OID.commonName, value: 'Acme Issuing CA 1' }],
      ]),
      notBefore: new Date('2024-06-01T00:00:00Z'),
      notAfter: caNotAfter,
      spki: caSigner.publicKeySpki,
      extensions: caExtensions(caSigner.publicKeySpki, caPoint, rootPoint, 0, true),
    },
    rootSigner,
  );
  return { rootSigner, root, caSigner, ca };
}

/** A fresh P-256 device key's SubjectPublicKeyInfo. */
export function deviceSpki(): Uint8Array {
  return new Uint8Array(
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }),
  );
}
