import { hashBytes } from '../../crypto/one-shot-hash.js';
import { fail } from '../../errors/keyline-error.js';
import { addYears } from '../../policy/lint/helpers.js';
import { assertLintClean } from '../../policy/lint/lint.js';
import { MIN_SERIAL_OCTETS } from '../../policy/lint/rules/kecp-serial-entropy.js';
import { DEVICE_PROFILE } from '../../policy/profiles/device.js';
import { MAX_SERIAL_CONTENT_OCTETS } from '../../x509/certificate/builder-fields.js';
import { assembleCertificate, buildTbsCertificate, type CertificateFields } from '../../x509/certificate/builder.js';
import { Certificate } from '../../x509/certificate/certificate.js';
import { Tag } from '../../x509/der/tags.js';
import { NO_EXPIRATION } from '../../x509/der/time.js';
import {
  deviceCertificateFields,
  P256_POINT_LENGTH,
  P256_SPKI_PREFIX,
  type DeviceCertificateInput,
} from './device-input.js';
import { resolveDeviceSpec, type DeviceSpec, type DeviceTemplateOptions } from './device-spec.js';
import {
  CHIP_SERIAL,
  DEVICE_ID,
  deviceLayout,
  KEY_ID,
  KEY_ID_LENGTH,
  NOT_AFTER,
  NOT_BEFORE,
  POINT,
  SERIAL,
  SERIAL_NUMBER,
  SLOT_COUNT,
} from './device-layout.js';
import {
  compileLayout,
  computeLengths,
  headerSize,
  writeHeader,
  writeLayout,
  type CompiledLayout,
  type SlotWriter,
} from './layout.js';
import { timeLength, writeTime } from './time-writer.js';
import { readDeviceFields, timeOf } from './device-match.js';
import type { DeviceShapeMatch } from '../../trust/device/leaf-shapes.js';

/** Length-specialised layouts a template keeps by default. */
const DEFAULT_SPECIALISED_LAYOUTS = 64;
/** Octets per output slab: a hundred certificates or so. */
const SLAB_SIZE = 64 * 1024;
const MS_PER_DAY = 86_400_000;
const NO_EXPIRATION_MS = NO_EXPIRATION.getTime();
const MIN_MS = -62167219200000; // 0000-01-01T00:00:00Z

/** Lowercase hex digits of each octet value, as character codes. */
const HEX_HIGH = new Uint8Array(256);
const HEX_LOW = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  HEX_HIGH[b] = '0123456789abcdef'.charCodeAt(b >> 4);
  HEX_LOW[b] = '0123456789abcdef'.charCodeAt(b & 15);
}

/** X.680 41.4 PrintableString characters, by code. */
const PRINTABLE = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?")
  PRINTABLE[ch.charCodeAt(0)] = 1;

/** Performance knobs of a template; the output never depends on them. */
export interface DeviceTemplateTuning {
  /**
   * How many layouts specialised to one combination of field lengths to keep (default 64; 0 uses
   * the generic layout only). Each costs a compile the first time its lengths are seen.
   */
  readonly specialisedLayouts?: number;
}

/** One-shot digest (crypto/one-shot-hash.ts: the cheapest call into OpenSSL for a short input). */
const digest: (algorithm: string, data: Uint8Array) => Uint8Array = hashBytes;

function invalid(message: string): never {
  return fail('ERR_X509_BUILD_INVALID', `device certificate: ${message}`);
}

/**
 * The fast issuance path for device IDevIDs (KECP 5.4) under one issuing CA.
 *
 * `compile` encodes once everything a batch shares (version, signature algorithm, issuer name, the
 * manufacturer and product attributes, keyUsage, AKI, certificatePolicies, …) into a layout with
 * holes. `issue` then validates one device's fields, writes them into the holes (serial, validity,
 * subject serialNumber and commonName, public key, its key identifier, the subjectAltName's chip
 * serial and device URN) with the headers their lengths give (precomputed per combination of
 * lengths, which a batch rarely varies), signs the TBS with the signer's synchronous path
 * (node:crypto) and wraps it: no BigInt, no Date objects, and per
 * certificate only its output view (cut from a shared slab) besides the signature and key-identifier
 * buffers node:crypto returns.
 *
 * The output is byte-identical to the general builder's (`buildCertificate(template.fields(input))`);
 * tests check that on thousands of random devices. Compiling lints a sample certificate against the
 * device profile; each device's variable fields are checked against KECP 4.1, 4.3, 4.4 and 6.1 as
 * they are written. Not checked on the hot path: that the point lies on the curve (that needs field
 * arithmetic worth a sizeable fraction of the signature; the factory checks the element's key by a
 * signed challenge).
 */
