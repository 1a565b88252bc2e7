/**
 * The byte layout of a compressed device certificate (docs/compressed-certificates.md): 72 octets
 * that, with the issuing CA's device template, the chip's public key and its serial, rebuild the
 * certificate's DER byte for byte.
 *
 * | offset | octets | field                                                        |
 * | ------ | ------ | ------------------------------------------------------------ |
 * | 0      | 1      | format version (1)                                           |
 * | 1      | 3      | template id: first octets of the template's fingerprint      |
 * | 4      | 4      | dates: issue year/month/day/hour, expire years, reserved     |
 * | 8      | 64     | ECDSA P-256 signature as r ‖ s (IEEE P1363)                   |
 */

/** The only format version this codec writes and reads. */
export const COMPRESSED_FORMAT_VERSION = 1;
/** Total length of a compressed device certificate. */
export const COMPRESSED_DEVICE_LENGTH = 72;

export const VERSION_OFFSET = 0;
export const TEMPLATE_ID_OFFSET = 1;
export const TEMPLATE_ID_LENGTH = 3;
export const DATES_OFFSET = 4;
export const DATES_LENGTH = 4;
export const SIGNATURE_OFFSET = 8;
/** r ‖ s, 32 octets each for P-256. */
export const SIGNATURE_LENGTH = 64;
