/** Identifier octets (X.690 8.1.2) of the universal types X.509 uses, and helpers for context tags. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

export const CONSTRUCTED = 0x20;
export const CLASS_MASK = 0xc0;
export const CLASS_CONTEXT = 0x80;

/** `[n]` constructed (EXPLICIT tagging, or IMPLICIT of a constructed type). */
export function contextConstructed(n: number): number {
  return CLASS_CONTEXT | CONSTRUCTED | n;
}

/** `[n]` primitive (IMPLICIT tagging of a primitive type). */
export function contextPrimitive(n: number): number {
  return CLASS_CONTEXT | n;
}

export function isConstructed(tag: number): boolean {
  return (tag & CONSTRUCTED) !== 0;
}
