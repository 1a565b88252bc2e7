import {
  DEVICE_ID_PATTERN,
  DEVICE_SERIAL_PATTERN,
  DeviceTemplate,
  HARDWARE_VERSION_PATTERN,
  KEYLINE_ATTRIBUTE,
  KeylineError,
  NO_EXPIRATION,
  OID,
  Tag,
  deriveDeviceSerial,
  fail,
  isKeylineError,
  isProductId,
  type NameAttribute,
  type Signer,
} from '@keyline/core';
import type { AuthorityContext } from './context.js';
import type { CyclePlan } from './issuance-cycle.js';
import { displayName } from './names.js';
import type { CaRecord } from './records.js';

/**
 * Device birth certificates (KECP 5.4) through core's `DeviceTemplate`: the layout is fixed, so a
 * certificate can be stored compressed in the chip and rebuilt byte-exact. The template builds the
 * TBS only; the cycle persists, signs and checks it like any other.
 */

/** What varies per device. */
export interface DeviceFields {
  /** The secure element's serial (4–32 octets); its lower-case hex is the device id (KECP 6.1). */
  readonly chipSerial: Uint8Array;
  /** The device key: a P-256 SubjectPublicKeyInfo or uncompressed point. */
  readonly publicKey: Uint8Array;
  /** The subject serialNumber (the label's serial); default the device id. */
  readonly serialNumber?: string | undefined;
  /** Default: the CA's product id. Needed when the CA carries none. */
  readonly productId?: string | undefined;
  readonly hardwareVersion?: string | undefined;
  /** Assert keyAgreement (an element that does ECDH with its identity key). */
  readonly keyAgreement?: boolean | undefined;
  /** Days of validity; default IEEE 802.1AR's no-expiration 99991231235959Z. */
  readonly validityDays?: number | undefined;
  readonly requestId?: string | null | undefined;
  /**
   * Issue a certificate that can be stored compressed in the chip (docs/compressed-certificates.md):
   * notBefore on the whole UTC hour, no expiration, serial `deriveDeviceSerial(point, notBefore)`
   * instead of a random one. The factory line sets it. Refuses `validityDays`.
   */
  readonly compressible?: boolean | undefined;
  /** Set when the certificate is made on the factory line (shown by `cert list`). */
  readonly chipSerialRecorded?: boolean;
}

function violation(message: string, id = 'kecp.device'): never {
  return fail('ERR_CA_PROFILE_VIOLATION', message, {
    findings: [{ id, severity: 'error', message, clause: 'KECP 6.1' }],
  });
}

/** The CA kinds that issue end-entity certificates: manufacturer CAs (pathLen 1) and issuing CAs (pathLen 0). */
export function requireEndEntityIssuer(ca: CaRecord, profile: string): void {
  if (ca.kind === 'root') {
    fail(
      'ERR_CA_WRONG_KIND',
      `a root issues only manufacturer CAs; issue ${profile} certificates from a manufacturer or issuing CA`,
    );
  }
}

/**
 * A signer stand-in that lets `DeviceTemplate.compile` check the issuer's key and algorithm without
 * the template ever signing: the cycle signs with the real signer (which may be asynchronous, e.g.
 * an HSM) after persisting the TBS.
 */
function tbsOnlySigner(signer: Signer): Signer & { signSync(data: Uint8Array): Uint8Array } {
  const refuse = (): never => {
    throw new Error('the CA signs through the issuance cycle, never through the template');
  };
  return { algorithm: signer.algorithm, publicKeySpki: signer.publicKeySpki, sign: refuse, signSync: refuse };
}

