import { createHash } from 'node:crypto';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashBytes, hashHex } from '../../src/crypto/one-shot-hash.js';

describe('one-shot hashing', () => {
  it('answers what a Hash object answers, for every algorithm the code uses', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2048 }),
        fc.constantFrom('sha1', 'sha256', 'sha384', 'sha512'),
        (data, a) => {
          const expected = createHash(a).update(data).digest();
          const bytes = hashBytes(a, data);
          expect(Buffer.isBuffer(bytes)).toBe(true);
          expect(bytes.equals(expected)).toBe(true);
          expect(hashHex(a, data)).toBe(expected.toString('hex'));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('hashes a view by its own bytes, not its whole buffer', () => {
    const whole = Uint8Array.from({ length: 64 }, (_, i) => i);
    const view = whole.subarray(10, 20);
    expect(hashHex('sha256', view)).toBe(
      createHash('sha256')
        .update(Buffer.from(whole.slice(10, 20)))
        .digest('hex'),
    );
  });

  it('refuses an unknown algorithm', () => {
    expect(() => hashBytes('no-such-hash', new Uint8Array(1))).toThrow();
  });
});
