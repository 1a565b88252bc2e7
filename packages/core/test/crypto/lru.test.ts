import { describe, expect, it } from 'vitest';
import { LruCache } from '../../src/crypto/lru.js';

describe('LruCache', () => {
  it('evicts the least recently used entry beyond its capacity', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('c', 3);
    expect(cache.has('b')).toBe(false);
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('shrinks on resize, and holds nothing at capacity 0', () => {
    const cache = new LruCache<number, number>(3);
    for (const i of [1, 2, 3]) cache.set(i, i);
    cache.resize(1);
    expect([cache.has(1), cache.has(2), cache.has(3)]).toEqual([false, false, true]);
    cache.resize(0);
    cache.set(4, 4);
    expect(cache.size).toBe(0);
    expect(() => cache.resize(-1)).toThrow(TypeError);
  });
});