/** The compiled template for `ca` and the per-product options (compiled once, then reused). */
export async function templateFor(
  ctx: AuthorityContext,
  ca: CaRecord,
  productId: string,
  hardwareVersion: string | undefined,
  keyAgreement: boolean,
): Promise<DeviceTemplate> {
  const key = [ca.id, ca.fingerprint, productId, hardwareVersion ?? '', keyAgreement ? 1 : 0].join('|');
  const cached = ctx.templates.get(key);
  if (cached instanceof DeviceTemplate) return cached;
  const signer = await ctx.signer(ca.keyUri);
  const url = ctx.options.publicUrl;
  let template: DeviceTemplate;
  try {
    template = DeviceTemplate.compile({
      issuer: ctx.certificateOf(ca),
      signer: tbsOnlySigner(signer),
      ...(ca.manufacturerId !== null && { manufacturerId: ca.manufacturerId }),
      productId,
      ...(hardwareVersion !== undefined && { hardwareVersion }),
      keyAgreement,
      ...(url !== undefined && { crlDistributionPoints: [`${url}/crl/${ca.id}.crl`], ocspUrl: `${url}/ocsp/${ca.id}` }),
    });
  } catch (error) {
    if (isKeylineError(error, 'ERR_X509_BUILD_INVALID') || isKeylineError(error, 'ERR_POLICY_LINT_FAILED')) {
      throw new KeylineError('ERR_CA_PROFILE_VIOLATION', error.message, error.detail as Record<string, unknown>, {
        cause: error,
      });
    }
    throw error;
  }
  ctx.templates.set(key, template);
  return template;
}

/** The product id a device gets: the CA's, or the one asked for when the CA carries none. */
export function deviceProductId(ca: CaRecord, asked: string | undefined): string {
  if (ca.productId !== null) {
    if (asked !== undefined && asked !== ca.productId) {
      violation(`CA ${ca.id} issues for product "${ca.productId}", not "${asked}"`, 'kecp.product-matches-issuer');
    }
    return ca.productId;
  }
  if (asked === undefined) {
    violation(
      `CA ${ca.id} carries no product id, so the device needs one (keylineProductId, OID ${KEYLINE_ATTRIBUTE.productId})`,
    );
  }
  if (!isProductId(asked)) violation(`product id "${asked.slice(0, 40)}" does not follow KECP 6.4`);
  return asked;
}

/** The cycle plan for one device under `ca`. */
export async function devicePlan(ctx: AuthorityContext, ca: CaRecord, device: DeviceFields): Promise<CyclePlan> {
  const { chipSerial } = device;
  if (!(chipSerial instanceof Uint8Array) || chipSerial.length < 4 || chipSerial.length > 32) {
    violation('the chip serial must have 4 to 32 octets (KECP 6.1)');
  }
  const deviceId = Buffer.from(chipSerial).toString('hex');
  const productId = deviceProductId(ca, device.productId);
  const hardwareVersion = device.hardwareVersion;
  if (hardwareVersion !== undefined && !HARDWARE_VERSION_PATTERN.test(hardwareVersion)) {
    violation(`hardware version "${hardwareVersion.slice(0, 40)}" does not follow KECP 6.4`);
  }
  if (device.serialNumber !== undefined && !DEVICE_SERIAL_PATTERN.test(device.serialNumber)) {
    violation('the device serialNumber must be 1–64 PrintableString characters (KECP 6.1)');
  }
  const template = await templateFor(ctx, ca, productId, hardwareVersion, device.keyAgreement === true);
  const compressible = device.compressible === true;
  if (compressible && device.validityDays !== undefined) {
    fail('ERR_CA_BAD_INPUT', 'a compressible device certificate has no expiration: validityDays is not allowed');
  }
  const notBefore = compressible ? compressibleNotBefore(ctx.now(), ctx.certificateOf(ca).notBefore) : ctx.now();
  let notAfter: Date | undefined;
  if (device.validityDays !== undefined) {
    const days = device.validityDays;
    if (!Number.isInteger(days) || days < 1 || days > 25 * 366) {
      fail('ERR_CA_BAD_INPUT', 'validityDays must be a whole number of days, at most 25 years');
    }
    notAfter = new Date(notBefore.getTime() + days * 86_400_000);
  }
  const rdns: NameAttribute[][] = [
    [{ type: KEYLINE_ATTRIBUTE.manufacturerId, tag: Tag.UTF8_STRING, value: ca.manufacturerId ?? '' }],
    [{ type: KEYLINE_ATTRIBUTE.productId, tag: Tag.UTF8_STRING, value: productId }],
  ];
  if (hardwareVersion !== undefined) {
    rdns.push([{ type: KEYLINE_ATTRIBUTE.hardwareVersion, tag: Tag.UTF8_STRING, value: hardwareVersion }]);
  }
  rdns.push([{ type: OID.serialNumber, tag: Tag.PRINTABLE_STRING, value: device.serialNumber ?? deviceId }]);
  rdns.push([{ type: OID.commonName, tag: Tag.UTF8_STRING, value: deviceId }]);
  return {
    profile: 'device',
    subject: displayName({ rdns }),
    deviceId,
    chipSerial: device.chipSerialRecorded === true ? deviceId : null,
    requestId: device.requestId ?? null,
    validity: { notBefore, notAfter: notAfter ?? NO_EXPIRATION },
    ...(compressible && { serial: derivedSerial(device.publicKey, notBefore) }),
    buildTbs: (serial) =>
      template.tbs({
        serial: serial.bytes,
        chipSerial,
        ...(device.serialNumber !== undefined && { serialNumber: device.serialNumber }),
        publicKey: device.publicKey,
        notBefore,
        ...(notAfter !== undefined && { notAfter }),
      }),
  };
}

