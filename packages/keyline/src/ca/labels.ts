import { fail } from '@keyline/core';
import type { Store } from './store-port.js';

/** A CA label (used in EST paths, /.well-known/est/<label>/): 1–63 of a-z 0-9 '-', not at either end. */
export const LABEL_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A label from a CA's name: lower case, runs of other characters as one '-'. */
export function labelFromName(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56)
    .replace(/-+$/, '');
  return slug.length > 0 ? slug : 'ca';
}

/**
 * The label for a new CA: the one asked for (ERR_CA_LABEL_TAKEN when in use, ERR_CA_BAD_INPUT when
 * malformed) or one made from the name, with `-2`, `-3`, … added until it is free. The store's
 * unique constraint still decides between two concurrent creations.
 */
export async function chooseLabel(store: Store, requested: string | undefined, name: string): Promise<string> {
  if (requested !== undefined) {
    if (typeof requested !== 'string' || !LABEL_PATTERN.test(requested)) {
      fail('ERR_CA_BAD_INPUT', 'a label is 1–63 of a-z, 0-9 and -, not starting or ending with -');
    }
    if ((await store.cas.getByLabel(requested)) !== undefined) {
      fail('ERR_CA_LABEL_TAKEN', `a CA labelled "${requested}" exists: choose another label`);
    }
    return requested;
  }
  const base = labelFromName(name);
  for (let n = 1; n < 1000; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if ((await store.cas.getByLabel(candidate)) === undefined) return candidate;
  }
  return fail('ERR_CA_LABEL_TAKEN', `no free label near "${base}": give one with --label`);
}
