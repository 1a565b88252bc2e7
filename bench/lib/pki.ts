import { createHash, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import {
  buildCertificateSync,
  der,
  KEYLINE_ATTRIBUTE,
  KEYLINE_POLICY,
  OID,
  selfSignSync,
  type Certificate,
  type SyncSigner,
} from '@keyline/core';

/** A software signer over a node:crypto key: `signSync` is exactly `crypto.sign(hash, data, key)`. */
export function nodeSigner(privateKey: KeyObject, hash: 'sha256' | 'sha384'): SyncSigner {
  const publicKeySpki = new Uint8Array(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }));
  const signSync = (data: Uint8Array): Uint8Array => sign(hash, data, privateKey);
  return { algorithm: hash === 'sha256' ? 'ecdsa-sha256' : 'ecdsa-sha384', publicKeySpki, sign: signSync, signSync };
}

/** The subjectPublicKey octets of a DER SPKI whose key BIT STRING is the last element (EC keys). */
function pointOf(spki: Uint8Array, size: number): Uint8Array {
  return spki.subarray(spki.length - size);
}

function keyId(point: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(point).digest());
}

function rdn(type: string, value: Uint8Array): Uint8Array {
  return der.setOf(der.seq(der.oid(type), value));
}

function ext(oid: string, critical: boolean, value: Uint8Array): { oid: string; critical: boolean; value: Uint8Array } {
  return { oid, critical, value };
}

/** An ecosystem root (P-384) and a manufacturer issuing CA (P-256, manufacturer id `acme`). */
export interface BenchHierarchy {
  readonly root: Certificate;
  readonly ca: Certificate;
  readonly caKey: KeyObject;
  readonly caSigner: SyncSigner;
}

export function makeHierarchy(): BenchHierarchy {
  const rootKey = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
  const caKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const rootSigner = nodeSigner(rootKey, 'sha384');
  const caSigner = nodeSigner(caKey, 'sha256');
  const rootId = keyId(pointOf(rootSigner.publicKeySpki, 97));
  const caId = keyId(pointOf(caSigner.publicKeySpki, 65));
  const keyUsageCa = der.namedBits([5, 6]); // keyCertSign, cRLSign
  const root = selfSignSync(
    {
      serial: Uint8Array.of(0x11, 1, 2, 3, 4, 5, 6, 7, 8, 9),
      subject: der.seq(
        rdn(OID.organizationName, der.utf8('Keyline Bench')),
        rdn(OID.commonName, der.utf8('Bench Root')),
      ),
      notBefore: new Date('2024-01-01T00:00:00Z'),
      notAfter: new Date('2049-01-01T00:00:00Z'),
      extensions: [
        ext(OID.basicConstraints, true, der.seq(der.bool(true))),
        ext(OID.keyUsage, true, keyUsageCa),
        ext(OID.subjectKeyIdentifier, false, der.octets(rootId)),
      ],
    },
    rootSigner,
  );
  const ca = buildCertificateSync(
    {
      serial: Uint8Array.of(0x22, 1, 2, 3, 4, 5, 6, 7, 8, 9),
      issuer: root.subject.der,
      subject: der.seq(
        rdn(KEYLINE_ATTRIBUTE.manufacturerId, der.utf8('acme')),
        rdn(OID.commonName, der.utf8('Acme Issuing CA 1')),
      ),
      notBefore: new Date('2024-06-01T00:00:00Z'),
      notAfter: new Date('2039-06-01T00:00:00Z'),
      spki: caSigner.publicKeySpki,
      extensions: [
        ext(OID.basicConstraints, true, der.seq(der.bool(true), der.int(0))),
        ext(OID.keyUsage, true, keyUsageCa),
        ext(OID.subjectKeyIdentifier, false, der.octets(caId)),
        ext(OID.authorityKeyIdentifier, false, der.seq(der.octets(rootId, 0x80))),
        ext(OID.certificatePolicies, false, der.seq(der.seq(der.oid(KEYLINE_POLICY.deviceIdentityV1)))),
      ],
    },
    rootSigner,
  );
  return { root, ca, caKey, caSigner };
}
