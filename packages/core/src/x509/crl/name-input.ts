import { fail, KeylineError } from '../../errors/keyline-error.js';
import { Tag } from '../der/tags.js';
import { parseDer } from '../der/validate.js';
import { readName } from '../name/parse.js';
import type { Name } from '../name/types.js';

/**
 * Checks that a builder's name input is the DER of exactly one Name and returns it decoded.
 * Anything else is ERR_X509_BUILD_INVALID (with the decoding error as cause). `what` names the field.
 */
export function requireNameDer(encoded: Uint8Array, what: string): Name {
  if (!(encoded instanceof Uint8Array)) throw new TypeError(`${what} must be the DER of a Name`);
  try {
    const top = parseDer(encoded);
    if (top.tag !== Tag.SEQUENCE) fail('ERR_X509_BAD_NAME', 'Name must be a SEQUENCE');
    return readName(encoded, top);
  } catch (error) {
    if (error instanceof KeylineError) {
      throw new KeylineError('ERR_X509_BUILD_INVALID', `${what} is not a DER Name: ${error.message}`, undefined, {
        cause: error,
      });
    }
    throw error;
  }
}
