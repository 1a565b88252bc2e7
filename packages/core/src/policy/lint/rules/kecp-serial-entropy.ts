import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

/** Fewest significant octets a serial may have: 64 bits from a CSPRNG plus a non-zero leading octet. */
export const MIN_SERIAL_OCTETS = 9;

/**
 * KECP 4.1: serials carry at least 64 bits from a cryptographically secure random source (as the
 * CA/Browser Forum requires), so they cannot be predicted. Keyline's serials are 9 to 20 octets
 * whose leading octet is 0x01..0x7f, so a serial with fewer than 9 significant octets cannot be
 * one of ours.
 */
export const serialEntropyRule: LintRule = {
  id: 'kecp.serial-entropy',
  severity: 'error',
  clause: 'KECP 4.1',
  description: `The serial number has at least ${MIN_SERIAL_OCTETS} significant octets (64 bits or more of CSPRNG output).`,
  appliesTo: everyProfile,
  check(cert) {
    const m = cert.serialNumber;
    let first = 0;
    while (first < m.length && m[first] === 0) first++;
    const significant = m.length - first;
    return significant < MIN_SERIAL_OCTETS
      ? `serial number has ${significant} significant octets; at least ${MIN_SERIAL_OCTETS} are required for 64 bits of entropy`
      : undefined;
  },
};
