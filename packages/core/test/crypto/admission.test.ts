import { describe, expect, it } from 'vitest';
import { SecondSighting, tailHashOfText } from '../../src/crypto/admission.js';

describe('SecondSighting', () => {
  it('admits an item met again within the window, not on its first sighting', () => {
    const s = new SecondSighting(4);
    expect(s.admit(11)).toBe(false);
    expect(s.admit(11)).toBe(true);
    expect(s.admit(11)).toBe(true);
    expect(s.admit(22)).toBe(false);
  });

  it('does not admit an item met again only after more than the window', () => {
    const s = new SecondSighting(3);
    expect(s.admit(1001)).toBe(false);
    for (const other of [2001, 3001, 4001]) s.admit(other);
    expect(s.admit(1001)).toBe(false); // four sightings later
    expect(s.admit(1001)).toBe(true); // and now met again at once
    s.clear();
    expect(s.admit(1001)).toBe(false);
  });

  it('refuses a window that is not a positive whole number', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 25]) expect(() => new SecondSighting(bad)).toThrow(TypeError);
  });
});

describe('tail hash', () => {
  it('depend on the end of the input and its length', () => {
    expect(tailHashOfText('abc'.repeat(40))).toBe(tailHashOfText('abc'.repeat(40)));
    expect(tailHashOfText('abc'.repeat(40))).not.toBe(tailHashOfText(`${'abc'.repeat(40)}d`));
    expect(tailHashOfText('')).toBe(tailHashOfText(''));
  });
});
