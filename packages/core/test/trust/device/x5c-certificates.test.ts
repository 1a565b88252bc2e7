import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationCache } from '../../../src/trust/cache/validation-cache.js';
import { decodeX5c } from '../../../src/trust/device/x5c-certificates.js';
import type { Certificate } from '../../../src/x509/certificate/certificate.js';
import { makeDevice, makeEcosystem, type Ecosystem } from './fixtures.js';

const text = (certificate: Certificate): string => Buffer.from(certificate.der).toString('base64');
/** A new string with the same characters: what every token brings (no shared string object). */
const copy = (s: string): string => Buffer.from(s, 'latin1').toString('latin1');

describe('decodeX5c with a cache', () => {
  let ecos: Ecosystem[];
  beforeAll(async () => {
    ecos = await Promise.all([1, 2, 3].map((n) => makeEcosystem(`X5c Test ${n}`)));
  });

  it('answers the same CA certificate object for the same text, and the right one among many CAs', () => {
    const cache = new ValidationCache();
    const first = new Map<string, Certificate>();
    // More CA texts than the recent ring holds, met in turns, so answers come from the ring, the
    // LRU and fresh decoding.
    for (let round = 0; round < 4; round++) {
      for (const eco of ecos) {
        const leaf = makeDevice(eco).certificate;
        const x5c = [text(leaf), copy(text(eco.issuing)), copy(text(eco.manufacturer))];
        const decoded = decodeX5c(x5c, cache) as Certificate[];
        expect(Array.isArray(decoded)).toBe(true);
        expect(Buffer.from(decoded[0]!.der).equals(Buffer.from(leaf.der))).toBe(true);
        for (const [index, ca] of [eco.issuing, eco.manufacturer].entries()) {
          const got = decoded[index + 1]!;
          expect(Buffer.from(got.der).equals(Buffer.from(ca.der))).toBe(true);
          const key = text(ca);
          if (!first.has(key)) first.set(key, got);
          expect(got).toBe(first.get(key));
        }
      }
    }
    expect(first.size).toBe(6);
  });

  it('still refuses a CA text that differs by one character from a remembered one', () => {
    const cache = new ValidationCache();
    const eco = ecos[0]!;
    const leaf = text(makeDevice(eco).certificate);
    const issuing = text(eco.issuing);
    expect(Array.isArray(decodeX5c([leaf, issuing], cache))).toBe(true);
    const changed = `${issuing.slice(0, 40)}${issuing[40] === 'A' ? 'B' : 'A'}${issuing.slice(41)}`;
    const answer = decodeX5c([leaf, changed], cache);
    if (Array.isArray(answer)) {
      // A change inside the DER may still decode: then it is another certificate, never the remembered one.
      expect(Buffer.from(answer[1]!.der).equals(Buffer.from(eco.issuing.der))).toBe(false);
    } else {
      expect(answer.code).toBe('ERR_ATTEST_X5C_MALFORMED');
    }
  });

  it('keeps a device certificate from its second sighting on, and only within the window', () => {
    const cache = new ValidationCache();
    const eco = ecos[0]!;
    const cas = [copy(text(eco.issuing)), copy(text(eco.manufacturer))];
    const decodeLeaf = (leafText: string): Certificate =>
      (decodeX5c([copy(leafText), ...cas], cache) as Certificate[])[0]!;
    const device = text(makeDevice(eco).certificate);
    // Met once: decoded, not kept (a new object each time until it is admitted).
    const first = decodeLeaf(device);
    const second = decodeLeaf(device);
    expect(second).not.toBe(first);
    // Met again within the window: admitted, and from then on the same object.
    const third = decodeLeaf(device);
    expect(third).toBe(second);
    expect(decodeLeaf(device)).toBe(second);
    // A device met once, then again only after more than the window (1,024 other devices'
    // sightings), is not admitted: it would have left the cache by then anyway.
    const rare = text(makeDevice(eco).certificate);
    const rareFirst = decodeLeaf(rare);
    const others = Array.from({ length: 1030 }, () => text(makeDevice(eco).certificate));
    for (const other of others) decodeLeaf(other);
    const rareAgain = decodeLeaf(rare);
    expect(rareAgain).not.toBe(rareFirst);
    // Counted as a first sighting again: the next one is admitted, and kept from then on.
    const admitted = decodeLeaf(rare);
    expect(admitted).not.toBe(rareAgain);
    expect(decodeLeaf(rare)).toBe(admitted);
  });
});