export class DeviceTemplate {
  readonly spec: DeviceSpec;
  /** The layout for any slot lengths: headers on the variable path are computed per certificate. */
  private readonly generic: CompiledLayout;
  /** Layouts compiled for one set of slot lengths (all headers constant), by the key `layoutFor` packs. */
  private readonly specialised = new Map<number, CompiledLayout>();
  private readonly maxSpecialised: number;
  private readonly slotLengths = new Int32Array(SLOT_COUNT);
  private readonly contentLengths: Int32Array;
  private scratch = new Uint8Array(1024);
  /** The scratch buffer's view of the last TBS (reused while the TBS length repeats). */
  private tbsView = this.scratch.subarray(0, 0);
  /** Output certificates are cut from slabs: one small allocation per certificate is a view, not a buffer. */
  private slab = new Uint8Array(SLAB_SIZE);
  private slabOffset = 0;
  private readonly writeSlot: SlotWriter;
  private readonly issuerNotBefore: number;
  private readonly issuerNotAfter: number;
  private readonly maxYears: number;
  private readonly keyIdHash: 'sha1' | 'sha256' | undefined;

  // The device being written (set by `prepare`, read by the slot writer).
  private serial: Uint8Array = new Uint8Array(0);
  private serialStart = 0;
  private serialPad = 0;
  private notBefore = 0;
  private notAfter = 0;
  private chipSerial: Uint8Array = new Uint8Array(0);
  private serialNumber: string | undefined;
  private key: Uint8Array = new Uint8Array(0);
  private keyOffset = 0;
  private keyId: Uint8Array = new Uint8Array(0);
  // The last notBefore and notAfter written, and their encodings (octet 0 holds the length).
  private readonly timeCacheMs = [Number.NaN, Number.NaN];
  private readonly timeCache = [new Uint8Array(18), new Uint8Array(18)];

  private constructor(spec: DeviceSpec, maxSpecialised: number) {
    this.spec = spec;
    this.generic = compileLayout(deviceLayout(spec));
    this.maxSpecialised = maxSpecialised;
    this.contentLengths = new Int32Array(this.generic.elementCount);
    this.issuerNotBefore = spec.issuer.notBefore.getTime();
    this.issuerNotAfter = spec.issuer.notAfter.getTime();
    this.maxYears = spec.maxYears ?? Number.POSITIVE_INFINITY;
    this.keyIdHash =
      spec.subjectKeyIdentifier === false ? undefined : spec.subjectKeyIdentifier === 'sha1' ? 'sha1' : 'sha256';
    this.slotLengths[POINT] = P256_POINT_LENGTH;
    this.slotLengths[KEY_ID] = KEY_ID_LENGTH;
    this.writeSlot = (id, buf, offset) => this.writeSlotContent(id, buf, offset);
  }

  /**
   * Compiles a template for `options`. Refuses (ERR_X509_BUILD_INVALID) options the device profile
   * does not allow, a signer whose key is not the issuer's, and a layout that does not reproduce
   * the general builder's encoding of a sample device; refuses with ERR_POLICY_LINT_FAILED when
   * that sample does not lint clean against the device profile with this issuer.
   */
  static compile(options: DeviceTemplateOptions, tuning: DeviceTemplateTuning = {}): DeviceTemplate {
    const template = new DeviceTemplate(
      resolveDeviceSpec(options),
      tuning.specialisedLayouts ?? DEFAULT_SPECIALISED_LAYOUTS,
    );
    template.selfCheck();
    return template;
  }

