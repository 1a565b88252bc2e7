import { Certificate } from '../../x509/certificate/certificate.js';
import type { DeviceShapes } from '../device/leaf-shapes.js';
import { DEFAULT_PATH_PREFIXES, PathPrefixCache } from './path-prefix-cache.js';

/** Options of a {@link ValidationCache}. */
export interface ValidationCacheOptions {
  /** Most (issuer, subject) signature results kept; the least recently used goes first. Default 10,000. */
  readonly maxEntries?: number;
  /**
   * Longest time, in milliseconds of validation time, an entry is trusted after it was stored.
   * Default: no bound beyond the certificates' own notAfter.
   */
  readonly maxAgeMs?: number;
  /** Most decoded intermediate and anchor certificates kept, by their DER bytes. Default 1,000. */
  readonly maxCertificates?: number;
  /**
   * Most validated path prefixes kept (the RFC 5280 state above a leaf: one per issuing CA, trust
   * anchor set and option set in use), so a leaf under a known issuing CA runs only its own steps.
   * Default 256; 0 turns this off.
   */
  readonly maxPathPrefixes?: number;
  /**
   * How the issuing CAs lay out their device certificates (core's `deviceTemplateShapes()`), for
   * verifyDevice's shape lane: a new device whose certificate is, octet for octet, its CA's
   * template with its own fields checks only those fields, its signature and its validity
   * (trust/device/leaf-lane.ts). Needs path prefixes. Default: none (every device gets the full check).
   */
  readonly deviceShapes?: DeviceShapes;
}

/** Counters of a {@link ValidationCache}, for tests and monitoring. */
export interface ValidationCacheStats {
  readonly entries: number;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  /** Decoded certificates held. */
  readonly certificates: number;
}

/** Default `maxEntries`. */
export const DEFAULT_VALIDATION_CACHE_ENTRIES = 10_000;

/** Default `maxCertificates`. */
export const DEFAULT_VALIDATION_CACHE_CERTIFICATES = 1_000;

/**
 * Remembers, across `verifyChain` calls, that a certificate's signature verified under an issuer
 * certificate's key. Keyed by the SHA-256 fingerprints of both certificates' DER: the check depends
 * only on the subject's signed bytes, algorithm and signature value and on the issuer's
 * subjectPublicKeyInfo, all of which those fingerprints cover, so a hit can never stand for a
 * different certificate (one with the same names but other bytes has another fingerprint).
 *
 * Only the signature check is memoised. Everything else RFC 5280 section 6 asks (validity at the
 * validation time, name chaining, basic and name constraints, policies, revocation, key purpose)
 * runs on every call, so verdicts are the same with and without a cache. Only successes are stored.
 *
 * Bounded by entry count (least recently used evicted first). An entry expires at the earlier
 * notAfter of the two certificates, or `maxAgeMs` after it was stored, both measured on the
 * validation time each call passes in (never the wall clock).
 *
 * It also keeps decoded intermediate and anchor certificates given as DER bytes, keyed by those
 * bytes (decoding is a pure function of them), so the same CA certificates are not parsed again on
 * every call. Also bounded, least recently used first.
 *
 * And it keeps validated path prefixes (`pathPrefixes`, see verify-chain.ts): the state of RFC 5280
 * section 6.1 after the trust anchor and the CA certificates of a path, so that a later leaf under
 * the same issuing CA, with the same pool and options, runs only its own steps. Used only for a
 * leaf whose path the full search would certainly find the same way, and only for a leaf that
 * passes; anything else runs the full search, so verdicts are the same with and without it.
 */
export class ValidationCache {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  // A Map iterates in insertion order: re-inserting on every hit keeps the least recently used first.
  private readonly entries = new Map<string, number>();
  private readonly maxCertificates: number;
  private readonly decoded = new Map<string, Certificate>();
  /** Validated path prefixes, for verify-chain.ts (internal; undefined when turned off). */
  readonly pathPrefixes: PathPrefixCache | undefined;
  /** The device-shape port verifyDevice's lane uses (undefined: no lane). */
  readonly deviceShapes: DeviceShapes | undefined;
  private hitCount = 0;
  private missCount = 0;
  private evictionCount = 0;

