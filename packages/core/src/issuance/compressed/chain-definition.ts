import { parsePublicKeyInfo } from '../../crypto/public-key.js';
import { fail, isKeylineError, KeylineError } from '../../errors/keyline-error.js';
import type { ErrorCode } from '../../errors/registry.js';
import { HARDWARE_VERSION_PATTERN, isManufacturerId, isProductId } from '../../policy/naming.js';
import { KEYLINE_ATTRIBUTE } from '../../policy/oids.js';
import { Certificate } from '../../x509/certificate/certificate.js';
import { decodeCrlDistributionPoints } from '../../x509/extensions/crl-distribution-points.js';
import { decodeAuthorityInfoAccess } from '../../x509/extensions/info-access.js';
import { OID } from '../../x509/oids.js';
import { nonSigningSigner } from '../template/device-spec.js';
import { DeviceTemplate } from '../template/device-template.js';
import { rebuildDeviceCertificate } from './device-codec.js';
import { decodeSignerKeySlot, decodeSlot8 } from './chip-slots.js';
import { compressSignerCertificate, rebuildSignerCertificate } from './signer-codec.js';
import { SignerTemplate, type SignerRecipe } from './signer-template.js';

/**
 * A chain definition: what a device's certificate chain holds that its chip does not (after
 * Microchip's compiled "cert defs"). With it, the chip's serial and identity key, and slots 8 and 9
 * (`chip-slots.ts`), anyone rebuilds the device, issuing CA and manufacturer CA certificates byte
 * for byte. The factory writes it next to a batch; firmware and gateways embed it. It is plain JSON.
 */
export interface ChainDefinition {
  readonly version: 1;
  /** The manufacturer CA certificate (the issuing CA's issuer), standard base64 DER. */
  readonly manufacturerCaDer: string;
  /** The issuing CA certificate's `SignerTemplate` recipe, with the manufacturer CA's signature algorithm. */
  readonly signer: ChainDefinitionSigner;
  /** The `DeviceTemplate` options the issuing CA issues the devices with. */
  readonly device: ChainDefinitionDevice;
}

/** The signer (issuing CA) part of a chain definition. */
export interface ChainDefinitionSigner extends SignerRecipe {
  /** The manufacturer CA key's signature algorithm (the issuing CA certificate's). */
  readonly signatureAlgorithm: 'ecdsa-sha256' | 'ecdsa-sha384';
}

/** The device part of a chain definition: `DeviceTemplateOptions` without issuer and signer. */
export interface ChainDefinitionDevice {
  readonly manufacturerId: string;
  readonly productId: string;
  readonly hardwareVersion?: string;
  readonly keyAgreement: boolean;
  readonly crlDistributionPoints?: readonly string[];
  readonly ocspUrl?: string;
}

/** What `chainDefinitionFor` takes about the devices; the rest comes from the issuing CA certificate. */
export interface ChainDefinitionDeviceOptions {
  /** Default: the issuing CA's product id (required when it carries none). */
  readonly productId?: string;
  readonly hardwareVersion?: string;
  /** Default false. */
  readonly keyAgreement?: boolean;
  readonly crlDistributionPoints?: readonly string[];
  readonly ocspUrl?: string;
}

/** What the chip gives `rebuildChainFromChip`. */
export interface ChipChainSource {
  /** Slot 8, whole (416 octets) or at least its encoded part. */
  readonly slot8: Uint8Array;
  /** Slot 9 (72 octets). */
  readonly slot9: Uint8Array;
  /** The chip's serial number (`ElementInfo.serialNumber`). */
  readonly chipSerial: Uint8Array;
  /** The identity key's 65-octet uncompressed point (`getPublicKey(0)`). */
  readonly publicKey: Uint8Array;
}

/** A rebuilt chain, DER, the root excluded. */
export interface RebuiltChain {
  readonly device: Uint8Array;
  readonly signer: Uint8Array;
  readonly manufacturerCa: Uint8Array;
}

/** A chain definition with its certificate parsed and its signer template compiled. */
export interface CompiledChainDefinition {
  readonly definition: ChainDefinition;
  readonly manufacturerCa: Certificate;
  readonly signerTemplate: SignerTemplate;
}

