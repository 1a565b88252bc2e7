import { LruCache } from '../../crypto/lru.js';
import type { DeviceShape } from '../device/leaf-shapes.js';
import type { PathPrefix } from '../validate/validate-path.js';

/** Default number of remembered path prefixes (one per issuing CA, anchor set and option set in use). */
export const DEFAULT_PATH_PREFIXES = 256;

/**
 * What one validated path above its leaf left behind: the certificates from the leaf's issuer up
 * to the trust anchor, by fingerprint, and the RFC 5280 state after them (validatePathPrefix).
 */
export interface PathPrefixEntry {
  /** Fingerprints of the path without its leaf: the issuer first, the trust anchor last. */
  readonly above: readonly string[];
  readonly prefix: PathPrefix;
  /** Fingerprints of every certificate of the candidate pool the path was built from. */
  readonly pool: ReadonlySet<string>;
  /** The latest notBefore and the earliest notAfter of `above` (ms): the window in which all are valid. */
  readonly notBefore: number;
  readonly notAfter: number;
  /**
   * Device shapes a leaf of which passed its own steps under this prefix (verifyDevice's shape
   * lane, trust/device/leaf-lane.ts): their other certificates pass them too but for their
   * signature, validity and names, which the lane checks.
   */
  readonly passedShapes: Set<DeviceShape>;
}

/**
 * Path prefixes remembered across verifyChain calls (owned by a ValidationCache), so that a leaf
 * under a known issuing CA runs only its own steps of RFC 5280 section 6.1. Keyed by verify-chain.ts
 * on everything the prefix depends on: the options, the pool (trust anchors and intermediates by
 * fingerprint, in order) and the leaf's issuer name as encoded. Bounded, least recently used first.
 * Validity is not part of the key: a hit is used only when the validation time is inside the
 * entry's window, which is exactly when every certificate above the leaf is valid at that time.
 */
export class PathPrefixCache {
  private readonly entries: LruCache<string, PathPrefixEntry>;
  private changes = 0;

  constructor(capacity: number = DEFAULT_PATH_PREFIXES) {
    this.entries = new LruCache(capacity);
  }

  get(key: string): PathPrefixEntry | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: PathPrefixEntry): void {
    this.entries.set(key, entry);
    this.changes++;
  }

  /** Changes whenever an entry is added, replaced or dropped: a memo of a lookup holds while it stays. */
  get generation(): number {
    return this.changes;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.changes++;
  }
}