  /** The issuing CA's certificate. */
  get issuer(): Certificate {
    return this.spec.issuer;
  }

  /** Issues one device certificate: its DER. Refuses invalid device fields with ERR_X509_BUILD_INVALID. */
  issue(input: DeviceCertificateInput): Uint8Array {
    const length = this.writeTbs(input);
    if (this.tbsView.length !== length || this.tbsView.buffer !== this.scratch.buffer) {
      this.tbsView = this.scratch.subarray(0, length);
    }
    const tbs = this.tbsView;
    return this.wrap(tbs, this.spec.signer.signSync(tbs));
  }

  /** The TBSCertificate for one device (a copy), for issuance that lints or records the TBS before signing it. */
  tbs(input: DeviceCertificateInput): Uint8Array {
    return this.scratch.slice(0, this.writeTbs(input));
  }

  /** Signs a TBS this template produced and returns the certificate's DER. */
  sign(tbs: Uint8Array): Uint8Array {
    return this.wrap(tbs, this.spec.signer.signSync(tbs));
  }

  /**
   * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING } (RFC 5280 4.1.1).
   * The result is a view into a shared slab (like a pooled Buffer): copy it before handing its `.buffer` on.
   */
  wrap(tbs: Uint8Array, signature: Uint8Array): Uint8Array {
    const algorithm = this.spec.signatureAlgorithm;
    const bitsContent = signature.length + 1;
    const content = tbs.length + algorithm.length + headerSize(bitsContent) + bitsContent;
    const out = this.allocate(headerSize(content) + content);
    let offset = writeHeader(out, 0, Tag.SEQUENCE, content);
    out.set(tbs, offset);
    offset += tbs.length;
    out.set(algorithm, offset);
    offset += algorithm.length;
    offset = writeHeader(out, offset, Tag.BIT_STRING, bitsContent);
    out[offset++] = 0; // no unused bits
    out.set(signature, offset);
    return out;
  }

  /** `length` fresh octets: a view cut from the current slab (a new slab when it runs out). */
  private allocate(length: number): Uint8Array {
    if (length > SLAB_SIZE / 4) return new Uint8Array(length);
    if (this.slabOffset + length > SLAB_SIZE) {
      this.slab = new Uint8Array(SLAB_SIZE);
      this.slabOffset = 0;
    }
    const out = this.slab.subarray(this.slabOffset, this.slabOffset + length);
    this.slabOffset += length;
    return out;
  }

  /**
   * The device fields of `der` when it is exactly a certificate this template issues (whatever its
   * signature), else undefined. The fields are read where the layout puts them, checked as `issue`
   * checks them, and the TBS written again from them must equal `der`'s octet for octet; after it
   * come this template's signature algorithm and a BIT STRING, in minimal DER. Never throws.
   */
  match(der: Uint8Array): DeviceShapeMatch | undefined {
    const read = readDeviceFields(der, this.spec.signatureAlgorithm);
    if (read === undefined) return undefined;
    const notBeforeMs = this.timeRead(0, read.notBefore);
    const notAfterMs = this.timeRead(1, read.notAfter);
    if (notBeforeMs === undefined || notAfterMs === undefined) return undefined;
    const { tbsStart, tbsEnd } = read;
    const spki = der.subarray(read.spkiStart, read.spkiEnd);
    let length: number;
    try {
      length = this.writeTbs({
        serial: read.serial,
        // Text other than lowercase hex of whole octets does not come back from the octets it decodes to.
        chipSerial: Buffer.from(read.deviceId, 'hex'),
        serialNumber: read.serialNumber,
        publicKey: spki,
        notBefore: new Date(notBeforeMs),
        notAfter: new Date(notAfterMs),
      });
    } catch {
      return undefined; // fields `issue` refuses
    }
    if (length !== tbsEnd - tbsStart) return undefined;
    const written = this.scratch;
    for (let i = 0; i < length; i++) if (written[i] !== der[tbsStart + i]) return undefined;
    let serialStart = 0;
    while (read.serial[serialStart] === 0) serialStart++;
    return {
      tbs: der.subarray(tbsStart, tbsEnd),
      signatureValue: read.signatureValue,
      spki,
      publicKey: spki.subarray(P256_SPKI_PREFIX.length),
      serialNumber: read.serial.subarray(serialStart),
      notBeforeMs,
      notAfterMs,
      names: {
        deviceId: read.deviceId,
        manufacturerId: this.spec.manufacturerId,
        productId: this.spec.productId,
        serialNumber: read.serialNumber,
      },
    };
  }

