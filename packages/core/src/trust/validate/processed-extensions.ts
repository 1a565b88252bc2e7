import type { Certificate } from '../../x509/certificate/certificate.js';
import { SUPPORTED_EXTENSION_OIDS } from '../../x509/extensions/codecs.js';
import { PASS, refuse, type Check } from './outcome.js';

/**
 * RFC 5280 4.2 and 6.1.4 (o) / 6.1.5 (e): "A certificate-using system MUST reject the certificate
 * if it encounters a critical extension it does not recognize". Keyline recognises the extensions
 * it decodes (SUPPORTED_EXTENSION_OIDS): the ones validation acts on (basicConstraints, keyUsage,
 * extKeyUsage, key identifiers, subjectAltName, nameConstraints and the policy extensions) and the
 * informational ones it can read (issuerAltName, cRLDistributionPoints, information access; the
 * profile rules refuse the access extensions when critical).
 */
export function checkCriticalExtensions(certificate: Certificate): Check {
  for (const ext of certificate.extensions) {
    if (ext.critical && !SUPPORTED_EXTENSION_OIDS.has(ext.oid)) {
      return refuse(
        'ERR_PATH_UNKNOWN_CRITICAL_EXTENSION',
        `critical extension ${ext.oid} is not one Keyline processes`,
      );
    }
  }
  return PASS;
}
