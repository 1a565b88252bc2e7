import { fail } from '../../errors/keyline-error.js';
import type { GeneralName } from './types.js';

/**
 * RFC 9039 device URNs (`urn:dev:…`), carried as URI GeneralNames in device certificates.
 *
 * Syntax (RFC 9039 section 3.2):
 *   devurn        = "urn:dev:" body componentpart
 *   body          = macbody / owbody / orgbody / osbody / opsbody / otherbody
 *   macbody       = %s"mac:" hexstring
 *   owbody        = %s"ow:" hexstring
 *   orgbody       = %s"org:" posnumber "-" identifier *( ":" identifier )
 *   osbody        = %s"os:" posnumber "-" serial *( ":" identifier )
 *   opsbody       = %s"ops:" posnumber "-" product "-" serial *( ":" identifier )
 *   otherbody     = subtype ":" identifier *( ":" identifier )
 *   componentpart = *( "_" identifier )
 *   identifier    = 1*( ALPHA / DIGIT / "." / "-" );  product = 1*( ALPHA / DIGIT / "." )
 *   hexstring     = 1*( hexdigit hexdigit ), lowercase a-f only;  posnumber = NZDIGIT *DIGIT
 *
 * Two readings we chose: the RFC prints `LALPHA = %x41-5A` (uppercase) while the rule's name and
 * every registered subtype are lowercase, so a `subtype` here is lowercase letters and digits
 * starting with a letter; and "urn:dev:" is matched case-insensitively (RFC 8141 section 3.1, and
 * ABNF quoted strings are case-insensitive) while everything after it is case-sensitive (%s).
 */
export type DeviceUrn =
  | {
      /** `mac`: an EUI-48 or EUI-64 MAC address; `ow`: a 1-Wire 64-bit identifier. */
      readonly kind: 'mac' | 'ow';
      /** Lowercase hex digits, an even number of them. */
      readonly hex: string;
      readonly components: readonly string[];
    }
  | {
      /** `org`: an identifier an organization (by its IANA Private Enterprise Number) assigns. */
      readonly kind: 'org';
      readonly enterpriseNumber: number;
      /** At least one identifier; the first follows the PEN after "-", the rest are ":"-separated. */
      readonly identifiers: readonly string[];
      readonly components: readonly string[];
    }
  | {
      /** `os`: an organization's serial number. */
      readonly kind: 'os';
      readonly enterpriseNumber: number;
      readonly serial: string;
      /** Further ":"-separated identifiers (possibly none). */
      readonly identifiers: readonly string[];
      readonly components: readonly string[];
    }
  | {
      /** `ops`: organization, product (no "-") and serial number: the form Keyline's devices use. */
      readonly kind: 'ops';
      readonly enterpriseNumber: number;
      readonly product: string;
      readonly serial: string;
      readonly identifiers: readonly string[];
      readonly components: readonly string[];
    }
  | {
      /** Any other (future) subtype, kept as its identifiers. */
      readonly kind: 'other';
      readonly subtype: string;
      readonly identifiers: readonly string[];
      readonly components: readonly string[];
    };

/** Longest device URN accepted; the syntax has no bound, a certificate field needs one. */
export const MAX_DEVICE_URN_LENGTH = 1024;

const PREFIX = 'urn:dev:';
const HEXSTRING = /^(?:[0-9a-f]{2})+$/;
const POSNUMBER = /^[1-9][0-9]*$/;
const IDENTIFIER = /^[A-Za-z0-9.-]+$/;
const IDENTIFIER_NODASH = /^[A-Za-z0-9.]+$/;
const SUBTYPE = /^[a-z][a-z0-9]*$/;
const KNOWN_SUBTYPES = new Set(['mac', 'ow', 'org', 'os', 'ops']);

function bad(text: string, why: string): never {
  return fail('ERR_X509_BAD_GENERAL_NAME', `"${text.slice(0, 80)}" is not an RFC 9039 device URN: ${why}`);
}

/** True when `uri` claims the `urn:dev:` namespace (whether or not the rest is valid). */
export function isDeviceUrn(uri: string): boolean {
  return uri.length >= PREFIX.length && uri.slice(0, PREFIX.length).toLowerCase() === PREFIX;
}

function enterpriseNumber(text: string, digits: string): number {
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) bad(text, 'enterprise number is too large');
  return n;
}

/** Splits `<posnumber>-<rest>` (the PEN has no "-", so the first "-" ends it). */
function splitPen(text: string, part: string): [number, string] {
  const dash = part.indexOf('-');
  const digits = dash < 0 ? part : part.slice(0, dash);
  if (dash < 0 || !POSNUMBER.test(digits)) bad(text, 'expected <enterprise number>-…');
  return [enterpriseNumber(text, digits), part.slice(dash + 1)];
}

function checkIdentifiers(text: string, ids: readonly string[], what: string): void {
  for (const id of ids)
    if (!IDENTIFIER.test(id)) bad(text, `${what} "${id.slice(0, 40)}" is not 1*(ALPHA / DIGIT / "." / "-")`);
}

/**
 * Parses and validates an RFC 9039 device URN. Throws ERR_X509_BAD_GENERAL_NAME when `uri` is not
 * one (use {@link isDeviceUrn} first to tell other URIs apart). `formatDeviceUrn` inverts it, with
 * the "urn:dev:" prefix in lowercase.
 */