  /** The time a Time encoding holds: the last one written when it is that one (a batch shares its validity). */
  private timeRead(which: 0 | 1, encoding: Uint8Array): number | undefined {
    const cache = this.timeCache[which]!;
    const length = cache[0]!;
    if (length === encoding.length && length > 0) {
      let same = true;
      for (let i = 0; i < length && same; i++) same = cache[i + 1] === encoding[i];
      if (same) return this.timeCacheMs[which];
    }
    return timeOf(encoding);
  }

  /** The general builder's fields for the same device: the reference this template's output equals. */
  fields(input: DeviceCertificateInput): CertificateFields {
    return deviceCertificateFields(this.spec, input);
  }

  /** Validates `input`, writes its TBS into the scratch buffer and returns its length. */
  private writeTbs(input: DeviceCertificateInput, generic = false): number {
    this.prepare(input);
    const layout = generic ? this.generic : this.layoutFor(this.slotLengths);
    const total = computeLengths(layout, this.slotLengths, this.contentLengths);
    if (total > this.scratch.length) this.scratch = new Uint8Array(total * 2);
    const end = writeLayout(layout, this.scratch, 0, this.contentLengths, this.writeSlot);
    if (end !== total) throw new Error(`device template wrote ${end} octets for a TBS of ${total}`);
    return total;
  }

  /**
   * The layout for these slot lengths: a specialised one (every header precomputed) when cached or
   * when there is room to cache it, else the generic one. A batch has few length combinations
   * (serials, chip serials and times of one length), so it soon writes constant bytes and holes only.
   */
  private layoutFor(lengths: Int32Array): CompiledLayout {
    if (this.maxSpecialised === 0) return this.generic;
    // Serial ≤ 20, times 15 or 17, serialNumber ≤ 64, chip serial ≤ 32 (the other slots derive or are fixed).
    const key =
      lengths[SERIAL]! |
      (lengths[NOT_BEFORE]! << 5) |
      (lengths[NOT_AFTER]! << 10) |
      (lengths[SERIAL_NUMBER]! << 15) |
      (lengths[CHIP_SERIAL]! << 22);
    let layout = this.specialised.get(key);
    if (layout === undefined) {
      if (this.specialised.size >= this.maxSpecialised) return this.generic;
      layout = compileLayout(deviceLayout(this.spec, lengths));
      this.specialised.set(key, layout);
    }
    return layout;
  }

