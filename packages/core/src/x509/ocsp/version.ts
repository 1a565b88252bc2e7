import { fail } from '../../errors/keyline-error.js';
import { DerCursor } from '../der/cursor.js';
import { Tag, contextConstructed } from '../der/tags.js';

/**
 * Reads `version [0] EXPLICIT Version DEFAULT v1` (RFC 6960 4.1.1, 4.2.1). v1 is the only version;
 * DER omits a DEFAULT value (X.690 11.5), so any present version field is refused.
 */
export function readOcspVersion(buf: Uint8Array, c: DerCursor, what: string): 1 {
  const explicit = c.optional(contextConstructed(0));
  if (explicit === undefined) return 1;
  const inner = DerCursor.inside(buf, explicit, `${what} version`);
  const tlv = inner.expect(Tag.INTEGER, 'version');
  inner.finish();
  const isV1 = tlv.end - tlv.valueStart === 1 && buf[tlv.valueStart] === 0;
  return fail(
    'ERR_OCSP_BAD_VERSION',
    isV1 ? `${what} encodes the DEFAULT version v1, which DER omits` : `${what} version is not v1`,
  );
}
