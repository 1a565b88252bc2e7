import { KeylineError } from '../../errors/keyline-error.js';
import { OID } from '../../x509/oids.js';
import {
  attributeValue,
  basicConstraintsOf,
  certificatePoliciesOf,
  extKeyUsageOf,
  keyUsageOf,
  subjectAltNameOf,
} from '../decoded.js';
import { isSelfIssued } from '../lint/helpers.js';
import { KEYLINE_ATTRIBUTE, KEYLINE_POLICY } from '../oids.js';
import type { LintTarget } from '../target.js';
import type { ProfileName } from './types.js';

/** Decodes through `read`, treating a malformed extension as absent (lint reports it; detection only guesses). */
function quietly<T>(read: () => T | undefined): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof KeylineError) return undefined;
    throw error;
  }
}

/**
 * Guesses which profile a certificate was meant for (`keyline lint --profile auto`):
 * - a CA (cA or keyCertSign): self-issued → `root`; pathLenConstraint 0 → `issuing-ca`; else
 *   `manufacturer-ca`;
 * - an OCSP responder (OCSPSigning or id-pkix-ocsp-nocheck) → `ocsp-signer`;
 * - the operational policy → `ldevid`; the device identity policy → `device`;
 * - otherwise a manufacturer id or a hardwareModuleName → `device`; clientAuth → `ldevid`;
 *   anything else → `device`.
 * It never throws: an extension that does not decode counts as absent here, and lint reports it.
 */
export function detectProfile(cert: LintTarget): ProfileName {
  const bc = quietly(() => basicConstraintsOf(cert));
  const ku = quietly(() => keyUsageOf(cert));
  if (bc?.ca === true || ku?.has('keyCertSign') === true) {
    if (isSelfIssued(cert)) return 'root';
    return bc?.pathLen === 0 ? 'issuing-ca' : 'manufacturer-ca';
  }
  const eku = quietly(() => extKeyUsageOf(cert));
  if (eku?.includes(OID.ocspSigning) === true || cert.extension(OID.ocspNoCheck) !== undefined) return 'ocsp-signer';
  const policies = quietly(() => certificatePoliciesOf(cert))?.map((p) => p.policyId) ?? [];
  if (policies.includes(KEYLINE_POLICY.operationalV1)) return 'ldevid';
  if (policies.includes(KEYLINE_POLICY.deviceIdentityV1)) return 'device';
  const hasModule = quietly(() => subjectAltNameOf(cert))?.some(
    (gn) => gn.type === 'otherName' && gn.hardwareModuleName !== undefined,
  );
  if (hasModule === true || attributeValue(cert.subject.rdns, KEYLINE_ATTRIBUTE.manufacturerId) !== undefined)
    return 'device';
  if (eku?.includes(OID.clientAuth) === true) return 'ldevid';
  return 'device';
}