/** Bounds of the JSON form: far above any real definition, low enough to refuse junk early. */
const MAX_JSON_LENGTH = 64 * 1024;
const MAX_CERTIFICATE_BASE64 = 16 * 1024;
const MAX_TEXT = 256;
const MAX_URL = 2048;
const MAX_URLS = 8;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const SIGNER_KEYS = new Set([
  'signatureAlgorithm',
  'commonName',
  'organization',
  'country',
  'manufacturerId',
  'productId',
  'crlUrl',
  'ocspUrl',
]);
const DEVICE_KEYS = new Set([
  'manufacturerId',
  'productId',
  'hardwareVersion',
  'keyAgreement',
  'crlDistributionPoints',
  'ocspUrl',
]);

function malformed(message: string, cause?: unknown): never {
  throw new KeylineError('ERR_CHAIN_DEFINITION_MALFORMED', `chain definition: ${message}`, undefined, { cause });
}

function mismatch(message: string, cause?: unknown): never {
  throw new KeylineError('ERR_CHAIN_DEFINITION_MISMATCH', message, undefined, { cause });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>, where: string): void {
  for (const key of Object.keys(value)) if (!allowed.has(key)) malformed(`unknown field ${where}.${key}`);
}

function text(value: unknown, where: string, max = MAX_TEXT): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    malformed(`${where} must be a string of 1 to ${max} characters`);
  }
  return value;
}

function optionalText(value: unknown, where: string, max = MAX_TEXT): string | undefined {
  return value === undefined ? undefined : text(value, where, max);
}

/** Drops undefined fields, so the JSON and a re-parse agree. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The signature algorithm of a certificate signed with ECDSA SHA-256 or SHA-384. */
function signatureAlgorithmOf(cert: Certificate): ChainDefinitionSigner['signatureAlgorithm'] | undefined {
  if (cert.signatureAlgorithm.oid === OID.ecdsaWithSha256) return 'ecdsa-sha256';
  if (cert.signatureAlgorithm.oid === OID.ecdsaWithSha384) return 'ecdsa-sha384';
  return undefined;
}

/**
 * A `DeviceTemplate` for the devices an issuing CA signs, compiled from its certificate alone (no
 * signing key): for rebuilding and checking certificates, never for issuing (its signer refuses).
 * The algorithm follows the issuing CA key's curve (P-256: ecdsa-sha256, P-384: ecdsa-sha384).
 */
export function deviceTemplateForIssuer(
  issuer: Certificate | Uint8Array,
  device: ChainDefinitionDevice,
): DeviceTemplate {
  const cert = issuer instanceof Certificate ? issuer : Certificate.fromDer(issuer);
  const curve = parsePublicKeyInfo(cert.spki).curve;
  const algorithm = curve === 'P-256' ? 'ecdsa-sha256' : curve === 'P-384' ? 'ecdsa-sha384' : undefined;
  if (algorithm === undefined) mismatch('the issuing CA key is not a P-256 or P-384 key');
  return DeviceTemplate.compile({
    issuer: cert,
    signer: nonSigningSigner(cert.spki, algorithm),
    manufacturerId: device.manufacturerId,
    productId: device.productId,
    ...(device.hardwareVersion !== undefined && { hardwareVersion: device.hardwareVersion }),
    keyAgreement: device.keyAgreement,
    ...(device.crlDistributionPoints !== undefined && { crlDistributionPoints: device.crlDistributionPoints }),
    ...(device.ocspUrl !== undefined && { ocspUrl: device.ocspUrl }),
  });
}

/** The first string value of attribute `type` in the certificate's subject. */
function subjectAttribute(cert: Certificate, type: string): string | undefined {
  for (const rdn of cert.subject.rdns) for (const attribute of rdn) if (attribute.type === type) return attribute.value;
  return undefined;
}

/**
 * The chain definition of the devices `issuingCa` issues: the signer recipe read back from the
 * issuing CA certificate (names, ids, CRL and OCSP pointers) and checked by compressing that
 * certificate with it (so a definition this returns rebuilds it byte for byte), and the device
 * options checked by compiling the device template. ERR_CHAIN_DEFINITION_MISMATCH when the issuing
 * CA was not issued by `manufacturerCa` or its certificate is not compressible (issue it with
 * whole-hour notBefore, whole years and `deriveSignerSerial`); ERR_CHAIN_DEFINITION_MALFORMED when no
 * product id is known; the template's ERR_X509_BUILD_INVALID for device options it refuses.
 */
