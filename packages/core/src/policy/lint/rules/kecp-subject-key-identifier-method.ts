import { computeKeyIdentifier } from '../../../x509/extensions/subject-key-identifier.js';
import { subjectKeyIdentifierOf } from '../../decoded.js';
import type { LintRule } from '../types.js';
import { everyProfile, sameBytes } from '../helpers.js';

/**
 * KECP 4.6: subjectKeyIdentifier is derived from the key, so that anyone can recompute it: the
 * SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 method 1, Keyline's choice and OpenSSL's
 * default) or the leftmost 160 bits of its SHA-256 (RFC 7093 method 1).
 */
export const subjectKeyIdentifierMethodRule: LintRule = {
  id: 'kecp.subject-key-identifier-method',
  severity: 'warning',
  clause: 'KECP 4.6',
  description: 'subjectKeyIdentifier is SHA-1 (RFC 5280 method 1) or truncated SHA-256 (RFC 7093) of the public key.',
  appliesTo: everyProfile,
  check(cert) {
    const ski = subjectKeyIdentifierOf(cert);
    if (ski === undefined) return undefined;
    if (sameBytes(ski, computeKeyIdentifier(cert.publicKey, 'sha1'))) return undefined;
    if (sameBytes(ski, computeKeyIdentifier(cert.publicKey, 'sha256-160'))) return undefined;
    return 'subjectKeyIdentifier is not derived from the public key by RFC 5280 method 1 or RFC 7093';
  },
};
