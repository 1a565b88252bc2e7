import { KeylineError, type SignerAlgorithm } from '@keyline/core';

/**
 * The manifest file format (docs/manifest.md): JSON Lines, UTF-8, LF line ends.
 *   line 1        the header: batch, manufacturer and product, the issuer chain, creation time;
 *   lines 2..N+1  one device entry each, `index` 0..N-1 in order;
 *   last line     the root: entry count, Merkle tree head, header hash, and the signature over them.
 * Every line is in a canonical form (fixed field order, no spaces) the verifier re-derives and
 * compares byte for byte, so no two byte strings carry the same meaning.
 */

export const MANIFEST_TYPE = 'keyline-manifest';
export const MANIFEST_VERSION = 1;

/** The header fields a writer is given. */
export interface ManifestHeaderInput {
  readonly batch: string;
  readonly manufacturerId: string;
  readonly productId: string;
  /** The issuing CA first, then each CA above it up to, not including, the root (DER). */
  readonly issuerChain: readonly Uint8Array[];
  readonly createdAt: Date;
}

/** The decoded header line. */
export interface ManifestHeader extends ManifestHeaderInput {
  readonly type: typeof MANIFEST_TYPE;
  readonly version: typeof MANIFEST_VERSION;
}

/** A public key as a JSON Web Key (RFC 7517/7518): EC (`kty`, `crv`, `x`, `y`) or OKP (`kty`, `crv`, `x`). */
export type PublicJwk = Readonly<Record<string, string>>;

/** One device as the factory line hands it to the writer. */
export interface DeviceEntryInput {
  /** The device id: the certificate's commonName (KECP 6.1, lowercase hex of the chip serial). */
  readonly deviceId: string;
  /** The secure element's serial (the hwSerialNum of the certificate's hardwareModuleName), octets. */
  readonly chipSerial: Uint8Array;
  readonly publicKey: PublicJwk;
  /** The device certificate (DER). */
  readonly certificate: Uint8Array;
}

/** A decoded device line. */
export interface DeviceEntry extends DeviceEntryInput {
  readonly index: number;
}

/** The decoded root line. */
export interface ManifestRoot {
  readonly count: number;
  /** The RFC 9162 Merkle Tree Hash of the device lines, hex. */
  readonly treeHead: string;
  /** SHA-256 of the header line's bytes, hex. */
  readonly headerHash: string;
  readonly algorithm: SignerAlgorithm;
  /** The signature over `signedRootMessage` (DER ECDSA-Sig-Value, or the 64 Ed25519 octets). */
  readonly signature: Uint8Array;
  /** The signer's certificate (DER): the issuing CA or a certificate it issued. */
  readonly signerCertificate: Uint8Array;
}

const SIGNER_ALGORITHMS: readonly string[] = ['ecdsa-sha256', 'ecdsa-sha384', 'ecdsa-sha512', 'ed25519'];
const HEX_32 = /^[0-9a-f]{64}$/;
const HEX = /^(?:[0-9a-f]{2})+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

const b64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

/** A JWK with its members in lexicographic order (the order RFC 7638 3.3 uses), so it has one serialisation. */
export function canonicalJwk(jwk: PublicJwk): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(jwk).sort()) out[key] = jwk[key]!;
  return out;
}

/** The canonical header line. */
export function headerLine(header: ManifestHeaderInput): string {
  return JSON.stringify({
    type: MANIFEST_TYPE,
    version: MANIFEST_VERSION,
    batch: header.batch,
    manufacturerId: header.manufacturerId,
    productId: header.productId,
    issuer: { chain: header.issuerChain.map(b64) },
    createdAt: header.createdAt.toISOString(),
  });
}

/** The canonical line of entry `index`. */
export function deviceLine(index: number, entry: DeviceEntryInput): string {
  return JSON.stringify({
    type: 'device',
    index,
    deviceId: entry.deviceId,
    chipSerial: hex(entry.chipSerial),
    publicKey: canonicalJwk(entry.publicKey),
    certificate: b64(entry.certificate),
  });
}

/** The canonical root line. */
export function rootLine(root: ManifestRoot): string {
  return JSON.stringify({
    type: 'root',
    count: root.count,
    treeHead: root.treeHead,
    headerHash: root.headerHash,
    algorithm: root.algorithm,
    signature: b64(root.signature),
    signerCertificate: b64(root.signerCertificate),
  });
}

/**
 * The bytes the root signature covers: a domain-separation label, then count, tree head and header
 * hash. The header hash binds the header (and so the issuer chain and batch) to the entries.
 */
export function signedRootMessage(count: number, treeHead: string, headerHash: string): Uint8Array {
  return Buffer.from(`${MANIFEST_TYPE}/v${MANIFEST_VERSION} root\n${count}\n${treeHead}\n${headerHash}\n`, 'utf8');
}

