import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom, type RandomSource } from '@keyline/core';
import { createTray, openTrayChip, type FaultSpec } from '@keyline/se';
import type { CertificateRecord } from '../../src/ca/records.js';
import type { Store } from '../../src/ca/store-port.js';
import type { FactoryDeps } from '../../src/factory/index.js';
import { makeHierarchy, testAuthority, type Hierarchy, type TestAuthority } from '../ca/support/hierarchy.js';

/** An authority with root → manufacturer → issuing CA, and a tray of blank emulated chips. */
export interface FactoryFixture {
  readonly t: TestAuthority;
  readonly h: Hierarchy;
  readonly tray: string;
  readonly serials: string[];
  readonly deps: FactoryDeps;
  readonly se: string;
  /** Injects a fault into a chip's image (before the line opens it). */
  fault(serial: string, fault: FaultSpec): Promise<void>;
  /** Every device certificate record of the issuing CA. */
  deviceCertificates(): Promise<CertificateRecord[]>;
  dispose(): Promise<void>;
}

export async function factoryFixture(
  count: number,
  options: {
    start?: Date;
    deps?: Partial<FactoryDeps>;
    random?: RandomSource;
    /** Wraps the store the CA core sees (the line's journal uses the plain one). */
    wrap?: (store: Store) => Store;
  } = {},
): Promise<FactoryFixture> {
  const t = await testAuthority({}, options.wrap, options.start);
  const h = await makeHierarchy(t.ca);
  const tray = mkdtempSync(join(tmpdir(), 'keyline-factory-tray-'));
  const serials = await createTray(tray, count, options.random ?? seededRandom(0x7a7));
  const deps: FactoryDeps = {
    ca: t.ca,
    store: t.store,
    keys: t.keys,
    clock: t.clock,
    random: t.random,
    dataDir: t.dir,
    elementTimeoutMs: 1500,
    ...options.deps,
  };
  return {
    t,
    h,
    tray,
    serials: [...serials].sort(),
    deps,
    se: `emulator:${tray}`,
    async fault(serial, fault) {
      const chip = await openTrayChip(tray, serial);
      await chip.injectFault(fault);
    },
    async deviceCertificates() {
      const out: CertificateRecord[] = [];
      let cursor: string | null = null;
      do {
        const page = await t.store.certificates.search({ caId: h.issuing.id }, { limit: 1000, cursor });
        out.push(...page.items.filter((c) => c.profile === 'device'));
        cursor = page.next;
      } while (cursor !== null);
      return out;
    },
    async dispose() {
      await t.dispose();
      rmSync(tray, { recursive: true, force: true });
    },
  };
}
