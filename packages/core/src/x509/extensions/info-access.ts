import { DerCursor } from '../der/cursor.js';
import { readOid } from '../der/primitives.js';
import { Tag } from '../der/tags.js';
import * as der from '../der/writer.js';
import { badExtension, cannotEncode, decodeExtensionValue, expectTop } from './decode-value.js';
import { encodeGeneralName, readGeneralName } from './general-name.js';
import type { AccessDescription } from './types.js';

function decodeInfoAccess(value: Uint8Array, name: string): AccessDescription[] {
  return decodeExtensionValue(value, name, (buf, top) => {
    expectTop(top, Tag.SEQUENCE, name, 'InfoAccessSyntax');
    const c = DerCursor.inside(buf, top, name);
    const out: AccessDescription[] = [];
    while (!c.done) {
      const a = DerCursor.inside(buf, c.expect(Tag.SEQUENCE, 'AccessDescription'), 'AccessDescription');
      const method = readOid(buf, a.expect(Tag.OID, 'accessMethod'));
      const location = readGeneralName(buf, a.next());
      a.finish();
      out.push({ method, location });
    }
    if (out.length === 0) badExtension(name, 'is empty; it is SIZE (1..MAX)');
    return out;
  });
}

function encodeInfoAccess(list: readonly AccessDescription[], name: string): Uint8Array {
  if (list.length === 0) cannotEncode(name, 'needs at least one access description');
  return der.seq(...list.map((a) => der.seq(der.oid(a.method), encodeGeneralName(a.location))));
}

/**
 * Decodes `AuthorityInfoAccessSyntax ::= SEQUENCE SIZE (1..MAX) OF AccessDescription` with
 * `AccessDescription ::= SEQUENCE { accessMethod OBJECT IDENTIFIER, accessLocation GeneralName }`
 * (RFC 5280 4.2.2.1). Methods are kept as OIDs (id-ad-ocsp, id-ad-caIssuers, …).
 */
export function decodeAuthorityInfoAccess(value: Uint8Array): AccessDescription[] {
  return decodeInfoAccess(value, 'authorityInfoAccess');
}

/** Decodes `SubjectInfoAccessSyntax` (RFC 5280 4.2.2.2), the same shape as authorityInfoAccess. */
export function decodeSubjectInfoAccess(value: Uint8Array): AccessDescription[] {
  return decodeInfoAccess(value, 'subjectInfoAccess');
}

/** DER of AuthorityInfoAccessSyntax (at least one description). */
export function encodeAuthorityInfoAccess(list: readonly AccessDescription[]): Uint8Array {
  return encodeInfoAccess(list, 'authorityInfoAccess');
}

/** DER of SubjectInfoAccessSyntax (at least one description). */
export function encodeSubjectInfoAccess(list: readonly AccessDescription[]): Uint8Array {
  return encodeInfoAccess(list, 'subjectInfoAccess');
}
