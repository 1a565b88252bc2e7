import type { ErrorSpec } from '../spec.js';

/** Failures of the strict DER decoder (X.690 DER, with Keyline's size bounds). */
export const DER_ERRORS = {
  ERR_DER_TRUNCATED: { message: 'DER input ends before the element it announces', kind: 'input' },
  ERR_DER_TRAILING_BYTES: { message: 'DER input has bytes after its last element', kind: 'input' },
  ERR_DER_INDEFINITE_LENGTH: { message: 'DER forbids indefinite lengths', kind: 'input' },
  ERR_DER_NON_MINIMAL_LENGTH: { message: 'DER length is not encoded in the fewest octets', kind: 'input' },
  ERR_DER_LENGTH_TOO_LARGE: { message: 'DER length is larger than the input or the allowed size', kind: 'input' },
  ERR_DER_HIGH_TAG_NUMBER: { message: 'DER tag numbers above 30 are not used in X.509 and are refused', kind: 'input' },
  ERR_DER_UNEXPECTED_TAG: { message: 'DER element has an unexpected tag', kind: 'input' },
  ERR_DER_TOO_DEEP: { message: 'DER nesting is deeper than allowed', kind: 'input' },
  ERR_DER_TOO_MANY_ELEMENTS: { message: 'DER input has more elements than allowed', kind: 'input' },
  ERR_DER_TOO_LARGE: { message: 'DER input is larger than allowed', kind: 'input' },
  ERR_DER_NON_MINIMAL_INTEGER: { message: 'DER INTEGER is not minimally encoded', kind: 'input' },
  ERR_DER_EMPTY_INTEGER: { message: 'DER INTEGER has no content octets', kind: 'input' },
  ERR_DER_BAD_BOOLEAN: { message: 'DER BOOLEAN must be one octet, 0x00 or 0xFF', kind: 'input' },
  ERR_DER_BAD_NULL: { message: 'DER NULL must be empty', kind: 'input' },
  ERR_DER_BAD_BIT_STRING: { message: 'DER BIT STRING has bad unused-bit count or non-zero padding', kind: 'input' },
  ERR_DER_BAD_OID: { message: 'OBJECT IDENTIFIER is malformed', kind: 'input' },
  ERR_DER_OID_TOO_LONG: { message: 'OBJECT IDENTIFIER is longer than allowed', kind: 'input' },
  ERR_DER_OID_ARC_TOO_LARGE: { message: 'OBJECT IDENTIFIER has an arc of 2^64 or more', kind: 'input' },
  ERR_DER_BAD_TIME: { message: 'UTCTime or GeneralizedTime is malformed', kind: 'input' },
  ERR_DER_BAD_STRING: { message: 'character string holds characters its type does not allow', kind: 'input' },
  ERR_DER_CONSTRUCTED_PRIMITIVE: { message: 'DER requires the primitive form for this type', kind: 'input' },
  ERR_DER_BAD_SET_ORDER: { message: 'DER SET OF elements are not in ascending order', kind: 'input' },
  ERR_DER_INTEGER_TOO_LARGE: { message: 'INTEGER does not fit the range allowed here', kind: 'input' },
} as const satisfies Record<string, ErrorSpec>;
