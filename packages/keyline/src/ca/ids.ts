import type { RandomSource } from '@keyline/core';

/**
 * Record identifiers: a short prefix that says what the id names (`ca_`, `crt_`) and 80 bits from
 * the injected random source, in lower-case hex. They are opaque keys (URLs, foreign keys), never
 * secrets, so the random source only has to make collisions negligible.
 */
export function newId(prefix: 'ca' | 'crt', random: RandomSource): string {
  return `${prefix}_${Buffer.from(random.bytes(10)).toString('hex')}`;
}
