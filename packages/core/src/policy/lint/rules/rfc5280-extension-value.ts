import { KeylineError } from '../../../errors/keyline-error.js';
import { extensionCodecs, knownExtensionName } from '../../../x509/extensions/codecs.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

/**
 * RFC 5280 4.2 / 4.1: every extension Keyline knows holds a well-formed value of its ASN.1 type,
 * DER-encoded. The other rules read extensions through the same decoders; when one cannot decode,
 * the lint run skips the rules that need it and this rule reports the cause once.
 */
export const extensionValueRule: LintRule = {
  id: 'rfc5280.extension-value',
  severity: 'error',
  clause: 'RFC 5280 4.2',
  description: 'Every known extension value decodes as its ASN.1 type in DER.',
  appliesTo: everyProfile,
  check(cert) {
    const problems: string[] = [];
    for (const ext of cert.extensions) {
      const name = knownExtensionName(ext.oid);
      if (name === undefined) continue;
      try {
        cert.decoded(ext.oid, extensionCodecs[name].decode as (value: Uint8Array) => unknown);
      } catch (error) {
        if (!(error instanceof KeylineError)) throw error;
        problems.push(`${name} does not decode: ${error.message}`);
      }
    }
    return problems;
  },
};
