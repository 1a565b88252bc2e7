import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

/**
 * RFC 5280 4.1.2.2: the serial is a positive integer of at most 20 octets. The certificate parser
 * already refuses others; this rule holds for any lint target, including a template's TBS view.
 */
export const serialNumberRule: LintRule = {
  id: 'rfc5280.serial-number',
  severity: 'error',
  clause: 'RFC 5280 4.1.2.2',
  description: 'The serial number is a positive integer of at most 20 octets.',
  appliesTo: everyProfile,
  check(cert) {
    const m = cert.serialNumber;
    let first = 0;
    while (first < m.length && m[first] === 0) first++;
    if (first === m.length) return 'serial number is zero; it must be a positive integer';
    // A magnitude with its top bit set takes a 0x00 sign octet in the encoding.
    const encoded = m.length - first + ((m[first]! & 0x80) !== 0 ? 1 : 0);
    if (encoded > 20) return `serial number takes ${encoded} octets; at most 20 are allowed`;
    return undefined;
  },
};
