import {
  KeylineError,
  isDeviceId,
  isManufacturerId,
  isProductId,
  normalizeSerialHex,
  type CrlReason,
} from '@keyline/core';
import { REVOCATION_REASONS } from '../ca/index.js';
import type { CaKind, CertificateStatus } from '../ca/records.js';
import type { CaCurve } from '../ca/service-port.js';

/**
 * Validation of option values at the command-line edge. Each parser turns text into the value the
 * core takes, or throws ERR_CLI_BAD_OPTION (exit 2) with a message that says what to type instead.
 * Values from the command line are shown back shortened, so a hostile argument cannot flood a log.
 */

function shown(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}

function bad(message: string, option: string): never {
  throw new KeylineError('ERR_CLI_BAD_OPTION', message, { option });
}

/** An integer option in [min, max]; anything else (`1.5`, `ten`, `1e3`) is bad usage. */
export function parseInteger(option: string, value: string, min: number, max: number): number {
  if (!/^\d{1,10}$/.test(value))
    bad(`${option} must be a whole number from ${min} to ${max}, not "${shown(value)}"`, option);
  const n = Number(value);
  if (n < min || n > max) bad(`${option} must be from ${min} to ${max}, not ${n}`, option);
  return n;
}

/** One of a fixed set of words. */
export function parseChoice<T extends string>(option: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  return bad(`${option} must be one of ${choices.join(', ')}, not "${shown(value)}"`, option);
}

export const CURVES: readonly CaCurve[] = ['P-256', 'P-384'];
export const SUBORDINATE_KINDS: readonly Exclude<CaKind, 'root'>[] = ['manufacturer', 'issuing'];
export const CA_KINDS: readonly CaKind[] = ['root', 'manufacturer', 'issuing'];
export const ISSUE_PROFILES: readonly ('device' | 'ldevid')[] = ['device', 'ldevid'];
export const CERTIFICATE_STATUSES: readonly CertificateStatus[] = ['valid', 'revoked', 'reserved', 'signing', 'failed'];

/** KECP 6.4 manufacturer id: 1–32 of a-z 0-9 and '-' (a hex id such as `00a1b2` qualifies). */
export function parseManufacturerId(value: string): string {
  if (!isManufacturerId(value)) {
    bad(
      `--manufacturer-id "${shown(value)}" is not a manufacturer id: use 1 to 32 of a-z, 0-9 and '-' (KECP 6.4)`,
      '--manufacturer-id',
    );
  }
  return value;
}

/** KECP 6.4 product id, same syntax as a manufacturer id. */
export function parseProductId(value: string): string {
  if (!isProductId(value)) {
    bad(
      `--product-id "${shown(value)}" is not a product id: use 1 to 32 of a-z, 0-9 and '-' (KECP 6.4)`,
      '--product-id',
    );
  }
  return value;
}

/**
 * A certificate serial as hex: any case, optional `0x` and `:` separators (as OpenSSL prints
 * them), at most 20 octets (RFC 5280 4.1.2.2). Returns the canonical key the store uses.
 */
export function parseSerial(value: string, option = 'serial'): string {
  const compact = value.trim().replace(/^0x/i, '').replace(/:/g, '');
  if (!/^[0-9a-fA-F]{1,40}$/.test(compact)) {
    bad(
      `${option} "${shown(value)}" is not a serial number: give it in hex, e.g. 5f3a…, as keyline cert list shows`,
      option,
    );
  }
  return normalizeSerialHex(compact);
}

/** KECP 6.1 device id: the chip serial in lower-case hex, 4 to 32 octets. Upper case is accepted. */
export function parseDeviceId(value: string): string {
  const lower = value.toLowerCase();
  if (!isDeviceId(lower)) {
    bad(`--device-id "${shown(value)}" is not a device id: give the chip serial in hex, 8 to 64 digits`, '--device-id');
  }
  return lower;
}

/**
 * An RFC 5280 5.3.1 reason name (case-insensitive: `keyCompromise`, `keycompromise`), one the CA
 * accepts: removeFromCRL (delta CRLs only) and certificateHold (revocation is final) are refused.
 */
export function parseReason(value: string): CrlReason {
  const names = REVOCATION_REASONS;
  const match = names.find((name) => name.toLowerCase() === value.toLowerCase());
  if (match === undefined) bad(`--reason must be one of ${names.join(', ')}, not "${shown(value)}"`, '--reason');
  return match;
}

/** A client-chosen idempotency key: 1–128 printable ASCII characters without spaces. */
export function parseRequestId(value: string): string {
  if (!/^[\x21-\x7e]{1,128}$/.test(value)) {
    bad(`--request-id must be 1 to 128 printable characters without spaces, not "${shown(value)}"`, '--request-id');
  }
  return value;
}

/** A CA id or label as typed: letters, digits, '_', '-', '.', at most 128. */
export function parseCaRef(value: string, option: string): string {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(value)) {
    bad(`${option} "${shown(value)}" is not a CA id: use an id or label that keyline ca list shows`, option);
  }
  return value;
}

/** A common name for a CA: 1–64 characters (X.520 ub-common-name), no control characters. */
export function parseCommonName(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (value.trim().length === 0 || [...value].length > 64 || /[\u0000-\u001f\u007f]/.test(value)) {
    bad('--name must be 1 to 64 characters without control characters (X.520 ub-common-name)', '--name');
  }
  return value;
}

/** An opaque pagination cursor as `keyline cert list` printed it. */
export function parseCursor(value: string): string {
  if (!/^[\x21-\x7e]{1,512}$/.test(value))
    bad('--cursor must be the value a previous keyline cert list printed', '--cursor');
  return value;
}
