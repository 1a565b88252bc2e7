import { fail } from '@keyline/core';
import { isUnreserved, percentDecode, percentDecodeText, percentEncode } from './percent.js';

/** PKCS#11 object classes a URI may name (RFC 7512 2.3 "type"). */
export type Pkcs11ObjectType = 'public' | 'private' | 'cert' | 'secret-key' | 'data';

/**
 * An RFC 7512 PKCS#11 URI, decoded. Path attributes select the library, slot, token and object;
 * query attributes say how to reach them (module, PIN). Vendor attributes (`x-…`) are accepted and
 * ignored.
 */
export interface Pkcs11KeyUri {
  readonly scheme: 'pkcs11';
  // Token (CK_TOKEN_INFO): label, manufacturerID, serialNumber, model.
  readonly token?: string;
  readonly manufacturer?: string;
  readonly serial?: string;
  readonly model?: string;
  // Slot (CK_SLOT_INFO and the slot id).
  readonly slotDescription?: string;
  readonly slotManufacturer?: string;
  readonly slotId?: bigint;
  // Library (CK_INFO).
  readonly libraryManufacturer?: string;
  readonly libraryDescription?: string;
  readonly libraryVersion?: { readonly major: number; readonly minor: number };
  // Object: CKA_LABEL, CKA_CLASS, CKA_ID (binary).
  readonly object?: string;
  readonly type?: Pkcs11ObjectType;
  readonly id?: Uint8Array;
  // Query.
  readonly pinValue?: string;
  readonly pinSource?: string;
  readonly moduleName?: string;
  readonly modulePath?: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Longest key URI read: far above any real one, and it bounds the work on hostile input. */
export const MAX_KEY_URI_LENGTH = 4096;

// RFC 7512 2.3: pk11-res-avail; the path also allows "&", the query "/", "?" and "|".
const RES_AVAIL = ":[]@!$'()*+,=";
const pathLiteral = (ch: string): boolean => isUnreserved(ch) || RES_AVAIL.includes(ch) || ch === '&';
const queryLiteral = (ch: string): boolean => isUnreserved(ch) || RES_AVAIL.includes(ch) || '/?|'.includes(ch);

const VENDOR_NAME = /^x-[A-Za-z0-9_-]+$/;
const TYPES: readonly Pkcs11ObjectType[] = ['public', 'private', 'cert', 'secret-key', 'data'];

const PATH_TEXT: Readonly<Record<string, keyof Pkcs11KeyUri>> = {
  token: 'token',
  manufacturer: 'manufacturer',
  serial: 'serial',
  model: 'model',
  'slot-description': 'slotDescription',
  'slot-manufacturer': 'slotManufacturer',
  'library-manufacturer': 'libraryManufacturer',
  'library-description': 'libraryDescription',
  object: 'object',
};
const QUERY_TEXT: Readonly<Record<string, keyof Pkcs11KeyUri>> = {
  'pin-value': 'pinValue',
  'pin-source': 'pinSource',
  'module-name': 'moduleName',
  'module-path': 'modulePath',
};

/**
 * Parses `pkcs11:` + path attributes separated by ";" + optionally "?" and query attributes
 * separated by "&" (RFC 7512 2.3). Strict: an unknown attribute name, a repeated attribute, a
 * character that must be escaped, a fragment, a bad `type`/`slot-id`/`library-version`,
 * or both `pin-value` and `pin-source` is ERR_KEY_BAD_URI.
 */
export function parsePkcs11KeyUri(uri: string): Pkcs11KeyUri {
  const body = uri.slice('pkcs11:'.length);
  if (body.includes('#')) fail('ERR_KEY_BAD_URI', 'a pkcs11: URI has no fragment ("#" must be %23)');
  const q = body.indexOf('?');
  const path = q < 0 ? body : body.slice(0, q);
  const query = q < 0 ? '' : body.slice(q + 1);
  const out: Mutable<Pkcs11KeyUri> = { scheme: 'pkcs11' };
  const seen = new Set<string>();
  for (const [name, raw] of attributes(path, ';', 'path')) {
    noRepeat(seen, name);
    const what = `pkcs11: URI attribute "${name}"`;
    const textKey = PATH_TEXT[name];
    if (textKey !== undefined) {
      (out as Record<string, unknown>)[textKey] = percentDecodeText(raw, pathLiteral, what);
    } else if (name === 'id') {
      out.id = percentDecode(raw, pathLiteral, what);
    } else if (name === 'type') {
      const type = percentDecodeText(raw, pathLiteral, what);
      if (!(TYPES as readonly string[]).includes(type))
        fail('ERR_KEY_BAD_URI', `${what} is not one of ${TYPES.join(', ')}`);
      out.type = type as Pkcs11ObjectType;
    } else if (name === 'slot-id') {
      // RFC 7512 2.3: slot-id = 1*DIGIT, a CK_SLOT_ID (an unsigned long).
      const text = percentDecodeText(raw, pathLiteral, what);
      if (!/^[0-9]{1,20}$/.test(text) || BigInt(text) > 0xffffffffffffffffn) {
        fail('ERR_KEY_BAD_URI', `${what} is not a decimal slot number`);
      }
      out.slotId = BigInt(text);
    } else if (name === 'library-version') {
      // RFC 7512 2.3: library-version = 1*DIGIT [ "." 1*DIGIT ] (CK_VERSION: two octets).
      const m = /^([0-9]{1,3})(?:\.([0-9]{1,3}))?$/.exec(percentDecodeText(raw, pathLiteral, what));
      const major = Number(m?.[1]);
      const minor = Number(m?.[2] ?? '0');
      if (m === null || major > 255 || minor > 255) fail('ERR_KEY_BAD_URI', `${what} is not a version like 2.40`);
      out.libraryVersion = { major, minor };
    } else if (VENDOR_NAME.test(name)) {
      percentDecode(raw, pathLiteral, what); // checked, then ignored
    } else {
      fail('ERR_KEY_BAD_URI', `pkcs11: URI has an unknown path attribute "${name}"`);
    }
  }
  for (const [name, raw] of attributes(query, '&', 'query')) {
    noRepeat(seen, name);
    const what = `pkcs11: URI attribute "${name}"`;
    const textKey = QUERY_TEXT[name];
    if (textKey !== undefined) {
      (out as Record<string, unknown>)[textKey] = percentDecodeText(raw, queryLiteral, what);
    } else if (VENDOR_NAME.test(name)) {
      percentDecode(raw, queryLiteral, what);
    } else {
      fail('ERR_KEY_BAD_URI', `pkcs11: URI has an unknown query attribute "${name}"`);
    }
  }
  if (out.pinValue !== undefined && out.pinSource !== undefined) {
    fail('ERR_KEY_BAD_URI', 'pkcs11: URI has both pin-value and pin-source: keep one');
  }
  return out;
}

function* attributes(text: string, separator: string, part: string): Generator<[string, string]> {
  if (text === '') return;
  for (const attr of text.split(separator)) {
    const eq = attr.indexOf('=');
    if (eq <= 0) fail('ERR_KEY_BAD_URI', `pkcs11: URI ${part} has an attribute without a name or "="`);
    // RFC 7512 2.3 allows an empty value (*pk11-pchar): it matches an empty field.
    yield [attr.slice(0, eq), attr.slice(eq + 1)];
  }
}

function noRepeat(seen: Set<string>, name: string): void {
  // A repeated attribute would make the URI mean two things; RFC 7512 2.3 lets each appear once.
  if (seen.has(name)) fail('ERR_KEY_BAD_URI', `pkcs11: URI repeats the attribute "${name}"`);
  seen.add(name);
}

const pathKept = (ch: string): boolean => isUnreserved(ch) || ch === ':' || ch === '@';
const queryKept = (ch: string): boolean => isUnreserved(ch) || ch === ':' || ch === '@' || ch === '/';

export interface FormatPkcs11Options {
  /**
   * Keep `pin-value`. Default false: the URI Keyline records in its database never carries a PIN
   * (a `pin-source` file reference is kept).
   */
  readonly includePinValue?: boolean;
}

/** The canonical text of a PKCS#11 URI (fixed attribute order; `id` fully percent-encoded). */
export function formatPkcs11KeyUri(uri: Pkcs11KeyUri, options: FormatPkcs11Options = {}): string {
  const path: string[] = [];
  const text = (name: string, value: string | undefined): void => {
    if (value !== undefined) path.push(`${name}=${percentEncode(value, pathKept)}`);
  };
  text('token', uri.token);
  text('manufacturer', uri.manufacturer);
  text('serial', uri.serial);
  text('model', uri.model);
  text('slot-description', uri.slotDescription);
  text('slot-manufacturer', uri.slotManufacturer);
  if (uri.slotId !== undefined) path.push(`slot-id=${uri.slotId.toString(10)}`);
  text('library-manufacturer', uri.libraryManufacturer);
  text('library-description', uri.libraryDescription);
  if (uri.libraryVersion !== undefined) {
    path.push(`library-version=${uri.libraryVersion.major}.${uri.libraryVersion.minor}`);
  }
  text('object', uri.object);
  if (uri.type !== undefined) path.push(`type=${uri.type}`);
  if (uri.id !== undefined) path.push(`id=${percentEncode(uri.id, () => false)}`);
  const query: string[] = [];
  const q = (name: string, value: string | undefined): void => {
    if (value !== undefined) query.push(`${name}=${percentEncode(value, queryKept)}`);
  };
  q('module-name', uri.moduleName);
  q('module-path', uri.modulePath);
  q('pin-source', uri.pinSource);
  if (options.includePinValue === true) q('pin-value', uri.pinValue);
  return `pkcs11:${path.join(';')}${query.length === 0 ? '' : `?${query.join('&')}`}`;
}
