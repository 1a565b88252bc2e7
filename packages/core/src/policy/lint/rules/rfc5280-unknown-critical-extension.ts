import { SUPPORTED_EXTENSION_OIDS } from '../../../x509/extensions/codecs.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

/**
 * RFC 5280 4.2: a relying party must reject a certificate with a critical extension it does not
 * recognise; so Keyline never issues one that its own validator (and most others) would reject.
 */
export const unknownCriticalExtensionRule: LintRule = {
  id: 'rfc5280.unknown-critical-extension',
  severity: 'error',
  clause: 'RFC 5280 4.2',
  description: 'Every critical extension is one that Keyline (and RFC 5280 path validation) processes.',
  appliesTo: everyProfile,
  check(cert) {
    return cert.extensions
      .filter((ext) => ext.critical && !SUPPORTED_EXTENSION_OIDS.has(ext.oid))
      .map((ext) => `extension ${ext.oid} is critical but not one a relying party can be expected to process`);
  },
};
