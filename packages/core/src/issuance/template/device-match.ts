import { Tag } from '../../x509/der/tags.js';
import { generalizedTimeFromContent, utcTimeFromContent } from '../../x509/der/time.js';

/**
 * The device fields a certificate claims, read from where a device template puts them, with the
 * offsets of its parts. The reading is lenient on purpose: `DeviceTemplate.match` writes the
 * certificate again from these fields and compares every octet, so a misreading can only make the
 * comparison fail, never make a certificate pass for another.
 */
export interface DeviceFieldsRead {
  /** INTEGER content of the serial (a leading 0x00 sign octet included). */
  readonly serial: Uint8Array;
  readonly notBefore: Uint8Array;
  readonly notAfter: Uint8Array;
  /** The subject's serialNumber (PrintableString), as text. */
  readonly serialNumber: string;
  /** The commonName (UTF8String) as text: the device id. */
  readonly deviceId: string;
  readonly tbsStart: number;
  readonly tbsEnd: number;
  readonly spkiStart: number;
  readonly spkiEnd: number;
}

/** One element's header as read: its content's start and end, or end -1 when it is not there. */
interface Header {
  valueStart: number;
  end: number;
}

/**
 * Reads the header of an element of `tag` at `offset` within `limit`: definite lengths up to four
 * octets. No minimality check here (the TBS is compared whole; the caller checks the outer ones).
 */
function readHeader(buf: Uint8Array, offset: number, limit: number, tag: number, out: Header): boolean {
  if (offset + 2 > limit || buf[offset] !== tag) return false;
  const first = buf[offset + 1]!;
  let pos = offset + 2;
  let length = first;
  if (first >= 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4 || pos + count > limit) return false;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos + i]!;
    pos += count;
  }
  const end = pos + length;
  if (end > limit) return false;
  out.valueStart = pos;
  out.end = end;
  return true;
}

/** The DER header size for `length` content octets (X.690 10.1: the fewest length octets). */
export function minimalHeaderSize(length: number): number {
  return length < 0x80 ? 2 : length < 0x100 ? 3 : length < 0x10000 ? 4 : 5;
}

/** Text of octets that are all below 0x80, or undefined. */
function asciiText(buf: Uint8Array, start: number, end: number): string | undefined {
  let text = '';
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c >= 0x80) return undefined;
    text += String.fromCharCode(c);
  }
  return text;
}

/**
 * Reads the device fields of a certificate laid out as `deviceLayout` writes it: version, serial,
 * signature algorithm, issuer, validity, a subject whose last two attributes are the serialNumber
 * and the commonName, and the SubjectPublicKeyInfo. Undefined when the structure is not that.
 */