function malformed(what: string): never {
  throw new KeylineError('ERR_MANIFEST_MALFORMED', `not a valid ${what}`);
}

function parseObject(line: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    malformed(`${what} (not JSON)`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) malformed(`${what} (not a JSON object)`);
  return value as Record<string, unknown>;
}

function str(o: Record<string, unknown>, key: string, what: string, pattern?: RegExp): string {
  const v = o[key];
  if (typeof v !== 'string' || (pattern !== undefined && !pattern.test(v))) malformed(`${what}: field "${key}"`);
  return v;
}

function count(o: Record<string, unknown>, key: string, what: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) malformed(`${what}: field "${key}"`);
  return v;
}

function base64(o: Record<string, unknown>, key: string, what: string): Uint8Array {
  const v = str(o, key, what, BASE64);
  if (v.length === 0) malformed(`${what}: field "${key}"`);
  return new Uint8Array(Buffer.from(v, 'base64'));
}

/** Fails unless the line is exactly the canonical serialisation of what was decoded from it. */
function requireCanonical(line: Buffer, canonical: string, what: string): void {
  if (!line.equals(Buffer.from(canonical, 'utf8'))) {
    throw new KeylineError('ERR_MANIFEST_NOT_CANONICAL', `the ${what} is not in canonical form`);
  }
}

/** The type of a line (its `type` member), without checking the rest. */
export function lineType(line: Buffer): string {
  const t = parseObject(line, 'manifest line').type;
  return typeof t === 'string' ? t : '';
}

/** Decodes and checks the header line. */
export function parseHeader(line: Buffer): ManifestHeader {
  const what = 'manifest header';
  const o = parseObject(line, what);
  if (o.type !== MANIFEST_TYPE) malformed(`${what}: not a keyline manifest`);
  if (o.version !== MANIFEST_VERSION) malformed(`${what}: unsupported version`);
  const issuer = o.issuer;
  if (typeof issuer !== 'object' || issuer === null) malformed(`${what}: field "issuer"`);
  const chain = (issuer as Record<string, unknown>).chain;
  if (!Array.isArray(chain) || chain.length === 0 || chain.length > 8) malformed(`${what}: field "issuer.chain"`);
  const issuerChain = chain.map((c: unknown, i) => base64({ c }, 'c', `${what}: issuer.chain[${i}]`));
  const createdText = str(o, 'createdAt', what);
  const createdAt = new Date(createdText);
  if (Number.isNaN(createdAt.getTime())) malformed(`${what}: field "createdAt"`);
  const header: ManifestHeader = {
    type: MANIFEST_TYPE,
    version: MANIFEST_VERSION,
    batch: str(o, 'batch', what),
    manufacturerId: str(o, 'manufacturerId', what),
    productId: str(o, 'productId', what),
    issuerChain,
    createdAt,
  };
  requireCanonical(line, headerLine(header), what);
  return header;
}

/** Decodes and checks a device line (its form only; `device-check.ts` checks it against its certificate). */
export function parseDevice(line: Buffer): DeviceEntry {
  const what = 'device entry';
  const o = parseObject(line, what);
  if (o.type !== 'device') malformed(`${what}: field "type"`);
  const jwk = o.publicKey;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) malformed(`${what}: field "publicKey"`);
  const publicKey: Record<string, string> = {};
  for (const [k, v] of Object.entries(jwk as Record<string, unknown>)) {
    if (typeof v !== 'string' || (k !== 'kty' && k !== 'crv' && !BASE64URL.test(v))) malformed(`${what}: publicKey`);
    publicKey[k] = v;
  }
  const entry: DeviceEntry = {
    index: count(o, 'index', what),
    deviceId: str(o, 'deviceId', what),
    chipSerial: new Uint8Array(Buffer.from(str(o, 'chipSerial', what, HEX), 'hex')),
    publicKey,
    certificate: base64(o, 'certificate', what),
  };
  requireCanonical(line, deviceLine(entry.index, entry), what);
  return entry;
}

/** Decodes and checks the root line. */
export function parseRoot(line: Buffer): ManifestRoot {
  const what = 'root line';
  const o = parseObject(line, what);
  if (o.type !== 'root') malformed(`${what}: field "type"`);
  const algorithm = str(o, 'algorithm', what);
  if (!SIGNER_ALGORITHMS.includes(algorithm)) malformed(`${what}: field "algorithm"`);
  const root: ManifestRoot = {
    count: count(o, 'count', what),
    treeHead: str(o, 'treeHead', what, HEX_32),
    headerHash: str(o, 'headerHash', what, HEX_32),
    algorithm: algorithm as SignerAlgorithm,
    signature: base64(o, 'signature', what),
    signerCertificate: base64(o, 'signerCertificate', what),
  };
  requireCanonical(line, rootLine(root), what);
  return root;
}