export function chainDefinitionFor(
  issuingCa: Certificate | Uint8Array | string,
  manufacturerCa: Certificate | Uint8Array | string,
  device: ChainDefinitionDeviceOptions = {},
): ChainDefinition {
  const issuing = Certificate.from(issuingCa);
  const manufacturer = Certificate.from(manufacturerCa);
  if (Buffer.compare(issuing.issuer.der, manufacturer.subject.der) !== 0) {
    mismatch('the issuing CA certificate was not issued by this manufacturer CA (issuer name differs)');
  }
  const signatureAlgorithm = signatureAlgorithmOf(issuing);
  if (signatureAlgorithm === undefined) mismatch('the issuing CA certificate is not signed with ECDSA SHA-256/384');
  const commonName = subjectAttribute(issuing, OID.commonName);
  const organization = subjectAttribute(issuing, OID.organizationName);
  const manufacturerId = subjectAttribute(issuing, KEYLINE_ATTRIBUTE.manufacturerId);
  if (commonName === undefined || organization === undefined || manufacturerId === undefined) {
    mismatch('the issuing CA subject lacks a commonName, organizationName or manufacturer id');
  }
  const crlUris = (issuing.decoded(OID.cRLDistributionPoints, decodeCrlDistributionPoints) ?? []).flatMap(
    (point) => point.fullName?.flatMap((name) => (name.type === 'uri' ? [name.value] : [])) ?? [],
  );
  const ocspUris = (issuing.decoded(OID.authorityInfoAccess, decodeAuthorityInfoAccess) ?? []).flatMap((access) =>
    access.method === OID.ocsp && access.location.type === 'uri' ? [access.location.value] : [],
  );
  const signer: ChainDefinitionSigner = defined({
    signatureAlgorithm,
    commonName,
    organization,
    country: subjectAttribute(issuing, OID.countryName),
    manufacturerId,
    productId: subjectAttribute(issuing, KEYLINE_ATTRIBUTE.productId),
    crlUrl: crlUris[0],
    ocspUrl: ocspUris[0],
  });
  let template: SignerTemplate;
  try {
    template = SignerTemplate.compile({ issuer: manufacturer, signatureAlgorithm, recipe: signer });
    compressSignerCertificate(template, issuing.der);
  } catch (error) {
    if (isKeylineError(error)) {
      mismatch(`the issuing CA certificate cannot be stored compressed (${error.code}): ${error.message}`, error);
    }
    throw error;
  }
  const productId = device.productId ?? signer.productId;
  if (productId === undefined) malformed('the issuing CA carries no product id, so the device options need one');
  const deviceOptions: ChainDefinitionDevice = defined({
    manufacturerId,
    productId,
    hardwareVersion: device.hardwareVersion,
    keyAgreement: device.keyAgreement === true,
    crlDistributionPoints: device.crlDistributionPoints === undefined ? undefined : [...device.crlDistributionPoints],
    ocspUrl: device.ocspUrl,
  });
  deviceTemplateForIssuer(issuing, deviceOptions);
  return Object.freeze({
    version: 1,
    manufacturerCaDer: Buffer.from(manufacturer.der).toString('base64'),
    signer: Object.freeze(signer),
    device: Object.freeze(deviceOptions),
  });
}

