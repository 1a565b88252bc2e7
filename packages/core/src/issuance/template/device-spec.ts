import { encodeSignatureAlgorithm } from '../../crypto/algorithms.js';
import { keyIdentifierFromSpki, type KeyIdentifierMethod } from '../../crypto/hash.js';
import { isSyncSigner, type Signer, type SyncSigner } from '../../crypto/signer.js';
import { fail } from '../../errors/keyline-error.js';
import { HARDWARE_VERSION_PATTERN, ID_PATTERN } from '../../policy/naming.js';
import { KEYLINE_ATTRIBUTE, KEYLINE_HARDWARE_TYPE, KEYLINE_POLICY } from '../../policy/oids.js';
import { DEVICE_PROFILE } from '../../policy/profiles/device.js';
import { Certificate } from '../../x509/certificate/certificate.js';
import { encodeAuthorityKeyIdentifier } from '../../x509/extensions/authority-key-identifier.js';
import { encodeBasicConstraints } from '../../x509/extensions/basic-constraints.js';
import { encodeCertificatePolicies } from '../../x509/extensions/certificate-policies.js';
import {
  crlDistributionPointsFromUris,
  encodeCrlDistributionPoints,
} from '../../x509/extensions/crl-distribution-points.js';
import { encodeExtKeyUsage } from '../../x509/extensions/ext-key-usage.js';
import { encodeAuthorityInfoAccess } from '../../x509/extensions/info-access.js';
import { encodeKeyUsage } from '../../x509/extensions/key-usage.js';
import { decodeSubjectKeyIdentifier } from '../../x509/extensions/subject-key-identifier.js';
import type { AccessDescription, Extension, KeyUsageName } from '../../x509/extensions/types.js';
import { OID } from '../../x509/oids.js';

/**
 * How to issue device IDevIDs (KECP 5.4) under one issuing CA. Everything here is the same for
 * every device of a batch; `DeviceTemplate.compile` encodes it once.
 */
export interface DeviceTemplateOptions {
  /** The issuing CA's certificate (PEM, DER or decoded): its subject is the issuer name, its key identifier the AKI. */
  readonly issuer: Certificate | Uint8Array | string;
  /** The issuing CA's signer. Its key must be the issuer certificate's; it needs the synchronous path. */
  readonly signer: Signer;
  /** KECP 6.4 manufacturer id. Default: the issuer subject's keylineManufacturerId, which it must equal when both are present. */
  readonly manufacturerId?: string;
  /** KECP 6.4 product id. Default: the issuer subject's keylineProductId (an issuing CA may carry one). */
  readonly productId?: string;
  /** KECP 6.4 hardware version, when the product names its revision. */
  readonly hardwareVersion?: string;
  /** Assert keyAgreement besides digitalSignature, for elements that do ECDH with the identity key. Default false. */
  readonly keyAgreement?: boolean;
  /**
   * The RFC 4108 hardwareModuleName in subjectAltName (hwSerialNum = the chip serial): its hwType, or
   * false to leave it out. Default: Keyline's secure-element device type.
   */
  readonly hardwareModuleName?: { readonly hwType: string } | false;
  /**
   * An RFC 9039 device URN in subjectAltName, `urn:dev:os:<PEN>-<device id>` (an organization's
   * serial number: the manufacturer's IANA Private Enterprise Number and the device id). Default: none.
   */
  readonly deviceUrn?: { readonly enterpriseNumber: number };
  /** subjectKeyIdentifier method (RFC 5280 4.2.1.2 method 1, or RFC 7093 2 method 1); false leaves it out. Default 'sha1'. */
  readonly subjectKeyIdentifier?: KeyIdentifierMethod | false;
  /** Carry basicConstraints cA FALSE, critical (RFC 5280 4.2.1.9 lets an end entity carry it). Default false. */
  readonly basicConstraints?: boolean;
  /** extKeyUsage purposes (KECP 5.4 allows clientAuth and serverAuth). Default: none. */
  readonly extKeyUsage?: readonly string[];
  /** cRLDistributionPoints URIs. Default: none. */
  readonly crlDistributionPoints?: readonly string[];
  /** authorityInfoAccess: the OCSP responder URI. */
  readonly ocspUrl?: string;
  /** authorityInfoAccess: where the issuer's certificate is published. */
  readonly caIssuersUrl?: string;
}

