import { DerCursor } from '../der/cursor.js';
import { integerFromContent } from '../der/primitives.js';
import { Tag } from '../der/tags.js';
import { contentOf } from '../der/tlv.js';
import * as der from '../der/writer.js';
import { badExtension, cannotEncode, decodeExtensionValue, expectTop } from './decode-value.js';
import { encodeGeneralNames, readGeneralNames } from './general-name.js';
import type { AuthorityKeyIdentifier } from './types.js';

const NAME = 'authorityKeyIdentifier';
const KEY_ID = 0x80; // [0] IMPLICIT KeyIdentifier (OCTET STRING)
const ISSUER = 0xa1; // [1] IMPLICIT GeneralNames
const SERIAL = 0x82; // [2] IMPLICIT CertificateSerialNumber (INTEGER)

/**
 * Decodes `AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] KeyIdentifier OPTIONAL,
 * authorityCertIssuer [1] GeneralNames OPTIONAL, authorityCertSerialNumber [2]
 * CertificateSerialNumber OPTIONAL }` (RFC 5280 4.2.1.1). Issuer and serial must come together
 * (X.509 8.2.2.1). The serial is returned as its unsigned magnitude (a leading 0x00 pad removed);
 * a negative serial is refused. Whether keyIdentifier is present is the profile's to judge.
 */
export function decodeAuthorityKeyIdentifier(value: Uint8Array): AuthorityKeyIdentifier {
  return decodeExtensionValue(value, NAME, (buf, top) => {
    expectTop(top, Tag.SEQUENCE, NAME, 'AuthorityKeyIdentifier');
    const c = DerCursor.inside(buf, top, NAME);
    const keyTlv = c.optional(KEY_ID);
    const issuerTlv = c.optional(ISSUER);
    const serialTlv = c.optional(SERIAL);
    c.finish();
    if ((issuerTlv === undefined) !== (serialTlv === undefined)) {
      badExtension(NAME, 'authorityCertIssuer and authorityCertSerialNumber must be both present or both absent');
    }
    const out: { -readonly [K in keyof AuthorityKeyIdentifier]: AuthorityKeyIdentifier[K] } = {};
    if (keyTlv !== undefined) out.keyIdentifier = contentOf(buf, keyTlv);
    if (issuerTlv !== undefined) out.authorityCertIssuer = readGeneralNames(buf, issuerTlv);
    if (serialTlv !== undefined) {
      const content = contentOf(buf, serialTlv);
      if (integerFromContent(content, 64) < 0n) badExtension(NAME, 'authorityCertSerialNumber is negative');
      out.authorityCertSerialNumber = content.length > 1 && content[0] === 0 ? content.subarray(1) : content;
    }
    return out;
  });
}

/** DER of AuthorityKeyIdentifier. Issuer and serial must be both given or both omitted. */
export function encodeAuthorityKeyIdentifier(aki: AuthorityKeyIdentifier): Uint8Array {
  if ((aki.authorityCertIssuer === undefined) !== (aki.authorityCertSerialNumber === undefined)) {
    cannotEncode(NAME, 'authorityCertIssuer and authorityCertSerialNumber go together');
  }
  const parts: Uint8Array[] = [];
  if (aki.keyIdentifier !== undefined) parts.push(der.octets(aki.keyIdentifier, KEY_ID));
  if (aki.authorityCertIssuer !== undefined) parts.push(encodeGeneralNames(aki.authorityCertIssuer, ISSUER));
  if (aki.authorityCertSerialNumber !== undefined) parts.push(der.unsignedInt(aki.authorityCertSerialNumber, SERIAL));
  return der.seq(...parts);
}
