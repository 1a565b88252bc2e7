import { expectTag, readOid } from '../x509/der/primitives.js';
import { Tag } from '../x509/der/tags.js';
import type { Tlv } from '../x509/der/tlv.js';
import { oidContent } from '../x509/der/writer.js';
import { OID } from '../x509/oids.js';

/**
 * The algorithm, curve and hash OIDs this layer looks up, by their content octets. Decoding an OID
 * to dotted form costs a BigInt step per octet; signatures and keys are read on every path
 * validation, so the OIDs we expect are matched as bytes first (a fixed table, never grown by input).
 */
const KNOWN: ReadonlyMap<string, string> = new Map(
  [
    OID.ecPublicKey,
    OID.rsaEncryption,
    OID.rsassaPss,
    OID.ed25519,
    OID.prime256v1,
    OID.secp384r1,
    OID.secp521r1,
    OID.ecdsaWithSha256,
    OID.ecdsaWithSha384,
    OID.ecdsaWithSha512,
    OID.sha256WithRsa,
    OID.sha384WithRsa,
    OID.sha512WithRsa,
    OID.mgf1,
    OID.sha256,
    OID.sha384,
    OID.sha512,
  ].map((dotted) => [Buffer.from(oidContent(dotted)).toString('latin1'), dotted]),
);

/** `readOid` with a fast path for the OIDs above; any other OID is decoded and checked in full. */
export function readAlgorithmOid(buf: Uint8Array, tlv: Tlv): string {
  expectTag(tlv, Tag.OID, 'OBJECT IDENTIFIER');
  const content = buf.subarray(tlv.valueStart, tlv.end);
  if (content.length <= 9) {
    const known = KNOWN.get(Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('latin1'));
    if (known !== undefined) return known;
  }
  return readOid(buf, tlv);
}
