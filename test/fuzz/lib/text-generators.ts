import { GENERATORS, seedPool, type Generator } from './mutate.js';
import type { Rng } from './rng.js';

/**
 * Generators for text parsers (PEM, device URNs): the byte-level ones that make sense on text, plus
 * mutations that know PEM's shape (labels, armour lines, base64 bodies) and floods that probe for
 * super-linear scanning.
 */
const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const dec = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

const BYTE_LEVEL = new Set(['random-bytes', 'truncate', 'byte-mutation', 'multi-byte-mutation', 'trailing-bytes']);

const PEM_BLOCK = /-----BEGIN ([^-]*)-----([\s\S]*?)-----END ([^-]*)-----/;

function seedText(rng: Rng, seeds: readonly Uint8Array[]): string {
  return seeds.length === 0 ? '' : dec(rng.pick(seeds));
}

/** Re-armours the first block's DER after a structure-aware DER mutation. */
const mutatedDerInside: Generator = {
  name: 'pem-mutated-der',
  weight: 4,
  make: (rng, pool) => {
    const s = seedText(rng, pool.seeds);
    const m = PEM_BLOCK.exec(s);
    if (m === null) return enc(s);
    const derBytes = new Uint8Array(Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64'));
    const inner = rng.pick(GENERATORS.filter((g) => g.name !== 'random-bytes'));
    const mutated = inner.make(rng, seedPool([derBytes]));
    const body = (
      Buffer.from(mutated)
        .toString('base64')
        .match(/.{1,64}/g) ?? []
    ).join('\n');
    return enc(s.replace(m[0], `-----BEGIN ${m[1]}-----\n${body}\n-----END ${m[3]}-----`));
  },
};

const armourGames: Generator = {
  name: 'pem-armour',
  weight: 3,
  make: (rng, pool) => {
    let s = seedText(rng, pool.seeds);
    switch (rng.below(10)) {
      case 0:
        s = s.replace(/-----END [A-Z0-9 ]+-----/, '-----END SOMETHING ELSE-----');
        break;
      case 1:
        s = s.replace(/-----END [A-Z0-9 ]+-----/, '');
        break;
      case 2:
        s = s.replace('-----BEGIN ', '-----BEGIN \u0000');
        break;
      case 3:
        s = s.replace(/-----BEGIN ([A-Z0-9 ]+)-----/, '-----BEGIN $1----');
        break;
      case 4:
        s = s.replace(/\n/g, '\r\n');
        break;
      case 5:
        s = s.replace(/([A-Za-z0-9+/]{10})/, '$1=$1');
        break;
      case 6:
        s = s.replace(/([A-Za-z0-9+/]{10})/, '$1\u00e9*!');
        break;
      case 7:
        s = s.replace(/\n([A-Za-z0-9+/])/, '\n$1$1');
        break;
      case 8:
        s = s.replace(/-----BEGIN ([A-Z0-9 ]+)-----/, (_m, label: string) => `-----BEGIN ${label.toLowerCase()}-----`);
        break;
      default:
        s = s + s.slice(0, rng.below(s.length));
    }
    return enc(s);
  },
};

/** Inputs that a backtracking scanner handles in super-linear time. */
const floods: Generator = {
  name: 'pem-flood',
  weight: 1,
  make: (rng, pool) => {
    const n = rng.pick([100, 1000, 5000, 20_000]);
    switch (rng.below(6)) {
      case 0:
        return enc('-----BEGIN CERTIFICATE-----\n'.repeat(n));
      case 1:
        return enc('-----BEGIN '.repeat(n));
      case 2:
        return enc(`-----BEGIN CERTIFICATE-----\n${'A'.repeat(n * 50)}`);
      case 3:
        return enc('-----BEGIN A-----\nAAAA\n-----END A-----\n'.repeat(Math.min(n, 12_000)));
      case 4:
        return enc('-'.repeat(n * 20));
      default:
        return enc(seedText(rng, pool.seeds).repeat(Math.max(1, Math.floor(n / 50))));
    }
  },
};

const URN_ALPHABET = 'urn:dev:_-.%0123456789abcdefABCDEFxyz:_';

const textSplice: Generator = {
  name: 'text-splice',
  weight: 3,
  make: (rng, pool) => {
    let s = seedText(rng, pool.seeds);
    const n = rng.between(1, 8);
    for (let i = 0; i < n; i++) {
      const pos = rng.below(s.length + 1);
      const piece = rng.chance(0.5)
        ? URN_ALPHABET[rng.below(URN_ALPHABET.length)]!.repeat(rng.between(1, 4))
        : s.slice(rng.below(s.length), rng.below(s.length + 1));
      s = rng.chance(0.7) ? s.slice(0, pos) + piece + s.slice(pos) : s.slice(0, pos) + s.slice(pos + piece.length);
    }
    return enc(s);
  },
};

const longText: Generator = {
  name: 'long-text',
  weight: 1,
  make: (rng, pool) => {
    const s = seedText(rng, pool.seeds);
    const chunk = s.slice(rng.below(s.length)) || 'a';
    return enc(s + chunk.repeat(rng.pick([10, 100, 1000, 10_000])));
  },
};

/** For any text parser. */
export const TEXT_GENERATORS: readonly Generator[] = [
  ...GENERATORS.filter((g) => BYTE_LEVEL.has(g.name)),
  textSplice,
  longText,
];

/** For PEM: text generators plus armour-aware ones. */
export const PEM_GENERATORS: readonly Generator[] = [...TEXT_GENERATORS, mutatedDerInside, armourGames, floods];
