import { ATTRIBUTE_SHORT_NAMES, OID } from '../oids.js';

const DOTTED = /^(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*))+$/;

/** Long names (X.520 / RFC 4519 spelling, e.g. `commonName`) of the attribute types that have short names. */
const LONG_NAMES: ReadonlyArray<readonly [string, string]> = Object.entries(OID).filter(
  ([, oid]) => oid in ATTRIBUTE_SHORT_NAMES,
);

function lookupTable(extra: Readonly<Record<string, string>> | undefined): Map<string, string> {
  const table = new Map<string, string>();
  for (const [name, oid] of LONG_NAMES) table.set(name.toLowerCase(), oid);
  for (const [oid, short] of Object.entries(ATTRIBUTE_SHORT_NAMES)) table.set(short.toLowerCase(), oid);
  if (extra !== undefined) for (const [oid, short] of Object.entries(extra)) table.set(short.toLowerCase(), oid);
  return table;
}

const DEFAULT_TABLE = lookupTable(undefined);

/**
 * The dotted OID of an attribute type written as a dotted OID (optionally prefixed `OID.`, as
 * RFC 2253 allowed), a short name (`CN`, `O`, `C`, `DC`, `serialNumber`, … case-insensitive, as
 * RFC 4514 section 3 says) or a long name (`commonName`). `shortNames` (OID → name) adds names,
 * e.g. Keyline's own attribute types. Undefined when the name is unknown.
 */
export function attributeTypeOid(type: string, shortNames?: Readonly<Record<string, string>>): string | undefined {
  const trimmed = type.trim();
  const dotted = /^oid\./i.test(trimmed) ? trimmed.slice(4) : trimmed;
  if (DOTTED.test(dotted)) return dotted;
  const table = shortNames === undefined ? DEFAULT_TABLE : lookupTable(shortNames);
  return table.get(trimmed.toLowerCase());
}

/** The short name used to display an attribute type, or its dotted OID when it has none. */
export function attributeTypeName(oid: string, shortNames?: Readonly<Record<string, string>>): string {
  return shortNames?.[oid] ?? ATTRIBUTE_SHORT_NAMES[oid] ?? oid;
}
