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
export function decodeX5c(
  x5c: readonly string[],
  cache: ValidationCache | undefined,
  leafSighting?: LeafSighting,
): Certificate[] | Refusal {
  const texts = cache === undefined ? undefined : textsOf(cache);
  const out: Certificate[] = [];
  for (let index = 0; index < x5c.length; index++) {
    const text = x5c[index]!;
    const certificate =
      index === 0 ? decodeLeaf(text, cache, texts, leafSighting) : decodeCa(text, index, cache, texts);
    if (!(certificate instanceof Certificate)) return certificate;
    out.push(certificate);
  }
  return out;
}

/**
 * The CA certificates of x5c (every entry after the leaf), decoded as decodeX5c decodes them: for
 * verifyDevice's shape lane, which reads the leaf itself.
 */
export function decodeX5cCas(x5c: readonly string[], cache: ValidationCache): Certificate[] | Refusal {
  const texts = textsOf(cache);
  const out: Certificate[] = [];
  for (let index = 1; index < x5c.length; index++) {
    const certificate = decodeCa(x5c[index]!, index, cache, texts);
    if (!(certificate instanceof Certificate)) return certificate;
    out.push(certificate);
  }
  return out;
}

/**
 * Whether the device certificate `text` is remembered (a device that attests again), without
 * counting a sighting.
 */
export function isRememberedLeaf(text: string, cache: ValidationCache): boolean {
  return textsOf(cache).leaves.has(text);
}

/** A device certificate's sighting counted before decodeX5c: whether it may be remembered. */
export interface LeafSighting {
  readonly again: boolean;
}

/** Counts a sighting of the device certificate `text`: whether it was met within the window before. */
export function sightLeaf(text: string, cache: ValidationCache): LeafSighting {
  return { again: textsOf(cache).leafSightings.admit(tailHashOfText(text)) };
}

function textsOf(cache: ValidationCache): Texts {
  let texts = byCache.get(cache);
  if (texts === undefined) {
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
  return texts;
}

function decodeLeaf(
  text: string,
  cache: ValidationCache | undefined,
  texts: Texts | undefined,
  sighting: LeafSighting | undefined,
): Certificate | Refusal {
  const known = texts?.leaves.get(text);
  if (known !== undefined) return known;
  const certificate = decodeText(text, 0, fromDer);
  if (!(certificate instanceof Certificate) || texts === undefined || cache === undefined) return certificate;
  const again = sighting?.again ?? texts.leafSightings.admit(tailHashOfText(text));
  if (again) texts.leaves.set(text, certificate);
  return certificate;
}

function decodeCa(
  text: string,
  index: number,
  cache: ValidationCache | undefined,
  texts: Texts | undefined,
): Certificate | Refusal {
  if (texts === undefined || cache === undefined) return decodeText(text, index, fromDer);
  const recent = recentCa(texts, text);
  if (recent !== undefined) return recent;
  const known = texts.cas.get(text);
  if (known !== undefined) {
    rememberRecentCa(texts, text, known);
    return known;
  }
  const certificate = decodeText(text, index, (der) => cache.certificateFromDer(der));
  if (certificate instanceof Certificate) {
    texts.cas.set(text, certificate);
    rememberRecentCa(texts, text, certificate);
  }
  return certificate;
}

function decodeText(text: string, index: number, decode: (der: Uint8Array) => Certificate): Certificate | Refusal {
  const der = decodeBase64(text);
  if (der === undefined || der.length === 0) {
    return refuse('ERR_ATTEST_X5C_MALFORMED', `x5c[${index}] is not canonical standard base64`);
  }
  try {
    return decode(der);
  } catch (error) {
    if (isKeylineError(error)) return refuse('ERR_ATTEST_X5C_MALFORMED', `x5c[${index}]: ${error.message}`);
    throw error;
  }
}

function fromDer(der: Uint8Array): Certificate {
  return Certificate.fromDer(der);
}
