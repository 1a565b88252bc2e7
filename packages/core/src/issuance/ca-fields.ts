import { keyIdentifierFromSpki } from '../crypto/hash.js';
import { fail } from '../errors/keyline-error.js';
import { isManufacturerId, isProductId } from '../policy/naming.js';
import { KEYLINE_ATTRIBUTE, KEYLINE_POLICY } from '../policy/oids.js';
import type { Certificate } from '../x509/certificate/certificate.js';
import type { CertificateFields } from '../x509/certificate/builder.js';
import { crlDistributionPointsFromUris } from '../x509/extensions/crl-distribution-points.js';
import { knownExtension } from '../x509/extensions/codecs.js';
import { decodeSubjectKeyIdentifier } from '../x509/extensions/subject-key-identifier.js';
import type { AccessDescription, Extension } from '../x509/extensions/types.js';
import { encodeName, type NameAttributeInput } from '../x509/name/encode.js';
import { OID } from '../x509/oids.js';

/** What every CA certificate of the ecosystem names and when it is valid. */
interface CaCommon {
  readonly commonName: string;
  readonly organization: string;
  readonly country?: string;
  /** Unsigned magnitude, e.g. from `randomSerial`. */
  readonly serial: Uint8Array;
  readonly notBefore: Date;
  readonly validityYears: number;
}

export interface RootRecipe extends CaCommon {
  /** DER SubjectPublicKeyInfo of the root key (its SKI is derived from it). */
  readonly spki: Uint8Array;
}

export interface SubordinateCaRecipe extends CaCommon {
  readonly kind: 'manufacturer-ca' | 'issuing-ca';
  /** The issuing CA's certificate: its subject becomes the issuer, its SKI the AKI. */
  readonly issuer: Certificate;
  readonly spki: Uint8Array;
  /** KECP 6.4 manufacturer id (both tiers carry it). */
  readonly manufacturerId: string;
  /** KECP 6.4 product id (an issuing CA may carry one). */
  readonly productId?: string;
  readonly crlUrl?: string;
  readonly ocspUrl?: string;
}

function addYears(date: Date, years: number): Date {
  const out = new Date(date.getTime());
  out.setUTCFullYear(out.getUTCFullYear() + years);
  return out;
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function caSubject(recipe: CaCommon, extra: readonly NameAttributeInput[]): Uint8Array {
  const rdns: NameAttributeInput[] = [];
  if (recipe.country !== undefined) rdns.push({ type: OID.countryName, value: recipe.country });
  rdns.push({ type: OID.organizationName, value: recipe.organization }, ...extra);
  rdns.push({ type: OID.commonName, value: recipe.commonName });
  return encodeName(rdns.map((a) => [a]));
}

function caKeyUsage(): Extension {
  return knownExtension('keyUsage', new Set(['keyCertSign', 'cRLSign'] as const), true);
}

/**
 * The fields of an ecosystem root certificate (KECP 5.1): basicConstraints cA without pathLen,
 * keyUsage keyCertSign+cRLSign (critical), subjectKeyIdentifier. Self-signed by the caller with
 * the root's own key; linted against the root profile before signing.
 */
export function rootCertificateFields(recipe: RootRecipe): CertificateFields {
  const notBefore = wholeSeconds(recipe.notBefore);
  const subject = caSubject(recipe, []);
  return {
    serial: recipe.serial,
    issuer: subject,
    subject,
    notBefore,
    notAfter: addYears(notBefore, recipe.validityYears),
    spki: recipe.spki,
    extensions: [
      knownExtension('basicConstraints', { ca: true }, true),
      caKeyUsage(),
      knownExtension('subjectKeyIdentifier', keyIdentifierFromSpki(recipe.spki)),
    ],
  };
}

/**
 * The fields of a manufacturer CA (KECP 5.2, pathLen 1) or an issuing CA (KECP 5.3, pathLen 0)
 * under `issuer`: the manufacturer id (and product id) in the subject, the device identity policy,
 * key identifiers, and optional CRL and OCSP pointers.
 */
export function subordinateCaFields(recipe: SubordinateCaRecipe): CertificateFields {
  if (!isManufacturerId(recipe.manufacturerId)) {
    fail('ERR_X509_BUILD_INVALID', `"${recipe.manufacturerId}" is not a manufacturer id (KECP 6.4)`);
  }
  if (recipe.productId !== undefined && (recipe.kind !== 'issuing-ca' || !isProductId(recipe.productId))) {
    fail('ERR_X509_BUILD_INVALID', 'a product id is allowed only on an issuing CA, as 1–32 of a-z 0-9 and -');
  }
  const issuerKeyId = recipe.issuer.decoded(OID.subjectKeyIdentifier, decodeSubjectKeyIdentifier);
  if (issuerKeyId === undefined) fail('ERR_X509_BUILD_INVALID', 'the issuing certificate has no subjectKeyIdentifier');
  const extra: NameAttributeInput[] = [{ type: KEYLINE_ATTRIBUTE.manufacturerId, value: recipe.manufacturerId }];
  if (recipe.productId !== undefined) extra.push({ type: KEYLINE_ATTRIBUTE.productId, value: recipe.productId });
  const extensions: Extension[] = [
    knownExtension('basicConstraints', { ca: true, pathLen: recipe.kind === 'manufacturer-ca' ? 1 : 0 }, true),
    caKeyUsage(),
    knownExtension('subjectKeyIdentifier', keyIdentifierFromSpki(recipe.spki)),
    knownExtension('authorityKeyIdentifier', { keyIdentifier: issuerKeyId }),
    knownExtension('certificatePolicies', [{ policyId: KEYLINE_POLICY.deviceIdentityV1 }]),
  ];
  if (recipe.crlUrl !== undefined) {
    extensions.push(knownExtension('cRLDistributionPoints', crlDistributionPointsFromUris([recipe.crlUrl])));
  }
  if (recipe.ocspUrl !== undefined) {
    const access: AccessDescription[] = [{ method: OID.ocsp, location: { type: 'uri', value: recipe.ocspUrl } }];
    extensions.push(knownExtension('authorityInfoAccess', access));
  }
  const notBefore = wholeSeconds(recipe.notBefore);
  const notAfter = addYears(notBefore, recipe.validityYears);
  if (notAfter.getTime() > recipe.issuer.notAfter.getTime()) {
    fail('ERR_X509_BUILD_INVALID', 'a CA certificate may not outlive its issuer');
  }
  return {
    serial: recipe.serial,
    issuer: recipe.issuer.subject.der,
    subject: caSubject(recipe, extra),
    notBefore,
    notAfter,
    spki: recipe.spki,
    extensions,
  };
}
