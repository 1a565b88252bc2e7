import {
  ATTRIBUTE_SHORT_NAMES,
  KEYLINE_ATTRIBUTE,
  KEYLINE_ATTRIBUTE_SHORT_NAMES,
  OID,
  Tag,
  encodeName,
  fail,
  formatName,
  parseDer,
  readName,
  type Name,
  type NameAttributeInput,
} from '@keyline/core';

const SHORT_NAMES: Readonly<Record<string, string>> = { ...ATTRIBUTE_SHORT_NAMES, ...KEYLINE_ATTRIBUTE_SHORT_NAMES };

/** RFC 4514 rendering of a name with Keyline's attribute names, for records and messages. */
export function displayName(name: Pick<Name, 'rdns'>): string {
  return formatName(name, { shortNames: SHORT_NAMES });
}

/** RFC 4514 rendering of a DER Name. */
export function displayNameDer(nameDer: Uint8Array): string {
  return displayName(readName(nameDer, parseDer(nameDer)));
}

/** The value of the first `type` attribute of a name. */
export function attributeOf(name: Pick<Name, 'rdns'>, type: string): string | undefined {
  for (const rdn of name.rdns) for (const a of rdn) if (a.type === type) return a.value;
  return undefined;
}

/** Whether `text` holds C0 or C1 control characters (never wanted in names, ids or logs). */
export function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** Checks a directory string an operator typed: 1–64 characters (X.520 ub-common-name), no controls. */
export function checkDirectoryString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) fail('ERR_CA_BAD_INPUT', `${field} is required`);
  const trimmed = value.trim();
  if ([...trimmed].length > 64) fail('ERR_CA_BAD_INPUT', `${field} has more than 64 characters (X.520)`);
  if (hasControlCharacters(trimmed)) fail('ERR_CA_BAD_INPUT', `${field} holds control characters`);
  return trimmed;
}

/** What names a CA: the same layout core's CA builders write (KECP 5.1–5.3). */
export interface CaNameParts {
  readonly commonName: string;
  readonly organization: string;
  readonly manufacturerId?: string | undefined;
  readonly productId?: string | undefined;
}

/**
 * DER of a CA subject laid out as core's `rootCertificateFields`/`subordinateCaFields` write it,
 * one attribute per RDN: O, keylineManufacturerId, keylineProductId, CN. Used for the CSR of a CA
 * whose parent is offline, so the request names the CA as its certificate will.
 */
export function caSubjectDer(parts: CaNameParts): Uint8Array {
  const rdns: NameAttributeInput[] = [{ type: OID.organizationName, value: parts.organization }];
  if (parts.manufacturerId !== undefined) {
    rdns.push({ type: KEYLINE_ATTRIBUTE.manufacturerId, value: parts.manufacturerId, tag: Tag.UTF8_STRING });
  }
  if (parts.productId !== undefined) {
    rdns.push({ type: KEYLINE_ATTRIBUTE.productId, value: parts.productId, tag: Tag.UTF8_STRING });
  }
  rdns.push({ type: OID.commonName, value: parts.commonName });
  return encodeName(rdns.map((a) => [a]));
}
