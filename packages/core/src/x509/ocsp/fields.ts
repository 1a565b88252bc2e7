import { readExtensionList } from '../certificate/extensions.js';
import { DerCursor } from '../der/cursor.js';
import { Tag } from '../der/tags.js';
import { encodingOf, type Tlv } from '../der/tlv.js';
import type { Extension } from '../extensions/types.js';

/** `[n] EXPLICIT Extensions` (RFC 6960 uses EXPLICIT tags throughout). */
export function readExplicitExtensions(der: Uint8Array, tlv: Tlv, what: string): Extension[] {
  const c = DerCursor.inside(der, tlv, what);
  const list = c.expect(Tag.SEQUENCE, 'Extensions');
  c.finish();
  return readExtensionList(der, list);
}

/** `certs [0] EXPLICIT SEQUENCE OF Certificate`: each certificate kept as DER (decode with Certificate.fromDer). */
export function readCertificateList(der: Uint8Array, wrapper: Tlv): Uint8Array[] {
  const w = DerCursor.inside(der, wrapper, 'certs');
  const seq = w.expect(Tag.SEQUENCE, 'SEQUENCE OF Certificate');
  w.finish();
  const c = DerCursor.inside(der, seq, 'certs');
  const certs: Uint8Array[] = [];
  while (!c.done) certs.push(encodingOf(der, c.expect(Tag.SEQUENCE, 'Certificate')));
  return certs;
}
