import { isKeylineError } from '../../errors/keyline-error.js';
import { SecondSighting, tailHashOfText } from '../../crypto/admission.js';
import { LruCache } from '../../crypto/lru.js';
import { Certificate } from '../../x509/certificate/certificate.js';
import type { ValidationCache } from '../cache/validation-cache.js';
import { refuse, type Refusal } from '../validate/outcome.js';
import { decodeBase64 } from './token/base64.js';

/** CA certificates of x5c remembered per ValidationCache, by their base64 text. */
const MAX_CA_TEXTS = 256;
/**
 * Device certificates remembered per ValidationCache (devices that attest again), by their base64
 * text, from their second sighting on (crypto/admission.ts: a device met once is not kept).
 */
const MAX_LEAF_TEXTS = 1024;

/** CA texts compared directly before the LRU is asked (a product line's issuing and manufacturer CA). */
const RECENT_CA_TEXTS = 4;

interface Texts {
  readonly cas: LruCache<string, Certificate>;
  readonly leaves: LruCache<string, Certificate>;
  /** Device certificates met once, by a hash of their text: the ones admitted to `leaves` when met again. */
  readonly leafSightings: SecondSighting;
  /**
   * The last CA texts met and their certificates, in a ring. Each token brings its own copy of the
   * same ~1.5 KB texts; comparing them with the few recent ones costs less than the LRU's hashing
   * of every character (and re-inserting to refresh its order). The certificates are the ones the
   * LRU holds or held: decoding is a pure function of the text, so either answer is the same.
   */
  readonly recentTexts: string[];
  readonly recentCertificates: Certificate[];
  nextRecent: number;
}

/** The certificate remembered in `texts.recent*` for `text`, if any. */
function recentCa(texts: Texts, text: string): Certificate | undefined {
  const { recentTexts } = texts;
  for (let i = 0; i < recentTexts.length; i++) if (recentTexts[i] === text) return texts.recentCertificates[i];
  return undefined;
}

function rememberRecentCa(texts: Texts, text: string, certificate: Certificate): void {
  const slot = texts.nextRecent;
  texts.recentTexts[slot] = text;
  texts.recentCertificates[slot] = certificate;
  texts.nextRecent = (slot + 1) % RECENT_CA_TEXTS;
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
    texts = {
      cas: new LruCache(MAX_CA_TEXTS),
      leaves: new LruCache(MAX_LEAF_TEXTS),
      leafSightings: new SecondSighting(MAX_LEAF_TEXTS),
      recentTexts: [],
      recentCertificates: [],
      nextRecent: 0,
    };
    byCache.set(cache, texts);
  }
  const out: Certificate[] = [];
  for (let index = 0; index < x5c.length; index++) {
    const text = x5c[index]!;
    const recent = index === 0 || texts === undefined ? undefined : recentCa(texts, text);
    if (recent !== undefined) {
      out.push(recent);
      continue;
    }
    const memo = index === 0 ? texts?.leaves : texts?.cas;
    const known = memo?.get(text);
    if (known !== undefined) {
      if (index > 0) rememberRecentCa(texts!, text, known);
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
    if (index > 0) memo?.set(text, certificate);
    else if (texts?.leafSightings.admit(tailHashOfText(text)) === true) memo!.set(text, certificate);
    if (index > 0 && texts !== undefined) rememberRecentCa(texts, text, certificate);
    out.push(certificate);
  }
  return out;
}
