import { authorityKeyIdentifierOf } from '../../decoded.js';
import type { LintRule } from '../types.js';
import { everyProfile, isSelfIssued } from '../helpers.js';

/**
 * RFC 5280 4.2.1.1: authorityKeyIdentifier with its keyIdentifier field is present in every
 * certificate except a self-signed one (the root).
 */
export const authorityKeyIdentifierRule: LintRule = {
  id: 'rfc5280.authority-key-identifier',
  severity: 'error',
  clause: 'RFC 5280 4.2.1.1',
  description: 'authorityKeyIdentifier with a keyIdentifier is present, except in a self-signed root.',
  appliesTo: everyProfile,
  check(cert, profile) {
    if (profile.selfSigned && isSelfIssued(cert)) return undefined;
    const aki = authorityKeyIdentifierOf(cert);
    if (aki === undefined) return 'authorityKeyIdentifier is missing';
    if (aki.keyIdentifier === undefined) return 'authorityKeyIdentifier has no keyIdentifier';
    return undefined;
  },
};
