import type { LintRule } from '../types.js';
import { authorityInfoAccessRule } from './rfc5280-authority-info-access.js';
import { authorityKeyIdentifierRule } from './rfc5280-authority-key-identifier.js';
import { basicConstraintsCriticalRule } from './rfc5280-basic-constraints-critical.js';
import { caSubjectKeyIdentifierRule } from './rfc5280-ca-subject-key-identifier.js';
import { emptySubjectAltNameRule } from './rfc5280-empty-subject-alt-name.js';
import { extensionValueRule } from './rfc5280-extension-value.js';
import { extensionsUniqueRule } from './rfc5280-extensions-unique.js';
import { issuerNotEmptyRule } from './rfc5280-issuer-not-empty.js';
import { keyAgreementOnlyBitsRule } from './rfc5280-key-agreement-only-bits.js';
import { keyCertSignRule } from './rfc5280-key-cert-sign.js';
import { keyIdentifiersNonCriticalRule } from './rfc5280-key-identifiers-non-critical.js';
import { nameConstraintsRule } from './rfc5280-name-constraints.js';
import { pathLenRule } from './rfc5280-path-len.js';
import { policyExtensionsRule } from './rfc5280-policy-extensions.js';
import { serialNumberRule } from './rfc5280-serial-number.js';
import { subjectAltNameCriticalRule } from './rfc5280-subject-alt-name-critical.js';
import { uniqueIdentifiersRule } from './rfc5280-unique-identifiers.js';
import { unknownCriticalExtensionRule } from './rfc5280-unknown-critical-extension.js';
import { validityEncodingRule } from './rfc5280-validity-encoding.js';
import { namedCurveRule } from './rfc5480-named-curve.js';
import { ecdsaParametersRule } from './rfc5758-ecdsa-parameters.js';
import { attributeSyntaxRule } from './kecp-attribute-syntax.js';
import { basicConstraintsRule } from './kecp-basic-constraints.js';
import { certificatePoliciesRule } from './kecp-certificate-policies.js';
import { deviceIdHardwareSerialRule } from './kecp-device-id-hardware-serial.js';
import { deviceIdRule } from './kecp-device-id.js';
import { deviceUrnRule } from './kecp-device-urn.js';
import { ecPointRule } from './kecp-ec-point.js';
import { extKeyUsageRule } from './kecp-ext-key-usage.js';
import { extensionCriticalityRule } from './kecp-extension-criticality.js';
import { extensionsAllowedRule } from './kecp-extensions-allowed.js';
import { extensionsRequiredRule } from './kecp-extensions-required.js';
import { hardwareModuleNameRule } from './kecp-hardware-module-name.js';
import { issuerLinkageRule } from './kecp-issuer-linkage.js';
import { keyUsageRule } from './kecp-key-usage.js';
import { manufacturerMatchesIssuerRule } from './kecp-manufacturer-matches-issuer.js';
import { noExpirationRule } from './kecp-no-expiration.js';
import { ocspNoCheckRule } from './kecp-ocsp-no-check.js';
import { rootSelfIssuedRule } from './kecp-root-self-issued.js';
import { serialEntropyRule } from './kecp-serial-entropy.js';
import { signatureAlgorithmRule } from './kecp-signature-algorithm.js';
import { signatureHashRule } from './kecp-signature-hash.js';
import { subjectAltNameRule } from './kecp-subject-alt-name.js';
import { subjectAttributesRule } from './kecp-subject-attributes.js';
import { subjectKeyIdentifierMethodRule } from './kecp-subject-key-identifier-method.js';
import { subjectKeyRule } from './kecp-subject-key.js';
import { validityPeriodRule } from './kecp-validity-period.js';
import { validityWithinIssuerRule } from './kecp-validity-within-issuer.js';
import { versionRule } from './kecp-version.js';

/**
 * Every lint rule, in the order of the certificate's fields (KECP 7.2). Ids are unique and stable: a
 * rule may change its wording, never the meaning of its id. `rfc5280.extension-value` comes first:
 * when an extension does not decode it reports why, and the rules that need that extension are skipped.
 */
export const RULES: readonly LintRule[] = [
  extensionValueRule,
  versionRule,
  serialNumberRule,
  serialEntropyRule,
  ecdsaParametersRule,
  signatureAlgorithmRule,
  signatureHashRule,
  issuerNotEmptyRule,
  issuerLinkageRule,
  validityEncodingRule,
  validityPeriodRule,
  noExpirationRule,
  validityWithinIssuerRule,
  emptySubjectAltNameRule,
  subjectAttributesRule,
  attributeSyntaxRule,
  deviceIdRule,
  manufacturerMatchesIssuerRule,
  rootSelfIssuedRule,
  namedCurveRule,
  subjectKeyRule,
  ecPointRule,
  uniqueIdentifiersRule,
  extensionsUniqueRule,
  extensionsAllowedRule,
  extensionsRequiredRule,
  extensionCriticalityRule,
  unknownCriticalExtensionRule,
  authorityKeyIdentifierRule,
  caSubjectKeyIdentifierRule,
  keyIdentifiersNonCriticalRule,
  subjectKeyIdentifierMethodRule,
  basicConstraintsCriticalRule,
  basicConstraintsRule,
  keyCertSignRule,
  pathLenRule,
  keyUsageRule,
  keyAgreementOnlyBitsRule,
  extKeyUsageRule,
  certificatePoliciesRule,
  policyExtensionsRule,
  nameConstraintsRule,
  subjectAltNameCriticalRule,
  subjectAltNameRule,
  deviceUrnRule,
  hardwareModuleNameRule,
  deviceIdHardwareSerialRule,
  authorityInfoAccessRule,
  ocspNoCheckRule,
];
