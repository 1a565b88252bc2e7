import fc from 'fast-check';
import { KeylineError } from '../../../src/errors/keyline-error.js';
import { Tag } from '../../../src/x509/der/tags.js';
import { readTlv } from '../../../src/x509/der/tlv.js';
import * as der from '../../../src/x509/der/writer.js';
import { hardwareModuleNameOtherName } from '../../../src/x509/extensions/hardware-module-name.js';
import type { GeneralName } from '../../../src/x509/extensions/types.js';
import { encodeName } from '../../../src/x509/name/encode.js';
import { readName } from '../../../src/x509/name/parse.js';
import type { Name } from '../../../src/x509/name/types.js';
import { OID } from '../../../src/x509/oids.js';

/** Bytes from hex, whitespace ignored. */
export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** The KeylineError thrown by `fn` (fails the test if it returns or throws anything else). */
export function errorOf(fn: () => unknown): KeylineError {
  try {
    fn();
  } catch (error) {
    if (error instanceof KeylineError) return error;
    throw new Error(`expected a KeylineError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a KeylineError, but the call returned');
}

/** The code of the KeylineError thrown by `fn`. */
export function codeOf(fn: () => unknown): string {
  return errorOf(fn).code;
}

/** The code a wrapped ERR_X509_BAD_EXTENSION carries in detail.reason (or the code itself). */
export function reasonOf(fn: () => unknown): string {
  const error = errorOf(fn);
  const reason = error.detail?.['reason'];
  return typeof reason === 'string' ? reason : error.code;
}

/** A Name from attributes given first RDN first. */
export function nameOf(rdns: Array<Array<{ type: string; value: string; tag?: number }>>): Name {
  const encoded = encodeName(rdns);
  return readName(encoded, readTlv(encoded, 0, encoded.length));
}

// ---- fast-check arbitraries ----

export const asciiString = (maxLength = 40): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength });

export const bytes = (minLength: number, maxLength: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength, maxLength });

/** Dotted OIDs that DER can hold (first arcs valid, arcs below 2^63, short). */
export const oidArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.integer({ min: 0, max: 2 }),
    fc.integer({ min: 0, max: 39 }),
    fc.array(fc.oneof(fc.nat(200), fc.bigInt({ min: 0n, max: (1n << 63n) - 1n })), { maxLength: 8 }),
  )
  .map(([a, b, rest]) => [a, b, ...rest].map(String).join('.'));

const attributeType = fc.constantFrom(
  OID.commonName,
  OID.organizationName,
  OID.organizationalUnitName,
  OID.countryName,
  OID.serialNumber,
  OID.domainComponent,
  OID.emailAddress,
  '1.3.6.1.4.1.99999.7',
);

/** Attribute values: printable-safe and arbitrary Unicode, chosen so the default string type can hold them. */
const attributeArb = attributeType.chain((type) =>
  (type === OID.emailAddress || type === OID.domainComponent
    ? asciiString(30)
    : fc.string({ unit: 'grapheme', maxLength: 20 })
  ).map((value) => ({ type, value })),
);

/** Decoded Names built through encodeName (so they are DER). */
export const nameArb: fc.Arbitrary<Name> = fc
  .array(fc.array(attributeArb, { minLength: 1, maxLength: 3 }), { maxLength: 5 })
  .map((rdns) => nameOf(rdns));

/** A DER element to stand in for an ANY value. */
export const anyDerArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  asciiString(20).map((s) => der.ia5(s)),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => der.utf8(s)),
  bytes(0, 20).map((b) => der.octets(b)),
  fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }).map((n) => der.int(n)),
  fc.constant(der.seq()),
);

export const generalNameArb: fc.Arbitrary<GeneralName> = fc.oneof(
  asciiString().map((value) => ({ type: 'dns' as const, value })),
  asciiString().map((value) => ({ type: 'email' as const, value })),
  asciiString().map((value) => ({ type: 'uri' as const, value })),
  fc
    .constantFrom(4, 16, 8, 32)
    .chain((n) => bytes(n, n))
    .map((value) => ({ type: 'ip' as const, value })),
  nameArb.map((value) => ({ type: 'directoryName' as const, value })),
  oidArb.map((value) => ({ type: 'registeredId' as const, value })),
  fc
    .tuple(
      oidArb.filter((o) => o !== OID.hardwareModuleName),
      anyDerArb,
    )
    .map(([typeId, value]) => ({ type: 'otherName' as const, typeId, value })),
  fc.tuple(oidArb, bytes(0, 24)).map(([hwType, serial]) => hardwareModuleNameOtherName(hwType, serial)),
  anyDerArb.map((inner) => ({ type: 'x400Address' as const, raw: der.tlv(0xa3, inner) })),
  asciiString(10).map((s) => ({ type: 'ediPartyName' as const, raw: der.tlv(0xa5, der.explicit(1, der.utf8(s))) })),
);

export const generalNamesArb = fc.array(generalNameArb, { minLength: 1, maxLength: 4 });

/** Tag constants re-exported for fixtures. */
export { Tag, der };
