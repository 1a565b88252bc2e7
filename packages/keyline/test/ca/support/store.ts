import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../../src/ca/store-port.js';
import { initStore } from '../../../src/store/index.js';

/** A fresh SQLite store in a temporary data directory; `dispose` closes and removes it. */
export async function sqliteStore(): Promise<{ store: Store; dir: string; dispose: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'keyline-ca-'));
  const store = await initStore({ dataDir: dir });
  return {
    store,
    dir,
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
