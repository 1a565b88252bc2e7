import { fail, KeylineError } from '../../errors/keyline-error.js';
import { integerFromContent } from '../der/primitives.js';
import { contentOf, type Tlv } from '../der/tlv.js';
import { parseDer } from '../der/validate.js';

/**
 * Runs `read` over an extnValue after checking it is one strict DER element.
 *
 * Errors found by `parseDer` (the encoding itself) keep their `ERR_DER_*` code. Anything the
 * structure decoder finds afterwards (a wrong tag, a missing or extra field, a bad GeneralName)
 * becomes `ERR_X509_BAD_EXTENSION`, naming the extension, with the original code in
 * `detail.reason` and the original error as `cause`.
 */
export function decodeExtensionValue<T>(
  value: Uint8Array,
  extension: string,
  read: (buf: Uint8Array, top: Tlv) => T,
): T {
  const top = parseDer(value);
  try {
    return read(value, top);
  } catch (error) {
    if (error instanceof KeylineError && error.code !== 'ERR_X509_BAD_EXTENSION') {
      throw new KeylineError(
        'ERR_X509_BAD_EXTENSION',
        `${extension}: ${error.message}`,
        { extension, reason: error.code },
        { cause: error },
      );
    }
    throw error;
  }
}

/** Throws ERR_X509_BAD_EXTENSION for a structure error in `extension`. */
export function badExtension(extension: string, message: string): never {
  return fail('ERR_X509_BAD_EXTENSION', `${extension}: ${message}`, { extension });
}

/** Throws ERR_X509_BUILD_INVALID: an encoder was asked for something the extension cannot hold. */
export function cannotEncode(extension: string, message: string): never {
  return fail('ERR_X509_BUILD_INVALID', `${extension}: ${message}`, { extension });
}

/** Checks the top element carries `tag` (most extensions are a SEQUENCE). */
export function expectTop(top: Tlv, tag: number, extension: string, what: string): void {
  if (top.tag !== tag)
    badExtension(extension, `${what} expected tag 0x${tag.toString(16)}, found 0x${top.tag.toString(16)}`);
}

/**
 * An INTEGER under an IMPLICIT context tag (SkipCerts, BaseDistance), which parseDer does not
 * look inside: checks minimal encoding here and bounds it to 0..2^31-1.
 */
export function readImplicitCount(buf: Uint8Array, tlv: Tlv, extension: string, what: string): number {
  const content = contentOf(buf, tlv);
  if (content.length > 5) badExtension(extension, `${what} of ${content.length} octets is outside 0..2^31-1`);
  const value = integerFromContent(content);
  if (value < 0n || value > 0x7fffffffn) badExtension(extension, `${what} ${value} is outside 0..2^31-1`);
  return Number(value);
}

/** A count an encoder accepts: an integer 0..2^31-1. */
export function checkCount(value: number, extension: string, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    cannotEncode(extension, `${what} must be an integer in 0..2^31-1, got ${value}`);
  }
}

/** True when `value` is exactly one DER element (used to check opaque DER handed to encoders). */
export function isSingleDerElement(value: Uint8Array): boolean {
  try {
    parseDer(value);
    return true;
  } catch (error) {
    if (error instanceof KeylineError) return false;
    throw error;
  }
}
