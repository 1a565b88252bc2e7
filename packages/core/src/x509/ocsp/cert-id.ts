import { hashBytes } from '../../crypto/one-shot-hash.js';
import { fail } from '../../errors/keyline-error.js';
import { readRawAlgorithmIdentifier, type RawAlgorithmIdentifier } from '../algorithm-identifier.js';
import { DerCursor } from '../der/cursor.js';
import { readOctetString } from '../der/primitives.js';
import { Tag } from '../der/tags.js';
import { encodingOf, type Tlv } from '../der/tlv.js';
import * as der from '../der/writer.js';
import { OID } from '../oids.js';
import { readRevokedSerial, serialHexOf, serialMagnitude } from '../crl/serial.js';

/** Hashes a CertID may use. SHA-1 is RFC 6960's default and what every client sends. */
export type CertIdHash = 'sha1' | 'sha256' | 'sha384' | 'sha512';

const HASH_OIDS: Readonly<Record<CertIdHash, string>> = {
  sha1: OID.sha1,
  sha256: OID.sha256,
  sha384: OID.sha384,
  sha512: OID.sha512,
};
const HASH_LENGTHS: Readonly<Record<CertIdHash, number>> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };
const HASH_BY_OID: ReadonlyMap<string, CertIdHash> = new Map(
  (Object.entries(HASH_OIDS) as Array<[CertIdHash, string]>).map(([name, oid]) => [oid, name]),
);

/**
 * CertID (RFC 6960 4.1.1): which certificate a request or response is about. The hashes are of the
 * issuer's Name DER and of the issuer's subjectPublicKey BIT STRING value (no tag, length or
 * unused-bits octet).
 */
export interface CertId {
  readonly hashAlgorithm: RawAlgorithmIdentifier;
  /** The hash `hashAlgorithm` names, when it is one Keyline knows. */
  readonly hash: CertIdHash | undefined;
  readonly issuerNameHash: Uint8Array;
  readonly issuerKeyHash: Uint8Array;
  /** Serial as unsigned magnitude octets. */
  readonly serialNumber: Uint8Array;
  /** Lower-case hex of the serial: the same key as `Certificate.serialHex`. */
  readonly serialHex: string;
  /** DER of the whole CertID. */
  readonly der: Uint8Array;
}

/**
 * Reads a CertID. When the hash is known, both hashes must have its length (ERR_X509_BAD_OCSP);
 * the serial must be a non-negative INTEGER (ERR_X509_BAD_SERIAL).
 */
export function readCertId(buf: Uint8Array, tlv: Tlv): CertId {
  if (tlv.tag !== Tag.SEQUENCE) fail('ERR_X509_BAD_OCSP', 'CertID must be a SEQUENCE');
  const c = DerCursor.inside(buf, tlv, 'CertID');
  const hashAlgorithm = readRawAlgorithmIdentifier(buf, c.expect(Tag.SEQUENCE, 'hashAlgorithm'));
  const issuerNameHash = readOctetString(buf, c.expect(Tag.OCTET_STRING, 'issuerNameHash'));
  const issuerKeyHash = readOctetString(buf, c.expect(Tag.OCTET_STRING, 'issuerKeyHash'));
  const serialNumber = readRevokedSerial(buf, c.expect(Tag.INTEGER, 'serialNumber'));
  c.finish();
  const hash = HASH_BY_OID.get(hashAlgorithm.oid);
  if (hash !== undefined) {
    // RFC 4055 2.1 / RFC 5754 2: hash identifiers carry NULL or absent parameters, nothing else.
    const p = hashAlgorithm.parameters;
    if (p !== undefined && !(p.length === 2 && p[0] === Tag.NULL)) {
      fail('ERR_X509_BAD_OCSP', `CertID ${hash} parameters must be NULL or absent`);
    }
    const length = HASH_LENGTHS[hash];
    if (issuerNameHash.length !== length || issuerKeyHash.length !== length) {
      fail('ERR_X509_BAD_OCSP', `CertID hashes must be ${length} octets for ${hash}`);
    }
  }
  return {
    hashAlgorithm,
    hash,
    issuerNameHash,
    issuerKeyHash,
    serialNumber,
    serialHex: serialHexOf(serialNumber),
    der: encodingOf(buf, tlv),
  };
}

/**
 * The CertID of a certificate, from its issuer's Name DER, its issuer's subjectPublicKey octets
 * (the BIT STRING value of the issuer's SPKI, e.g. `Certificate.publicKey`) and its serial (hex text,
 * magnitude octets or bigint). The hash algorithm is encoded with NULL parameters, as OpenSSL and
 * most clients send it, so the DER matches theirs byte for byte.
 */
export function certIdFor(
  issuerNameDer: Uint8Array,
  issuerSpkiKeyBytes: Uint8Array,
  serial: string | Uint8Array | bigint,
  hash: CertIdHash = 'sha1',
): CertId {
  const oid = HASH_OIDS[hash];
  if (oid === undefined) throw new TypeError(`unsupported CertID hash "${String(hash)}"`);
  const algorithmDer = der.seq(der.oid(oid), der.nul());
  const issuerNameHash = new Uint8Array(hashBytes(hash, issuerNameDer));
  const issuerKeyHash = new Uint8Array(hashBytes(hash, issuerSpkiKeyBytes));
  const serialNumber = serialMagnitude(serial);
  const encoded = der.seq(
    algorithmDer,
    der.octets(issuerNameHash),
    der.octets(issuerKeyHash),
    der.unsignedInt(serialNumber),
  );
  return {
    hashAlgorithm: { oid, parameters: algorithmDer.subarray(algorithmDer.length - 2), der: algorithmDer },
    hash,
    issuerNameHash,
    issuerKeyHash,
    serialNumber,
    serialHex: serialHexOf(serialNumber),
    der: encoded,
  };
}

/**
 * True when two CertIDs name the same certificate: same hash OID (parameters NULL or absent count
 * as equal), same hashes, same serial. CertIDs made with different hashes never match: compute a
 * CertID with the request's hash (`certIdFor(…, request.hash)`) to compare.
 */
export function certIdEquals(a: CertId, b: CertId): boolean {
  return (
    a.hashAlgorithm.oid === b.hashAlgorithm.oid &&
    Buffer.compare(a.issuerNameHash, b.issuerNameHash) === 0 &&
    Buffer.compare(a.issuerKeyHash, b.issuerKeyHash) === 0 &&
    a.serialHex === b.serialHex
  );
}