  /** Checks one device's fields (same rules as `deviceCertificateFields`) and records them and their lengths. */
  private prepare(input: DeviceCertificateInput): void {
    const lengths = this.slotLengths;

    // KECP 4.1 / RFC 5280 4.1.2.2: 9..20 significant octets, at most 20 content octets with the sign octet.
    const serial = input.serial;
    if (!(serial instanceof Uint8Array)) throw new TypeError('serial must be a Uint8Array');
    let start = 0;
    while (start < serial.length && serial[start] === 0) start++;
    const significant = serial.length - start;
    if (significant < MIN_SERIAL_OCTETS)
      invalid(`serial must have at least ${MIN_SERIAL_OCTETS} significant octets (KECP 4.1)`);
    const pad = (serial[start]! & 0x80) === 0 ? 0 : 1;
    if (significant + pad > MAX_SERIAL_CONTENT_OCTETS)
      invalid('serial needs more than 20 content octets (RFC 5280 4.1.2.2)');
    this.serial = serial;
    this.serialStart = start;
    this.serialPad = pad;
    lengths[SERIAL] = significant + pad;

    // KECP 6.1: the chip serial (4..32 octets) names the device; its hex is the device id.
    const chip = input.chipSerial;
    if (!(chip instanceof Uint8Array)) throw new TypeError('chipSerial must be a Uint8Array');
    if (chip.length < 4 || chip.length > 32) invalid('chipSerial must have 4 to 32 octets (KECP 6.1)');
    this.chipSerial = chip;
    lengths[CHIP_SERIAL] = chip.length;
    lengths[DEVICE_ID] = chip.length * 2;

    const serialNumber = input.serialNumber;
    if (serialNumber === undefined) {
      lengths[SERIAL_NUMBER] = chip.length * 2;
    } else {
      const n = serialNumber.length;
      if (typeof serialNumber !== 'string' || n < 1 || n > 64)
        invalid('serialNumber must be 1-64 PrintableString characters');
      for (let i = 0; i < n; i++) {
        const c = serialNumber.charCodeAt(i);
        if (c >= 128 || PRINTABLE[c] === 0) invalid('serialNumber must be 1-64 PrintableString characters');
      }
      lengths[SERIAL_NUMBER] = n;
    }
    this.serialNumber = serialNumber;

    // KECP 4.3: an uncompressed P-256 point, alone or inside its SubjectPublicKeyInfo.
    const key = input.publicKey;
    if (!(key instanceof Uint8Array)) throw new TypeError('publicKey must be a Uint8Array');
    let keyOffset = 0;
    if (key.length === P256_SPKI_PREFIX.length + P256_POINT_LENGTH) {
      for (let i = 0; i < P256_SPKI_PREFIX.length; i++) {
        if (key[i] !== P256_SPKI_PREFIX[i])
          invalid('publicKey is not a P-256 SubjectPublicKeyInfo with a named curve (KECP 4.3)');
      }
      keyOffset = P256_SPKI_PREFIX.length;
    } else if (key.length !== P256_POINT_LENGTH) {
      invalid('publicKey must be an uncompressed P-256 point or its SubjectPublicKeyInfo (KECP 4.3)');
    }
    if (key[keyOffset] !== 0x04)
      invalid('publicKey must be an uncompressed P-256 point or its SubjectPublicKeyInfo (KECP 4.3)');
    this.key = key;
    this.keyOffset = keyOffset;
    if (this.keyIdHash !== undefined) {
      // RFC 5280 4.2.1.2 method 1 (SHA-1) or RFC 7093 2 method 1 (leftmost 160 bits of SHA-256), over the point.
      this.keyId = digest(this.keyIdHash, keyOffset === 0 ? key : key.subarray(keyOffset));
    }

    // KECP 4.4 validity, in whole seconds.
    const notBefore = wholeSeconds(input.notBefore, 'notBefore');
    const notAfter = input.notAfter === undefined ? NO_EXPIRATION_MS : wholeSeconds(input.notAfter, 'notAfter');
    if (notBefore > notAfter) invalid('notBefore is after notAfter');
    if (notBefore < this.issuerNotBefore) invalid("notBefore is before the issuer's notBefore");
    if (notAfter !== NO_EXPIRATION_MS) {
      if (notAfter > this.issuerNotAfter) invalid("notAfter is after the issuer's notAfter");
      // Any span up to 365 days a year is within the limit; only longer ones need the calendar.
      if (
        notAfter - notBefore > this.maxYears * 365 * MS_PER_DAY &&
        notAfter > addYears(new Date(notBefore), this.maxYears).getTime()
      ) {
        invalid(`validity is longer than ${this.maxYears} years (KECP 4.4)`);
      }
    }
    this.notBefore = notBefore;
    this.notAfter = notAfter;
    lengths[NOT_BEFORE] = timeLength(notBefore);
    lengths[NOT_AFTER] = timeLength(notAfter);
  }

