import { DerCursor } from '../der/cursor.js';
import { readOid } from '../der/primitives.js';
import { Tag } from '../der/tags.js';
import * as der from '../der/writer.js';
import { badExtension, cannotEncode, decodeExtensionValue, expectTop } from './decode-value.js';
import type { ExtKeyUsage } from './types.js';

const NAME = 'extKeyUsage';

/** Decodes `ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId` (RFC 5280 4.2.1.12). */
export function decodeExtKeyUsage(value: Uint8Array): ExtKeyUsage {
  return decodeExtensionValue(value, NAME, (buf, top) => {
    expectTop(top, Tag.SEQUENCE, NAME, 'ExtKeyUsageSyntax');
    const c = DerCursor.inside(buf, top, NAME);
    const purposes: string[] = [];
    while (!c.done) purposes.push(readOid(buf, c.next()));
    if (purposes.length === 0) badExtension(NAME, 'is empty; it is SIZE (1..MAX)');
    return purposes;
  });
}

/** DER of ExtKeyUsageSyntax, purposes in the order given (at least one). */
export function encodeExtKeyUsage(purposes: ExtKeyUsage): Uint8Array {
  if (purposes.length === 0) cannotEncode(NAME, 'needs at least one key purpose');
  return der.seq(...purposes.map((p) => der.oid(p)));
}