/** The template options resolved and checked, with every constant part encoded. */
export interface DeviceSpec {
  readonly signer: SyncSigner;
  readonly issuer: Certificate;
  /** DER AlgorithmIdentifier of the signer's algorithm. */
  readonly signatureAlgorithm: Uint8Array;
  readonly manufacturerId: string;
  readonly productId: string;
  readonly hardwareVersion: string | undefined;
  readonly keyUsage: ReadonlySet<KeyUsageName>;
  readonly subjectKeyIdentifier: KeyIdentifierMethod | false;
  /** hwType of the hardwareModuleName, or undefined when the SAN carries none. */
  readonly hwType: string | undefined;
  /** The RFC 9039 `os` URN's enterprise number, or undefined when the SAN carries no URN. */
  readonly deviceUrn: { readonly enterpriseNumber: number } | undefined;
  /** Longest validity in calendar years unless the no-expiration value is used (KECP 4.4). */
  readonly maxYears: number | undefined;
  /** Constant extensions placed before the subjectKeyIdentifier, in order. */
  readonly leadingExtensions: readonly Extension[];
  /** The authorityKeyIdentifier extension. */
  readonly authorityKeyIdentifier: Extension;
  /** Constant extensions placed after the subjectAltName, in order. */
  readonly trailingExtensions: readonly Extension[];
}

function invalid(message: string): never {
  return fail('ERR_X509_BUILD_INVALID', `device template: ${message}`);
}

/**
 * A signer with an issuing CA's key and algorithm that refuses to sign: for a template compiled
 * from certificates alone, to rebuild or read back device certificates, never to issue them.
 */
export function nonSigningSigner(publicKeySpki: Uint8Array, algorithm: 'ecdsa-sha256' | 'ecdsa-sha384'): Signer {
  const refuse = (): never => {
    throw new Error('a template compiled from certificates alone does not sign');
  };
  return { algorithm, publicKeySpki, sign: refuse, signSync: refuse };
}

