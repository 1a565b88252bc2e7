import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The committed seed corpus (valid encodings made by OpenSSL; see corpus/make-corpus.sh). */
export const CORPUS_DIR = join(import.meta.dirname, '..', 'corpus');

/** Every corpus file whose name starts with `prefix` and ends with `suffix`, as bytes. */
export function corpusFiles(prefix: string, suffix = '.der'): Uint8Array[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.startsWith(prefix) && f.endsWith(suffix))
    .sort()
    .map((f) => new Uint8Array(readFileSync(join(CORPUS_DIR, f))));
}