  private writeSlotContent(id: number, buf: Uint8Array, offset: number): number {
    switch (id) {
      case SERIAL: {
        if (this.serialPad === 1) buf[offset++] = 0;
        const serial = this.serial;
        for (let i = this.serialStart; i < serial.length; i++) buf[offset++] = serial[i]!;
        return offset;
      }
      case NOT_BEFORE:
        return this.writeCachedTime(0, buf, offset, this.notBefore);
      case NOT_AFTER:
        return this.writeCachedTime(1, buf, offset, this.notAfter);
      case SERIAL_NUMBER: {
        const text = this.serialNumber;
        if (text === undefined) return writeHex(buf, offset, this.chipSerial);
        for (let i = 0; i < text.length; i++) buf[offset++] = text.charCodeAt(i);
        return offset;
      }
      case DEVICE_ID:
        return writeHex(buf, offset, this.chipSerial);
      case POINT: {
        const key = this.key;
        for (let i = this.keyOffset, end = i + P256_POINT_LENGTH; i < end; i++) buf[offset++] = key[i]!;
        return offset;
      }
      case KEY_ID: {
        const keyId = this.keyId;
        for (let i = 0; i < KEY_ID_LENGTH; i++) buf[offset++] = keyId[i]!;
        return offset;
      }
      case CHIP_SERIAL: {
        const chip = this.chipSerial;
        for (let i = 0; i < chip.length; i++) buf[offset++] = chip[i]!;
        return offset;
      }
      default:
        throw new RangeError(`no device template slot ${id}`);
    }
  }

  /** Writes a Time, copying the previous encoding when the time repeats (a batch shares its validity). */
  private writeCachedTime(which: 0 | 1, buf: Uint8Array, offset: number, ms: number): number {
    const cache = this.timeCache[which]!;
    if (this.timeCacheMs[which] !== ms) {
      cache[0] = writeTime(cache, 1, ms) - 1;
      this.timeCacheMs[which] = ms;
    }
    const length = cache[0]!;
    for (let i = 1; i <= length; i++) buf[offset++] = cache[i]!;
    return offset;
  }

  /**
   * Issues a sample device through the specialised and the generic layouts and the general builder
   * and compares the TBS bytes, so a template that could disagree with the builder is refused at
   * compile time.
   */
  private selfCheck(): void {
    const sample: DeviceCertificateInput = {
      serial: Uint8Array.of(0x7f, 1, 2, 3, 4, 5, 6, 7, 8, 9),
      chipSerial: Uint8Array.of(0xde, 0xad, 0xbe, 0xef),
      publicKey: P256_GENERATOR,
      notBefore: this.spec.issuer.notBefore,
    };
    const fields = this.fields(sample);
    const expected = buildTbsCertificate({ ...fields, signatureAlgorithm: this.spec.signatureAlgorithm });
    const actual = this.tbs(sample);
    const viaGeneric = this.scratch.slice(0, this.writeTbs(sample, true));
    if (Buffer.compare(expected, actual) !== 0 || Buffer.compare(expected, viaGeneric) !== 0) {
      fail('ERR_X509_BUILD_INVALID', 'device template: the compiled layout does not reproduce the general builder');
    }
    // The sample must read back strictly and lint clean against the device profile (KECP 5.4): what
    // varies per device is checked as it is written, so every certificate issued lints like this one.
    // Lint never reads the signature, so a placeholder serves.
    const cert = Certificate.fromDer(assembleCertificate(actual, this.spec.signatureAlgorithm, new Uint8Array(8)));
    assertLintClean(cert, DEVICE_PROFILE, { issuer: this.spec.issuer });
  }
}

/** The generator of P-256 (SEC 2 2.4.2), uncompressed: a valid point for the compile-time sample. */
const P256_GENERATOR = new Uint8Array(
  Buffer.from(
    '046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296' +
      '4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5',
    'hex',
  ),
);

function wholeSeconds(date: Date, field: string): number {
  if (!(date instanceof Date)) throw new TypeError(`${field} must be a Date`);
  const ms = date.getTime();
  if (ms !== ms) invalid(`${field} is an invalid Date`); // NaN
  const whole = Math.floor(ms / 1000) * 1000;
  if (whole < MIN_MS || whole > NO_EXPIRATION_MS) invalid(`${field} is outside years 0000..9999`);
  return whole;
}

function writeHex(buf: Uint8Array, offset: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    buf[offset++] = HEX_HIGH[b]!;
    buf[offset++] = HEX_LOW[b]!;
  }
  return offset;
}
