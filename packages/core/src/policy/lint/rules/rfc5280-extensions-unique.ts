import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

/**
 * RFC 5280 4.2: at most one instance of an extension. The parser refuses duplicates already;
 * this rule holds for other lint targets (a template's TBS view).
 */
export const extensionsUniqueRule: LintRule = {
  id: 'rfc5280.extensions-unique',
  severity: 'error',
  clause: 'RFC 5280 4.2',
  description: 'No extension appears more than once.',
  appliesTo: everyProfile,
  check(cert) {
    const seen = new Set<string>();
    const repeated = new Set<string>();
    for (const ext of cert.extensions) {
      if (seen.has(ext.oid)) repeated.add(ext.oid);
      seen.add(ext.oid);
    }
    return [...repeated].map((oid) => `extension ${oid} appears more than once`);
  },
};
