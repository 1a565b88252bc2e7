/**
 * How record values become column values and back, the same way in both engines, so that one
 * schema and one set of queries serve SQLite and PostgreSQL (docs/storage.md, "Column types").
 */

/**
 * Times are stored as ISO 8601 UTC text of fixed width, `YYYY-MM-DDTHH:MM:SS.sssZ` (24
 * characters), so that text order is time order in both engines (PostgreSQL columns use the "C"
 * collation, SQLite compares bytes). Years outside 0000–9999 would break the fixed width and are
 * refused; the 802.1AR "no expiration" notAfter (9999-12-31T23:59:59Z) still fits.
 */
export function timeToText(at: Date): string {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new TypeError('store: invalid Date');
  const text = at.toISOString();
  if (text.length !== 24) throw new TypeError(`store: the time ${text} is outside the years 0000-9999`);
  return text;
}

export function timeFromText(text: string): Date {
  return new Date(text);
}

export function optionalTimeToText(at: Date | null | undefined): string | null {
  return at === null || at === undefined ? null : timeToText(at);
}

export function optionalTimeFromText(text: string | null): Date | null {
  return text === null ? null : new Date(text);
}

/**
 * A cRLNumber is at most 20 octets (RFC 5280 5.2.3), a non-negative INTEGER, so below 2^159.
 * Stored as zero-padded decimal text of 48 digits (2^159 has 48), which orders numerically as
 * text and needs no 64-bit integer type (SQLite's INTEGER stops at 2^63, and pg returns int8
 * as a string anyway).
 */
export const CRL_NUMBER_DIGITS = 48;
const CRL_NUMBER_LIMIT = 1n << 159n;

export function crlNumberToText(n: bigint): string {
  if (typeof n !== 'bigint' || n < 0n || n >= CRL_NUMBER_LIMIT) {
    throw new TypeError('store: a cRLNumber is a bigint in 0 .. 2^159-1 (RFC 5280 5.2.3)');
  }
  return n.toString(10).padStart(CRL_NUMBER_DIGITS, '0');
}

export function crlNumberFromText(text: string): bigint {
  return BigInt(text);
}

/**
 * better-sqlite3 binds only Buffers as BLOBs, and pg serialises a plain Uint8Array as JSON; both
 * take a Buffer, so a Uint8Array is wrapped (no copy).
 */
export function bytesToColumn(bytes: Uint8Array): Buffer {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('store: binary values are Uint8Arrays');
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function optionalBytesToColumn(bytes: Uint8Array | null | undefined): Buffer | null {
  return bytes === null || bytes === undefined ? null : bytesToColumn(bytes);
}

/**
 * Both drivers return Buffers for BLOB/bytea. Records carry plain Uint8Arrays (a view of the same
 * memory, no copy), so a record read back equals the one written whatever the caller passed.
 */
export function bytesFromColumn(value: Uint8Array): Uint8Array {
  return Buffer.isBuffer(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : value;
}

export function optionalBytesFromColumn(value: Uint8Array | null): Uint8Array | null {
  return value === null ? null : bytesFromColumn(value);
}

/**
 * pg returns int8 (bigint columns, count(*)) as strings to keep precision; SQLite returns numbers.
 * The values read through here (audit seq, row counts, keyset positions) stay below 2^53.
 */
export function integerFromColumn(value: number | string | bigint): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new TypeError(`store: integer ${String(value)} is out of range`);
  return n;
}

/** Booleans are stored as 0/1 integers in both engines (SQLite has no boolean type). */
export function booleanToColumn(value: boolean): 0 | 1 {
  return value ? 1 : 0;
}

export function booleanFromColumn(value: number | string | boolean): boolean {
  return value === true || value === 1 || value === '1';
}
