import { fail } from '../errors/keyline-error.js';
import { DerCursor } from './der/cursor.js';
import { readOid } from './der/primitives.js';
import { Tag } from './der/tags.js';
import { encodingOf, type Tlv } from './der/tlv.js';

/** An AlgorithmIdentifier as it appears on the wire; its meaning is decided by crypto/algorithms. */
export interface RawAlgorithmIdentifier {
  readonly oid: string;
  /** DER of the parameters, when present. */
  readonly parameters?: Uint8Array;
  /** DER of the whole AlgorithmIdentifier, to compare two of them byte for byte. */
  readonly der: Uint8Array;
}

export function readRawAlgorithmIdentifier(buf: Uint8Array, tlv: Tlv): RawAlgorithmIdentifier {
  if (tlv.tag !== Tag.SEQUENCE) fail('ERR_X509_BAD_ALGORITHM', 'AlgorithmIdentifier must be a SEQUENCE');
  const c = DerCursor.inside(buf, tlv, 'AlgorithmIdentifier');
  const oid = readOid(buf, c.expect(Tag.OID, 'algorithm'));
  const params = c.done ? undefined : c.next();
  c.finish();
  const der = encodingOf(buf, tlv);
  return params === undefined ? { oid, der } : { oid, parameters: encodingOf(buf, params), der };
}
