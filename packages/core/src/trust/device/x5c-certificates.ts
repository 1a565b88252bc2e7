import { isKeylineError } from '../../errors/keyline-error.js';
import { LruCache } from '../../crypto/lru.js';
import { Certificate } from '../../x509/certificate/certificate.js';
import type { ValidationCache } from '../cache/validation-cache.js';
import { refuse, type Refusal } from '../validate/outcome.js';
import { decodeBase64 } from './token/base64.js';

/** CA certificates of x5c remembered per ValidationCache, by their base64 text. */
const MAX_CA_TEXTS = 256;
/** Device certificates remembered per ValidationCache (devices that attest again), by their base64 text. */
const MAX_LEAF_TEXTS = 1024;

interface Texts {
  readonly cas: LruCache<string, Certificate>;
  readonly leaves: LruCache<string, Certificate>;
}

const byCache = new WeakMap<ValidationCache, Texts>();

/**
 * The x5c certificates, leaf first: each entry canonical standard base64 (RFC 7515 4.1.6) of a DER
 * certificate, or ERR_ATTEST_X5C_MALFORMED. With a cache, certificates are remembered by their
 * base64 text (bounded LRUs tied to the ValidationCache, CA and device certificates apart so that
 * a stream of new devices never pushes the CAs out): the same issuing and manufacturer CA texts
 * come with every token of a product line, and a device attests again; a hit skips base64
 * decoding and DER parsing and returns the very object the later checks have already met (and
 * remembered verdicts for). Decoding is a pure function of the text, so a hit changes no verdict.
 */
export function decodeX5c(x5c: readonly string[], cache: ValidationCache | undefined): Certificate[] | Refusal {
  let texts = cache === undefined ? undefined : byCache.get(cache);
  if (cache !== undefined && texts === undefined) {
    texts = { cas: new LruCache(MAX_CA_TEXTS), leaves: new LruCache(MAX_LEAF_TEXTS) };
    byCache.set(cache, texts);
  }
  const out: Certificate[] = [];
  for (let index = 0; index < x5c.length; index++) {
    const text = x5c[index]!;
    const memo = index === 0 ? texts?.leaves : texts?.cas;
    const known = memo?.get(text);
    if (known !== undefined) {
      out.push(known);
      continue;
    }
    const der = decodeBase64(text);
    if (der === undefined || der.length === 0) {
      return refuse('ERR_ATTEST_X5C_MALFORMED', `x5c[${index}] is not canonical standard base64`);
    }
    let certificate: Certificate;
    try {
      certificate = index === 0 || cache === undefined ? Certificate.fromDer(der) : cache.certificateFromDer(der);
    } catch (error) {
      if (isKeylineError(error)) return refuse('ERR_ATTEST_X5C_MALFORMED', `x5c[${index}]: ${error.message}`);
      throw error;
    }
    memo?.set(text, certificate);
    out.push(certificate);
  }
  return out;
}