const HOUR_MS = 3_600_000;

/**
 * notBefore of a compressible device certificate: the start of the current UTC hour, or, when the
 * issuer's own validity starts later than that (an issuing CA made this hour before compressible
 * CAs existed), the first whole hour after the issuer's notBefore (the template refuses a device
 * valid before its issuer).
 */
function compressibleNotBefore(now: Date, issuerNotBefore: Date): Date {
  const hour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  if (hour >= issuerNotBefore.getTime()) return new Date(hour);
  return new Date(Math.ceil(issuerNotBefore.getTime() / HOUR_MS) * HOUR_MS);
}

/** The derived serial of a compressible device certificate (the key as a point or a P-256 SPKI). */
function derivedSerial(publicKey: Uint8Array, notBefore: Date): { bytes: Uint8Array; hex: string } {
  const point = publicKey.length === 91 ? publicKey.subarray(26) : publicKey;
  const bytes = deriveDeviceSerial(point, notBefore);
  return { bytes, hex: Buffer.from(bytes).toString('hex') };
}

/** The subject attributes a device CSR may carry (KECP 6.1): each at most once. */
const DEVICE_CSR_ATTRIBUTES: ReadonlySet<string> = new Set([
  KEYLINE_ATTRIBUTE.manufacturerId,
  KEYLINE_ATTRIBUTE.productId,
  KEYLINE_ATTRIBUTE.hardwareVersion,
  OID.serialNumber,
  OID.commonName,
]);

/**
 * Reads the device fields a CSR's subject gives (KECP 6.1): commonName = the device id (the chip
 * serial in lower-case hex), and optionally serialNumber, keylineManufacturerId (must be the CA's),
 * keylineProductId and keylineHardwareVersion. Any other attribute is refused: the certificate's
 * subject is laid out by the profile, and a CSR asking for more is asking for something else.
 */
export function deviceFieldsFromSubject(
  ca: CaRecord,
  rdns: readonly (readonly NameAttribute[])[],
): Pick<DeviceFields, 'chipSerial' | 'serialNumber' | 'productId' | 'hardwareVersion'> {
  const values = new Map<string, string>();
  for (const rdn of rdns) {
    for (const a of rdn) {
      if (!DEVICE_CSR_ATTRIBUTES.has(a.type)) {
        violation(`a device CSR subject may not carry attribute ${a.type} (KECP 6.1)`, 'kecp.subject-attributes');
      }
      if (values.has(a.type)) violation(`the CSR subject repeats attribute ${a.type}`, 'kecp.subject-attributes');
      values.set(a.type, a.value);
    }
  }
  const cn = values.get(OID.commonName);
  if (cn === undefined || !DEVICE_ID_PATTERN.test(cn)) {
    violation(
      'a device CSR names the device by commonName = its chip serial in lower-case hex, 4 to 32 octets (KECP 6.1)',
      'kecp.device-id',
    );
  }
  const manufacturerId = values.get(KEYLINE_ATTRIBUTE.manufacturerId);
  if (manufacturerId !== undefined && manufacturerId !== ca.manufacturerId) {
    violation(
      `the CSR names manufacturer "${manufacturerId.slice(0, 40)}", but CA ${ca.id} is "${ca.manufacturerId ?? ''}"`,
      'kecp.manufacturer-matches-issuer',
    );
  }
  return {
    chipSerial: new Uint8Array(Buffer.from(cn, 'hex')),
    serialNumber: values.get(OID.serialNumber),
    productId: values.get(KEYLINE_ATTRIBUTE.productId),
    hardwareVersion: values.get(KEYLINE_ATTRIBUTE.hardwareVersion),
  };
}