/** The string value of the first `type` attribute of a name, if any. */
function attributeOf(cert: Certificate, type: string): string | undefined {
  for (const rdn of cert.subject.rdns) for (const a of rdn) if (a.type === type) return a.value;
  return undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** Resolves and checks `DeviceTemplateOptions` against the device profile (KECP 5.4, 6). */
export function resolveDeviceSpec(options: DeviceTemplateOptions): DeviceSpec {
  const issuer = Certificate.from(options.issuer);
  const { signer } = options;
  if (!isSyncSigner(signer))
    throw new TypeError('the device template needs a signer with a synchronous path (signSync)');
  if (!sameBytes(new Uint8Array(signer.publicKeySpki), issuer.spki))
    invalid("the signer's key is not the issuer certificate's key");
  const signatureAlgorithm = encodeSignatureAlgorithm(signer.algorithm);
  const algorithmOid = { 'ecdsa-sha256': OID.ecdsaWithSha256, 'ecdsa-sha384': OID.ecdsaWithSha384 }[
    signer.algorithm as 'ecdsa-sha256' | 'ecdsa-sha384'
  ];
  if (algorithmOid === undefined || !DEVICE_PROFILE.signatureAlgorithms.includes(algorithmOid)) {
    invalid(`KECP 4.2 does not let a device certificate be signed with ${signer.algorithm}`);
  }

  const issuerManufacturer = attributeOf(issuer, KEYLINE_ATTRIBUTE.manufacturerId);
  const manufacturerId = options.manufacturerId ?? issuerManufacturer;
  if (manufacturerId === undefined) invalid('no manufacturer id given and the issuer carries none');
  if (issuerManufacturer !== undefined && manufacturerId !== issuerManufacturer) {
    invalid(`manufacturer id "${manufacturerId}" is not the issuer's "${issuerManufacturer}"`);
  }
  const productId = options.productId ?? attributeOf(issuer, KEYLINE_ATTRIBUTE.productId);
  if (productId === undefined) invalid('no product id given and the issuer carries none');
  if (!ID_PATTERN.test(manufacturerId)) invalid(`manufacturer id "${manufacturerId}" does not follow KECP 6.4`);
  if (!ID_PATTERN.test(productId)) invalid(`product id "${productId}" does not follow KECP 6.4`);
  const { hardwareVersion } = options;
  if (hardwareVersion !== undefined && !HARDWARE_VERSION_PATTERN.test(hardwareVersion)) {
    invalid(`hardware version "${hardwareVersion}" does not follow KECP 6.4`);
  }

  const hwType =
    options.hardwareModuleName === false
      ? undefined
      : (options.hardwareModuleName?.hwType ?? KEYLINE_HARDWARE_TYPE.secureElementDevice);
  let deviceUrn: DeviceSpec['deviceUrn'];
  if (options.deviceUrn !== undefined) {
    const pen = options.deviceUrn.enterpriseNumber;
    if (!Number.isSafeInteger(pen) || pen < 1) invalid('the device URN enterprise number must be a positive integer');
    deviceUrn = { enterpriseNumber: pen };
  }
  // KECP 6.2/6.3: the SAN must carry at least one device identifier.
  if (hwType === undefined && deviceUrn === undefined)
    invalid('the subjectAltName needs a hardwareModuleName or a device URN');

  const keyUsage = new Set<KeyUsageName>(
    options.keyAgreement ? ['digitalSignature', 'keyAgreement'] : ['digitalSignature'],
  );
  const leadingExtensions: Extension[] = [];
  if (options.basicConstraints) {
    leadingExtensions.push({ oid: OID.basicConstraints, critical: true, value: encodeBasicConstraints({ ca: false }) });
  }
  leadingExtensions.push({ oid: OID.keyUsage, critical: true, value: encodeKeyUsage(keyUsage) });
  if (options.extKeyUsage !== undefined && options.extKeyUsage.length > 0) {
    const allowed = DEVICE_PROFILE.extKeyUsage?.optional ?? [];
    for (const purpose of options.extKeyUsage) {
      if (!allowed.includes(purpose)) invalid(`extKeyUsage ${purpose} is not allowed by KECP 5.4`);
    }
    leadingExtensions.push({ oid: OID.extKeyUsage, critical: false, value: encodeExtKeyUsage(options.extKeyUsage) });
  }

  // RFC 5280 4.2.1.1: the AKI key identifier is the issuer's subjectKeyIdentifier when it has one.
  const issuerSki = issuer.extension(OID.subjectKeyIdentifier);
  const method = options.subjectKeyIdentifier ?? 'sha1';
  const akiKeyId =
    issuerSki !== undefined
      ? decodeSubjectKeyIdentifier(issuerSki.value)
      : keyIdentifierFromSpki(issuer.spki, method === false ? 'sha1' : method);
  const authorityKeyIdentifier: Extension = {
    oid: OID.authorityKeyIdentifier,
    critical: false,
    value: encodeAuthorityKeyIdentifier({ keyIdentifier: akiKeyId }),
  };

  const trailingExtensions: Extension[] = [
    {
      oid: OID.certificatePolicies,
      critical: false,
      value: encodeCertificatePolicies([{ policyId: KEYLINE_POLICY.deviceIdentityV1 }]),
    },
  ];
  if (options.crlDistributionPoints !== undefined && options.crlDistributionPoints.length > 0) {
    trailingExtensions.push({
      oid: OID.cRLDistributionPoints,
      critical: false,
      value: encodeCrlDistributionPoints(crlDistributionPointsFromUris(options.crlDistributionPoints)),
    });
  }
  const access: AccessDescription[] = [];
  if (options.ocspUrl !== undefined)
    access.push({ method: OID.ocsp, location: { type: 'uri', value: options.ocspUrl } });
  if (options.caIssuersUrl !== undefined) {
    access.push({ method: OID.caIssuers, location: { type: 'uri', value: options.caIssuersUrl } });
  }
  if (access.length > 0) {
    trailingExtensions.push({
      oid: OID.authorityInfoAccess,
      critical: false,
      value: encodeAuthorityInfoAccess(access),
    });
  }

  return {
    signer,
    issuer,
    signatureAlgorithm,
    manufacturerId,
    productId,
    hardwareVersion,
    keyUsage,
    subjectKeyIdentifier: method,
    hwType,
    deviceUrn,
    maxYears: DEVICE_PROFILE.validity.maxYears,
    leadingExtensions,
    authorityKeyIdentifier,
    trailingExtensions,
  };
}