export function parseDeviceUrn(uri: string): DeviceUrn {
  if (uri.length > MAX_DEVICE_URN_LENGTH) bad(uri, `longer than ${MAX_DEVICE_URN_LENGTH} characters`);
  if (!isDeviceUrn(uri)) bad(uri, 'does not start with "urn:dev:"');
  const rest = uri.slice(PREFIX.length);
  // No part of the body may contain "_", so the first "_" starts the component part.
  const underscore = rest.indexOf('_');
  const body = underscore < 0 ? rest : rest.slice(0, underscore);
  const components = underscore < 0 ? [] : rest.slice(underscore + 1).split('_');
  checkIdentifiers(uri, components, 'component');
  const parts = body.split(':');
  const subtype = parts[0]!;
  const first = parts[1];
  if (first === undefined) bad(uri, `subtype "${subtype.slice(0, 20)}" has no value`);
  const extra = parts.slice(2);
  switch (subtype) {
    case 'mac':
    case 'ow':
      if (extra.length > 0) bad(uri, `${subtype} takes exactly one hexstring`);
      if (!HEXSTRING.test(first)) bad(uri, `${subtype} value must be pairs of lowercase hex digits`);
      return { kind: subtype, hex: first, components };
    case 'org': {
      const [pen, id] = splitPen(uri, first);
      const identifiers = [id, ...extra];
      checkIdentifiers(uri, identifiers, 'identifier');
      return { kind: 'org', enterpriseNumber: pen, identifiers, components };
    }
    case 'os': {
      const [pen, serial] = splitPen(uri, first);
      checkIdentifiers(uri, [serial], 'serial');
      checkIdentifiers(uri, extra, 'identifier');
      return { kind: 'os', enterpriseNumber: pen, serial, identifiers: extra, components };
    }
    case 'ops': {
      const [pen, productAndSerial] = splitPen(uri, first);
      const dash = productAndSerial.indexOf('-');
      if (dash < 0) bad(uri, 'ops needs <enterprise number>-<product>-<serial>');
      const product = productAndSerial.slice(0, dash);
      const serial = productAndSerial.slice(dash + 1);
      if (!IDENTIFIER_NODASH.test(product)) bad(uri, 'product must be 1*(ALPHA / DIGIT / ".")');
      checkIdentifiers(uri, [serial], 'serial');
      checkIdentifiers(uri, extra, 'identifier');
      return { kind: 'ops', enterpriseNumber: pen, product, serial, identifiers: extra, components };
    }
    default: {
      if (!SUBTYPE.test(subtype)) bad(uri, `subtype "${subtype.slice(0, 20)}" is not lowercase letters and digits`);
      const identifiers = [first, ...extra];
      checkIdentifiers(uri, identifiers, 'identifier');
      return { kind: 'other', subtype, identifiers, components };
    }
  }
}

function cannot(why: string): never {
  return fail('ERR_X509_BUILD_INVALID', `cannot form an RFC 9039 device URN: ${why}`);
}

function checkPen(n: number): string {
  if (!Number.isSafeInteger(n) || n < 1) cannot('enterprise number must be a positive integer');
  return String(n);
}

function checkAll(ids: readonly string[], pattern: RegExp, what: string): void {
  for (const id of ids)
    if (!pattern.test(id)) cannot(`${what} "${id.slice(0, 40)}" has characters RFC 9039 does not allow`);
}

/**
 * Text of a device URN, validated against RFC 9039 (throws ERR_X509_BUILD_INVALID otherwise).
 * `parseDeviceUrn(formatDeviceUrn(u))` equals `u`.
 */
export function formatDeviceUrn(urn: DeviceUrn): string {
  checkAll(urn.components, IDENTIFIER, 'component');
  let body: string;
  switch (urn.kind) {
    case 'mac':
    case 'ow':
      if (!HEXSTRING.test(urn.hex)) cannot(`${urn.kind} value must be pairs of lowercase hex digits`);
      body = `${urn.kind}:${urn.hex}`;
      break;
    case 'org':
      if (urn.identifiers.length === 0) cannot('org needs at least one identifier');
      checkAll(urn.identifiers, IDENTIFIER, 'identifier');
      body = `org:${checkPen(urn.enterpriseNumber)}-${urn.identifiers.join(':')}`;
      break;
    case 'os':
      checkAll([urn.serial], IDENTIFIER, 'serial');
      checkAll(urn.identifiers, IDENTIFIER, 'identifier');
      body = [`os:${checkPen(urn.enterpriseNumber)}-${urn.serial}`, ...urn.identifiers].join(':');
      break;
    case 'ops':
      checkAll([urn.product], IDENTIFIER_NODASH, 'product');
      checkAll([urn.serial], IDENTIFIER, 'serial');
      checkAll(urn.identifiers, IDENTIFIER, 'identifier');
      body = [`ops:${checkPen(urn.enterpriseNumber)}-${urn.product}-${urn.serial}`, ...urn.identifiers].join(':');
      break;
    case 'other':
      if (!SUBTYPE.test(urn.subtype) || KNOWN_SUBTYPES.has(urn.subtype)) {
        cannot(`subtype "${urn.subtype.slice(0, 20)}" is not an unregistered lowercase subtype`);
      }
      if (urn.identifiers.length === 0) cannot('a subtype needs at least one identifier');
      checkAll(urn.identifiers, IDENTIFIER, 'identifier');
      body = `${urn.subtype}:${urn.identifiers.join(':')}`;
      break;
    default:
      throw new TypeError(`unknown device URN kind ${(urn as { kind: unknown }).kind as string}`);
  }
  const text = PREFIX + body + urn.components.map((c) => `_${c}`).join('');
  if (text.length > MAX_DEVICE_URN_LENGTH) cannot(`longer than ${MAX_DEVICE_URN_LENGTH} characters`);
  return text;
}

/** The URI GeneralName carrying a device URN (for subjectAltName). */
export function deviceUrnGeneralName(urn: DeviceUrn): GeneralName {
  return { type: 'uri', value: formatDeviceUrn(urn) };
}
