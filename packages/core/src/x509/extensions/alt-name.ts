import { Tag } from '../der/tags.js';
import { decodeExtensionValue, expectTop } from './decode-value.js';
import { encodeGeneralNames, readGeneralNames } from './general-name.js';
import type { GeneralName } from './types.js';

function decodeAltName(value: Uint8Array, name: string): GeneralName[] {
  return decodeExtensionValue(value, name, (buf, top) => {
    expectTop(top, Tag.SEQUENCE, name, 'GeneralNames');
    return readGeneralNames(buf, top);
  });
}

/**
 * Decodes `SubjectAltName ::= GeneralNames` (RFC 5280 4.2.1.6): at least one name. Which kinds
 * are allowed (e.g. iPAddress of 8 or 32 octets is meant only for name constraints) is judged by
 * the caller.
 */
export function decodeSubjectAltName(value: Uint8Array): GeneralName[] {
  return decodeAltName(value, 'subjectAltName');
}

/** Decodes `IssuerAltName ::= GeneralNames` (RFC 5280 4.2.1.7). */
export function decodeIssuerAltName(value: Uint8Array): GeneralName[] {
  return decodeAltName(value, 'issuerAltName');
}

/** DER of SubjectAltName (GeneralNames, at least one). */
export function encodeSubjectAltName(names: readonly GeneralName[]): Uint8Array {
  return encodeGeneralNames(names);
}

/** DER of IssuerAltName (GeneralNames, at least one). */
export function encodeIssuerAltName(names: readonly GeneralName[]): Uint8Array {
  return encodeGeneralNames(names);
}
