import type { KeyUsageName } from '../../x509/extensions/types.js';
import { OID } from '../../x509/oids.js';
import type { Purpose } from '../types.js';
import type { CertificateInfo } from './certificate-info.js';
import { PASS, refuse, type Check } from './outcome.js';

const PURPOSE_OID: Readonly<Record<Exclude<Purpose, 'any'>, string>> = {
  serverAuth: OID.serverAuth,
  clientAuth: OID.clientAuth,
};

/**
 * Key usages that let a TLS end entity do its part (RFC 5280 4.2.1.12 lists the consistent bits):
 * a server signs (ECDHE), decrypts (RSA key transport) or agrees keys (static ECDH); a client signs
 * or agrees keys. OpenSSL's purpose checks use the same sets.
 */
const LEAF_KEY_USAGES: Readonly<Record<Exclude<Purpose, 'any'>, readonly KeyUsageName[]>> = {
  serverAuth: ['digitalSignature', 'keyEncipherment', 'keyAgreement'],
  clientAuth: ['digitalSignature', 'keyAgreement'],
};

/**
 * The extended key usage of a certificate allows `purpose`: the extension is absent (RFC 5280
 * 4.2.1.12 leaves such a certificate unrestricted), or lists the purpose, or lists
 * anyExtendedKeyUsage (which RFC 5280 lets applications accept; Keyline does).
 */
function ekuAllows(info: CertificateInfo, purpose: Exclude<Purpose, 'any'>): boolean {
  const eku = info.extensions.extKeyUsage;
  return eku === undefined || eku.includes(PURPOSE_OID[purpose]) || eku.includes(OID.anyExtendedKeyUsage);
}

/** The end-entity certificate may serve `purpose`: extKeyUsage first, then keyUsage. */
export function checkLeafPurpose(info: CertificateInfo, purpose: Purpose): Check {
  if (purpose === 'any') return PASS;
  if (!ekuAllows(info, purpose)) {
    return refuse('ERR_PATH_PURPOSE_MISMATCH', `extKeyUsage does not include ${purpose} (RFC 5280 4.2.1.12)`);
  }
  const ku = info.extensions.keyUsage;
  if (ku !== undefined && !LEAF_KEY_USAGES[purpose].some((bit) => ku.has(bit))) {
    return refuse(
      'ERR_PATH_KEY_USAGE_MISMATCH',
      `keyUsage asserts none of ${LEAF_KEY_USAGES[purpose].join(', ')}, which ${purpose} needs (RFC 5280 4.2.1.3)`,
    );
  }
  return PASS;
}

/**
 * An intermediate CA whose extKeyUsage is present constrains the purposes of the certificates
 * below it. RFC 5280 defines extKeyUsage for end entities only; Keyline follows the common
 * practice (OpenSSL, Go, the web PKI) of reading it on CAs as a limit on what they may certify.
 * The trust anchor's extKeyUsage is not read: what an anchor is trusted for is the relying party's
 * configuration (RFC 5280 6.1.1 (d)).
 */
export function checkIntermediatePurpose(info: CertificateInfo, purpose: Purpose): Check {
  if (purpose === 'any' || ekuAllows(info, purpose)) return PASS;
  return refuse(
    'ERR_PATH_PURPOSE_MISMATCH',
    `the CA's extKeyUsage does not include ${purpose}, so it cannot certify it`,
  );
}
