/**
 * A small least-recently-used map with a fixed capacity. JavaScript `Map` keeps insertion order, so
 * re-inserting on every hit keeps the oldest entry first, and eviction drops it.
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private capacity: number) {
    LruCache.checkCapacity(capacity);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    this.evict();
  }

  clear(): void {
    this.entries.clear();
  }

  resize(capacity: number): void {
    LruCache.checkCapacity(capacity);
    this.capacity = capacity;
    this.evict();
  }

  private evict(): void {
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) return;
      this.entries.delete(oldest.value);
    }
  }

  private static checkCapacity(capacity: number): void {
    if (!Number.isInteger(capacity) || capacity < 0)
      throw new TypeError('cache capacity must be a non-negative integer');
  }
}
