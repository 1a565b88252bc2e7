/**
 * Measures the line on the emulator: `npx tsx packages/keyline/test/factory/measure-line.ts [count] [persistence] [stations]`.
 * Prints one JSON line: chips per second of a fresh batch (CA hierarchy in a SQLite store, tray in a temp dir).
 * Not a test (performance is never asserted); the figures go to docs/factory.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom, systemClock, systemRandom } from '@keyline/core';
import { createTray } from '@keyline/se';
import { createCertificateAuthority } from '../../src/ca/index.js';
import { runFactoryBatch } from '../../src/factory/index.js';
import { initStore } from '../../src/store/index.js';
import { makeHierarchy } from '../ca/support/hierarchy.js';
import { memoryKeys } from '../ca/support/keys.js';

const count = Number(process.argv[2] ?? 1000);
const persistence = (process.argv[3] ?? 'file') as 'file' | 'memory' | 'deferred';
const stations = Number(process.argv[4] ?? 4);
const base = process.env['MEASURE_DIR'] ?? tmpdir();
const dir = mkdtempSync(join(base, 'keyline-line-'));
try {
  const store = await initStore({ dataDir: join(dir, 'data') }, { env: {} });
  const keys = memoryKeys();
  const ca = createCertificateAuthority({ store, keys, clock: systemClock, random: systemRandom });
  const h = await makeHierarchy(ca);
  const tray = join(dir, 'tray');
  await createTray(tray, count, seededRandom(1));
  const report = await runFactoryBatch(
    { ca, store, keys, clock: systemClock, random: systemRandom, dataDir: join(dir, 'data') },
    { caId: h.issuing.id, productId: 'sensor-1', count, se: `emulator:${tray}`, stations, persistence },
  );
  console.log(
    JSON.stringify({
      count,
      persistence,
      stations,
      disk: base,
      done: report.done,
      quarantined: report.quarantined,
      seconds: report.durationMs / 1000,
      chipsPerSecond: Math.round(report.chipsPerSecond),
    }),
  );
  ca.close();
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