export function readDeviceFields(der: Uint8Array): DeviceFieldsRead | undefined {
  const h: Header = { valueStart: 0, end: 0 };
  if (!readHeader(der, 0, der.length, Tag.SEQUENCE, h) || h.end !== der.length) return undefined;
  const tbsStart = h.valueStart;
  if (!readHeader(der, tbsStart, der.length, Tag.SEQUENCE, h)) return undefined;
  const tbsEnd = h.end;
  let p = h.valueStart;

  if (!readHeader(der, p, tbsEnd, 0xa0, h)) return undefined; // [0] version
  p = h.end;
  if (!readHeader(der, p, tbsEnd, Tag.INTEGER, h)) return undefined;
  const serial = der.subarray(h.valueStart, h.end);
  p = h.end;
  if (!readHeader(der, p, tbsEnd, Tag.SEQUENCE, h)) return undefined; // signature
  p = h.end;
  if (!readHeader(der, p, tbsEnd, Tag.SEQUENCE, h)) return undefined; // issuer
  p = h.end;

  if (!readHeader(der, p, tbsEnd, Tag.SEQUENCE, h)) return undefined; // validity
  const validityEnd = h.end;
  const notBeforeStart = h.valueStart;
  const timeTag = der[notBeforeStart];
  if (!readHeader(der, notBeforeStart, validityEnd, timeTag === Tag.UTC_TIME ? Tag.UTC_TIME : Tag.GENERALIZED_TIME, h))
    return undefined;
  const notBefore = der.subarray(notBeforeStart, h.end);
  const notAfterStart = h.end;
  const nextTag = der[notAfterStart];
  if (!readHeader(der, notAfterStart, validityEnd, nextTag === Tag.UTC_TIME ? Tag.UTC_TIME : Tag.GENERALIZED_TIME, h))
    return undefined;
  const notAfter = der.subarray(notAfterStart, h.end);
  p = validityEnd;

  if (!readHeader(der, p, tbsEnd, Tag.SEQUENCE, h)) return undefined; // subject
  const subjectEnd = h.end;
  let q = h.valueStart;
  // The last two RDNs' values: serialNumber, then commonName.
  let previous: [number, number] = [-1, -1];
  let last: [number, number] = [-1, -1];
  while (q < subjectEnd) {
    if (!readHeader(der, q, subjectEnd, Tag.SET, h)) return undefined;
    const setEnd = h.end;
    if (!readHeader(der, h.valueStart, setEnd, Tag.SEQUENCE, h)) return undefined;
    const attributeEnd = h.end;
    if (!readHeader(der, h.valueStart, attributeEnd, Tag.OID, h)) return undefined;
    const valueStart = h.end;
    const valueTag = der[valueStart]!;
    if (!readHeader(der, valueStart, attributeEnd, valueTag, h)) return undefined;
    previous = last;
    last = [h.valueStart, h.end];
    q = setEnd;
  }
  if (previous[0] < 0) return undefined;
  const serialNumber = asciiText(der, previous[0], previous[1]);
  const deviceId = asciiText(der, last[0], last[1]);
  if (serialNumber === undefined || deviceId === undefined) return undefined;
  p = subjectEnd;

  if (!readHeader(der, p, tbsEnd, Tag.SEQUENCE, h)) return undefined; // subjectPublicKeyInfo
  return {
    serial,
    notBefore,
    notAfter,
    serialNumber,
    deviceId,
    tbsStart,
    tbsEnd,
    spkiStart: p,
    spkiEnd: h.end,
  };
}

/** The time a DER Time encodes (ms since the epoch), or undefined when it is not a valid one. */
export function timeOf(encoding: Uint8Array): number | undefined {
  try {
    const content = encoding.subarray(2);
    const date = encoding[0] === Tag.UTC_TIME ? utcTimeFromContent(content) : generalizedTimeFromContent(content);
    return date.getTime();
  } catch {
    return undefined;
  }
}

/** The octets of lowercase or uppercase hex text of even length, or undefined. */
export function octetsOfHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const high = hexValue(text.charCodeAt(2 * i));
    const low = hexValue(text.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) return undefined;
    out[i] = (high << 4) | low;
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * The signature value of a certificate whose TBS ends at `tbsEnd`, when what follows is exactly
 * `algorithm` and a BIT STRING with no unused bits reaching the end of `der`, and the outer
 * SEQUENCE and BIT STRING headers are minimal DER; else undefined.
 */
export function readSignatureTail(
  der: Uint8Array,
  tbsStart: number,
  tbsEnd: number,
  algorithm: Uint8Array,
): Uint8Array | undefined {
  if (tbsStart !== minimalHeaderSize(der.length - tbsStart)) return undefined;
  let p = tbsEnd;
  if (p + algorithm.length > der.length) return undefined;
  for (let i = 0; i < algorithm.length; i++) if (der[p + i] !== algorithm[i]) return undefined;
  p += algorithm.length;
  const h: Header = { valueStart: 0, end: 0 };
  if (!readHeader(der, p, der.length, Tag.BIT_STRING, h) || h.end !== der.length) return undefined;
  const length = h.end - h.valueStart;
  if (h.valueStart - p !== minimalHeaderSize(length) || length < 2 || der[h.valueStart] !== 0) return undefined;
  return der.subarray(h.valueStart + 1, h.end);
}
