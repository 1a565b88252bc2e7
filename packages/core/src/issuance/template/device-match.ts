import { isKeylineError } from '../../errors/keyline-error.js';
import { Tag } from '../../x509/der/tags.js';
import { readTime } from '../../x509/der/time.js';
import { readTlv, readTlvInto, type MutableTlv } from '../../x509/der/tlv.js';

/**
 * The device fields a certificate claims, read from where a device template puts them, with the
 * offsets of its parts. Only the headers on the way are read (DER rules, `readTlvInto`), not what
 * lies between: `DeviceTemplate.match` writes the TBS again from these fields and compares every
 * octet, so a misreading can only make the comparison fail, never make a certificate pass for
 * another.
 */
export interface DeviceFieldsRead {
  /** INTEGER content of the serial (a leading 0x00 sign octet included). */
  readonly serial: Uint8Array;
  /** The two Time encodings, header included. */
  readonly notBefore: Uint8Array;
  readonly notAfter: Uint8Array;
  /** The subject's next-to-last attribute value (a template's serialNumber), as latin1 text. */
  readonly serialNumber: string;
  /** The subject's last attribute value (a template's commonName, the device id), as latin1 text. */
  readonly deviceId: string;
  readonly tbsStart: number;
  readonly tbsEnd: number;
  readonly spkiStart: number;
  readonly spkiEnd: number;
  /** The signature value after the template's algorithm (the BIT STRING content after its unused-bits octet). */
  readonly signatureValue: Uint8Array;
}

/**
 * Reads the device fields of a certificate laid out as `deviceLayout` writes it: version, serial,
 * signature algorithm, issuer, validity, a subject whose last two attributes are the serialNumber
 * and the commonName, the SubjectPublicKeyInfo; after the TBS exactly `algorithm`, then a BIT STRING
 * with no unused bits ending the DER. Undefined when the structure is not that.
 */
export function readDeviceFields(der: Uint8Array, algorithm: Uint8Array): DeviceFieldsRead | undefined {
  try {
    return readFields(der, algorithm);
  } catch (error) {
    if (isKeylineError(error)) return undefined; // a header that breaks DER
    throw error;
  }
}

/** The time a DER Time encoding holds (ms since the epoch), or undefined when it is not a valid one. */
export function timeOf(encoding: Uint8Array): number | undefined {
  try {
    return readTime(encoding, readTlv(encoding, 0, encoding.length)).getTime();
  } catch (error) {
    if (isKeylineError(error)) return undefined;
    throw error;
  }
}

function readFields(der: Uint8Array, algorithm: Uint8Array): DeviceFieldsRead | undefined {
  const e: MutableTlv = { tag: 0, start: 0, valueStart: 0, end: 0 };
  const at = (offset: number, limit: number, tag: number): boolean => readTlvInto(der, offset, limit, e).tag === tag;
  const isTime = (offset: number, limit: number): boolean => {
    const tag = readTlvInto(der, offset, limit, e).tag;
    return tag === Tag.UTC_TIME || tag === Tag.GENERALIZED_TIME;
  };

  if (!at(0, der.length, Tag.SEQUENCE) || e.end !== der.length) return undefined;
  const tbsStart = e.valueStart;
  if (!at(tbsStart, der.length, Tag.SEQUENCE)) return undefined;
  const tbsEnd = e.end;
  if (!at(e.valueStart, tbsEnd, 0xa0)) return undefined; // [0] version
  if (!at(e.end, tbsEnd, Tag.INTEGER)) return undefined;
  const serial = der.subarray(e.valueStart, e.end);
  if (!at(e.end, tbsEnd, Tag.SEQUENCE)) return undefined; // signature
  if (!at(e.end, tbsEnd, Tag.SEQUENCE)) return undefined; // issuer
  if (!at(e.end, tbsEnd, Tag.SEQUENCE)) return undefined; // validity
  const validityEnd = e.end;
  if (!isTime(e.valueStart, validityEnd)) return undefined;
  const notBefore = der.subarray(e.start, e.end);
  if (!isTime(e.end, validityEnd)) return undefined;
  const notAfter = der.subarray(e.start, e.end);

  if (!at(validityEnd, tbsEnd, Tag.SEQUENCE)) return undefined; // subject
  const subjectEnd = e.end;
  // The last two RDNs' values: serialNumber, then commonName.
  let previous: [number, number] | undefined;
  let last: [number, number] | undefined;
  for (let q = e.valueStart; q < subjectEnd;) {
    if (!at(q, subjectEnd, Tag.SET)) return undefined;
    const setEnd = e.end;
    if (!at(e.valueStart, setEnd, Tag.SEQUENCE)) return undefined;
    const attributeEnd = e.end;
    if (!at(e.valueStart, attributeEnd, Tag.OID)) return undefined;
    readTlvInto(der, e.end, attributeEnd, e); // the value, of any string type
    previous = last;
    last = [e.valueStart, e.end];
    q = setEnd;
  }
  if (previous === undefined || last === undefined) return undefined;

  if (!at(subjectEnd, tbsEnd, Tag.SEQUENCE)) return undefined; // subjectPublicKeyInfo
  const spkiStart = e.start;
  const spkiEnd = e.end;

  if (tbsEnd + algorithm.length > der.length) return undefined;
  for (let i = 0; i < algorithm.length; i++) if (der[tbsEnd + i] !== algorithm[i]) return undefined;
  if (!at(tbsEnd + algorithm.length, der.length, Tag.BIT_STRING) || e.end !== der.length) return undefined;
  if (e.end - e.valueStart < 2 || der[e.valueStart] !== 0) return undefined;

  return {
    serial,
    notBefore,
    notAfter,
    serialNumber: latin1(der, previous),
    deviceId: latin1(der, last),
    tbsStart,
    tbsEnd,
    spkiStart,
    spkiEnd,
    signatureValue: der.subarray(e.valueStart + 1, e.end),
  };
}

function latin1(der: Uint8Array, [start, end]: [number, number]): string {
  return Buffer.from(der.buffer, der.byteOffset + start, end - start).toString('latin1');
}
