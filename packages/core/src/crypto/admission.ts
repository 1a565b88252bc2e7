/**
 * Admission to a cache on the second sighting. A verifier meets most devices once (a new device,
 * or one whose entries have long left the caches); caching each of them keeps its objects alive
 * for the next thousand verifications, long enough for the garbage collector to copy them into
 * the old generation and trace them there, which cost new devices more than the cache saved.
 * Remembering only a small hash of what was met, and caching it when met again, keeps the caches
 * for devices that do come back.
 *
 * The memory is a fixed table of hashes and when they were met, with no reference to what was
 * met: two items whose hashes share a slot push each other out, and a hash collision admits an
 * item on its first sighting. Either only changes what is cached, never an answer.
 */
export class SecondSighting {
  private readonly hashes: Int32Array;
  private readonly when: Uint32Array;
  private readonly mask: number;
  private sightings = 0;

  /**
   * `window`: how many sightings later an item met again is still admitted (a cache's capacity:
   * an item coming back later than that would have left an LRU of that size anyway).
   */
  constructor(private readonly window: number) {
    if (!Number.isInteger(window) || window < 1 || window > 1 << 24) {
      throw new TypeError('window must be a whole number from 1 to 2^24');
    }
    // Four slots per remembered sighting, so that few are pushed out by another's hash.
    let slots = 1;
    while (slots < window * 4) slots *= 2;
    this.hashes = new Int32Array(slots);
    this.when = new Uint32Array(slots);
    this.mask = slots - 1;
  }

  /**
   * Whether the item of hash `hash` was met within the last `window` sightings (and so may be
   * cached); remembers this sighting.
   */
  admit(hash: number): boolean {
    const h = hash | 1; // 0 marks an empty slot
    const slot = (h ^ (h >>> 16)) & this.mask;
    const now = ++this.sightings >>> 0;
    const again = this.hashes[slot] === h && (now - this.when[slot]!) >>> 0 <= this.window;
    this.hashes[slot] = h;
    this.when[slot] = now;
    return again;
  }

  /** Forgets every sighting. */
  clear(): void {
    this.hashes.fill(0);
  }
}

/** Characters hashed: the end of a certificate's text, where its random part (the signature) is. */
const SAMPLE = 48;

/** FNV-1a over the last SAMPLE characters of `text` (base64 of a certificate: its signature). */
export function tailHashOfText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = Math.max(0, text.length - SAMPLE); i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  }
  return hash ^ text.length;
}
