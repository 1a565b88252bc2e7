import { fail } from '../../errors/keyline-error.js';
import { DerCursor } from '../der/cursor.js';
import { readBoolean, readOctetString, readOid } from '../der/primitives.js';
import { Tag } from '../der/tags.js';
import type { Tlv } from '../der/tlv.js';
import type { Extension } from '../extensions/types.js';

/** Reads `[3] EXPLICIT Extensions` (RFC 5280 4.1.2.9): non-empty, each OID at most once. */
export function readExtensions(buf: Uint8Array, explicitTlv: Tlv): Extension[] {
  const wrapper = DerCursor.inside(buf, explicitTlv, 'extensions');
  const listTlv = wrapper.expect(Tag.SEQUENCE, 'Extensions');
  wrapper.finish();
  return readExtensionList(buf, listTlv);
}

/** Reads a SEQUENCE OF Extension (also used by CSRs, CRLs and OCSP). */
export function readExtensionList(buf: Uint8Array, listTlv: Tlv): Extension[] {
  const list = DerCursor.inside(buf, listTlv, 'Extensions');
  const out: Extension[] = [];
  const seen = new Set<string>();
  while (!list.done) {
    const ext = readExtension(buf, list.expect(Tag.SEQUENCE, 'Extension'));
    if (seen.has(ext.oid)) fail('ERR_X509_DUPLICATE_EXTENSION', `extension ${ext.oid} appears more than once`);
    seen.add(ext.oid);
    out.push(ext);
  }
  if (out.length === 0) fail('ERR_X509_EMPTY_EXTENSIONS');
  return out;
}

function readExtension(buf: Uint8Array, tlv: Tlv): Extension {
  const c = DerCursor.inside(buf, tlv, 'Extension');
  const oid = readOid(buf, c.expect(Tag.OID, 'extnID'));
  const criticalTlv = c.optional(Tag.BOOLEAN);
  const critical = criticalTlv ? readBoolean(buf, criticalTlv) : false;
  // critical is DEFAULT FALSE; DER omits defaults (X.690 11.5), so an explicit FALSE is BER.
  if (criticalTlv && !critical) fail('ERR_X509_BAD_EXTENSION', `extension ${oid} encodes the default critical=FALSE`);
  const value = readOctetString(buf, c.expect(Tag.OCTET_STRING, 'extnValue'));
  c.finish();
  return { oid, critical, value };
}