  constructor(options: ValidationCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_VALIDATION_CACHE_ENTRIES;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      throw new TypeError('maxEntries must be a positive integer');
    const maxAgeMs = options.maxAgeMs ?? Number.POSITIVE_INFINITY;
    if (Number.isNaN(maxAgeMs) || maxAgeMs <= 0) throw new TypeError('maxAgeMs must be a positive number');
    const maxCertificates = options.maxCertificates ?? DEFAULT_VALIDATION_CACHE_CERTIFICATES;
    if (!Number.isSafeInteger(maxCertificates) || maxCertificates < 0) {
      throw new TypeError('maxCertificates must be a non-negative integer');
    }
    this.maxEntries = maxEntries;
    this.maxAgeMs = maxAgeMs;
    this.maxCertificates = maxCertificates;
    const maxPathPrefixes = options.maxPathPrefixes ?? DEFAULT_PATH_PREFIXES;
    if (!Number.isSafeInteger(maxPathPrefixes) || maxPathPrefixes < 0) {
      throw new TypeError('maxPathPrefixes must be a non-negative integer');
    }
    this.pathPrefixes = maxPathPrefixes === 0 ? undefined : new PathPrefixCache(maxPathPrefixes);
    const shapes: unknown = options.deviceShapes;
    if (shapes !== undefined && typeof (shapes as { learn?: unknown } | null)?.learn !== 'function') {
      throw new TypeError('deviceShapes must have a learn function');
    }
    this.deviceShapes = options.deviceShapes;
  }

  /**
   * The certificate DER `der` decodes to, decoded once while it stays in the cache. Throws the
   * decoder's KeylineError exactly as `Certificate.fromDer` does (failures are not kept).
   */
  certificateFromDer(der: Uint8Array): Certificate {
    const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('latin1');
    const known = this.decoded.get(key);
    if (known !== undefined) {
      this.decoded.delete(key);
      this.decoded.set(key, known);
      return known;
    }
    // A copy: the caller may reuse its buffer, and the kept certificate must keep its own bytes.
    const certificate = Certificate.fromDer(Uint8Array.from(der));
    if (this.maxCertificates === 0) return certificate;
    this.decoded.set(key, certificate);
    while (this.decoded.size > this.maxCertificates) {
      const oldest = this.decoded.keys().next();
      if (oldest.done === true) break;
      this.decoded.delete(oldest.value);
    }
    return certificate;
  }

  /** Whether `subject`'s signature is known to verify under `issuer`'s key at validation time `atMs`. */
  hasVerified(subject: Certificate, issuer: Certificate, atMs: number): boolean {
    const key = keyOf(subject, issuer);
    const expiresAt = this.entries.get(key);
    if (expiresAt === undefined) {
      this.missCount++;
      return false;
    }
    this.entries.delete(key);
    if (atMs >= expiresAt) {
      this.missCount++;
      return false;
    }
    this.entries.set(key, expiresAt);
    this.hitCount++;
    return true;
  }

  /** Records that `subject`'s signature verified under `issuer`'s key, at validation time `atMs`. */
  recordVerified(subject: Certificate, issuer: Certificate, atMs: number): void {
    const expiresAt = Math.min(subject.notAfter.getTime(), issuer.notAfter.getTime(), atMs + this.maxAgeMs);
    if (!(atMs < expiresAt)) return;
    const key = keyOf(subject, issuer);
    this.entries.delete(key);
    this.entries.set(key, expiresAt);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
      this.evictionCount++;
    }
  }

  /** Drops every entry (counters are kept). */
  clear(): void {
    this.entries.clear();
    this.decoded.clear();
    this.pathPrefixes?.clear();
  }

  /** Current size and counters. */
  get stats(): ValidationCacheStats {
    return {
      entries: this.entries.size,
      hits: this.hitCount,
      misses: this.missCount,
      evictions: this.evictionCount,
      certificates: this.decoded.size,
    };
  }
}

function keyOf(subject: Certificate, issuer: Certificate): string {
  return `${issuer.fingerprint}|${subject.fingerprint}`;
}