/** The definition as JSON text (two-space indented, fields in a fixed order, a final newline). */
export function chainDefinitionToJson(definition: ChainDefinition): string {
  const checked = checkDefinition(definition);
  const { signer, device } = checked;
  const ordered = {
    version: checked.version,
    manufacturerCaDer: checked.manufacturerCaDer,
    signer: defined({
      signatureAlgorithm: signer.signatureAlgorithm,
      commonName: signer.commonName,
      organization: signer.organization,
      country: signer.country,
      manufacturerId: signer.manufacturerId,
      productId: signer.productId,
      crlUrl: signer.crlUrl,
      ocspUrl: signer.ocspUrl,
    }),
    device: defined({
      manufacturerId: device.manufacturerId,
      productId: device.productId,
      hardwareVersion: device.hardwareVersion,
      keyAgreement: device.keyAgreement,
      crlDistributionPoints: device.crlDistributionPoints,
      ocspUrl: device.ocspUrl,
    }),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/**
 * A chain definition from its JSON text (or the parsed value), checked strictly: no unknown
 * fields, bounded strings, canonical base64 of a certificate that parses, a signer recipe the
 * signer template accepts, device ids that follow KECP 6.4 and name the signer's manufacturer.
 * ERR_CHAIN_DEFINITION_MALFORMED, or ERR_CHAIN_DEFINITION_VERSION for a version other than 1.
 */
export function chainDefinitionFromJson(json: string | unknown): ChainDefinition {
  let value: unknown = json;
  if (typeof json === 'string') {
    if (json.length > MAX_JSON_LENGTH) malformed(`the JSON is longer than ${MAX_JSON_LENGTH} characters`);
    try {
      value = JSON.parse(json);
    } catch (error) {
      malformed('not JSON', error);
    }
  }
  return checkDefinition(value);
}

/** Checks a definition's shape and contents and returns a frozen copy. */
function checkDefinition(value: unknown): ChainDefinition {
  if (!isRecord(value)) malformed('not a JSON object');
  onlyKeys(value, new Set(['version', 'manufacturerCaDer', 'signer', 'device']), 'definition');
  if (value.version !== 1) {
    if (typeof value.version === 'number') {
      fail('ERR_CHAIN_DEFINITION_VERSION', `chain definition version ${value.version} is not 1`);
    }
    malformed('version must be 1');
  }
  const base64 = value.manufacturerCaDer;
  if (typeof base64 !== 'string' || base64.length === 0 || base64.length > MAX_CERTIFICATE_BASE64) {
    malformed(`manufacturerCaDer must be base64 of at most ${MAX_CERTIFICATE_BASE64} characters`);
  }
  const der = Buffer.from(base64, 'base64');
  if (!BASE64.test(base64) || der.toString('base64') !== base64) malformed('manufacturerCaDer is not canonical base64');
  let manufacturerCa: Certificate;
  try {
    manufacturerCa = Certificate.fromDer(new Uint8Array(der));
  } catch (error) {
    if (isKeylineError(error)) malformed(`manufacturerCaDer is not a certificate (${error.code})`, error);
    throw error;
  }

  if (!isRecord(value.signer)) malformed('signer must be an object');
  const s = value.signer;
  onlyKeys(s, SIGNER_KEYS, 'signer');
  if (s.signatureAlgorithm !== 'ecdsa-sha256' && s.signatureAlgorithm !== 'ecdsa-sha384') {
    malformed('signer.signatureAlgorithm must be "ecdsa-sha256" or "ecdsa-sha384"');
  }
  const signer: ChainDefinitionSigner = defined({
    signatureAlgorithm: s.signatureAlgorithm,
    commonName: text(s.commonName, 'signer.commonName'),
    organization: text(s.organization, 'signer.organization'),
    country: optionalText(s.country, 'signer.country', 2),
    manufacturerId: text(s.manufacturerId, 'signer.manufacturerId'),
    productId: optionalText(s.productId, 'signer.productId'),
    crlUrl: optionalText(s.crlUrl, 'signer.crlUrl', MAX_URL),
    ocspUrl: optionalText(s.ocspUrl, 'signer.ocspUrl', MAX_URL),
  });
  try {
    SignerTemplate.compile({ issuer: manufacturerCa, signatureAlgorithm: signer.signatureAlgorithm, recipe: signer });
  } catch (error) {
    if (isKeylineError(error)) malformed(`the signer recipe is refused: ${error.message}`, error);
    throw error;
  }

  if (!isRecord(value.device)) malformed('device must be an object');
  const d = value.device;
  onlyKeys(d, DEVICE_KEYS, 'device');
  const manufacturerId = text(d.manufacturerId, 'device.manufacturerId');
  const productId = text(d.productId, 'device.productId');
  const hardwareVersion = optionalText(d.hardwareVersion, 'device.hardwareVersion');
  if (!isManufacturerId(manufacturerId)) malformed('device.manufacturerId does not follow KECP 6.4');
  if (manufacturerId !== signer.manufacturerId) malformed("device.manufacturerId is not the signer's");
  if (!isProductId(productId)) malformed('device.productId does not follow KECP 6.4');
  if (hardwareVersion !== undefined && !HARDWARE_VERSION_PATTERN.test(hardwareVersion)) {
    malformed('device.hardwareVersion does not follow KECP 6.4');
  }
  if (typeof d.keyAgreement !== 'boolean') malformed('device.keyAgreement must be true or false');
  let crlDistributionPoints: string[] | undefined;
  if (d.crlDistributionPoints !== undefined) {
    if (!Array.isArray(d.crlDistributionPoints) || d.crlDistributionPoints.length > MAX_URLS) {
      malformed(`device.crlDistributionPoints must be an array of at most ${MAX_URLS} URLs`);
    }
    crlDistributionPoints = d.crlDistributionPoints.map((u, i) =>
      text(u, `device.crlDistributionPoints[${i}]`, MAX_URL),
    );
  }
  const device: ChainDefinitionDevice = defined({
    manufacturerId,
    productId,
    hardwareVersion,
    keyAgreement: d.keyAgreement,
    crlDistributionPoints: crlDistributionPoints === undefined ? undefined : Object.freeze(crlDistributionPoints),
    ocspUrl: optionalText(d.ocspUrl, 'device.ocspUrl', MAX_URL),
  });
  return Object.freeze({
    version: 1,
    manufacturerCaDer: base64,
    signer: Object.freeze(signer),
    device: Object.freeze(device),
  });
}

/** Compiled definitions, per definition object (a definition is immutable once checked). */
const compiledCache = new WeakMap<ChainDefinition, CompiledChainDefinition>();

/** Checks `definition` and compiles its signer template (memoised per definition object). */
export function compileChainDefinition(definition: ChainDefinition): CompiledChainDefinition {
  const cached = compiledCache.get(definition);
  if (cached !== undefined) return cached;
  const checked = checkDefinition(definition);
  const manufacturerCa = Certificate.fromDer(new Uint8Array(Buffer.from(checked.manufacturerCaDer, 'base64')));
  const signerTemplate = SignerTemplate.compile({
    issuer: manufacturerCa,
    signatureAlgorithm: checked.signer.signatureAlgorithm,
    recipe: checked.signer,
  });
  const compiled: CompiledChainDefinition = Object.freeze({ definition: checked, manufacturerCa, signerTemplate });
  compiledCache.set(definition, compiled);
  return compiled;
}

/** Device templates per issuing CA certificate (a chip's signer), bounded: a firmware sees one or two. */
const deviceTemplates = new Map<string, DeviceTemplate>();
const MAX_DEVICE_TEMPLATES = 32;

function cachedDeviceTemplate(compiled: CompiledChainDefinition, signer: Certificate): DeviceTemplate {
  const key = `${signer.fingerprint}|${JSON.stringify(compiled.definition.device)}`;
  let template = deviceTemplates.get(key);
  if (template === undefined) {
    try {
      template = deviceTemplateForIssuer(signer, compiled.definition.device);
    } catch (error) {
      if (isKeylineError(error) && !error.code.startsWith('ERR_CHAIN_')) {
        mismatch(`the definition's device options do not fit the issuing CA: ${error.message}`, error);
      }
      throw error;
    }
    if (deviceTemplates.size >= MAX_DEVICE_TEMPLATES) deviceTemplates.delete(deviceTemplates.keys().next().value!);
    deviceTemplates.set(key, template);
  }
  return template;
}

/**
 * Rebuilds a device's chain from what its chip holds and its chain definition: the device
 * certificate, the issuing CA ("signer") certificate and the manufacturer CA certificate, DER,
 * byte-identical to what the CA issued. It does not verify signatures: verify the chain (or at
 * least the device certificate against the signer's key) before trusting it. Fails with
 * ERR_CHAIN_SLOT_MALFORMED (slots not in the layout), the ERR_COMPRESSED_* codes of the codecs
 * (for example ERR_COMPRESSED_TEMPLATE_MISMATCH when the definition is another issuing CA's), and
 * ERR_CHAIN_DEFINITION_* for a bad definition.
 */
export function rebuildChainFromChip(
  definition: ChainDefinition | CompiledChainDefinition,
  chip: ChipChainSource,
): RebuiltChain {
  const compiled =
    typeof definition === 'object' && definition !== null && 'signerTemplate' in definition
      ? definition
      : compileChainDefinition(definition);
  const { device, signer } = decodeSlot8(chip.slot8);
  const signerPoint = decodeSignerKeySlot(chip.slot9);
  const signerDer = rebuildSignerCertificate(compiled.signerTemplate, { compressed: signer, publicKey: signerPoint });
  const template = cachedDeviceTemplate(compiled, Certificate.fromDer(signerDer));
  const deviceDer = rebuildDeviceCertificate(template, {
    compressed: device,
    publicKey: chip.publicKey,
    chipSerial: chip.chipSerial,
  });
  return { device: deviceDer, signer: signerDer, manufacturerCa: compiled.manufacturerCa.der.slice() };
}

/** Error codes of this module, for callers that map them. */
export const CHAIN_DEFINITION_ERRORS: readonly ErrorCode[] = [
  'ERR_CHAIN_DEFINITION_MALFORMED',
  'ERR_CHAIN_DEFINITION_VERSION',
  'ERR_CHAIN_DEFINITION_MISMATCH',
  'ERR_CHAIN_SLOT_MALFORMED',
];
