import { fail, isProductId } from '@keyline/core';

/** What `runFactoryBatch` (and `keyline factory run`) is asked to do. */
export interface FactoryRunOptions {
  /** The issuing CA that signs the devices (its certificate must be compressible). */
  caId: string;
  /** KECP 6.4 product id of the devices (the CA's, when it carries one). */
  productId: string;
  /** Chips in the batch. */
  count: number;
  /** `emulator:<tray-dir>` or `pkcs11:<RFC 7512 URI>` (each matching token is one chip). */
  se: string;
  /** Chips worked on at once (default 4). */
  stations?: number;
  /** Default: derived from the CA, product, element source and count (printed); the same id resumes. */
  batchId?: string;
  /** Default `<data>/manifests/<batch>.jsonl` (with `dataDir` in the deps), else `./<batch>.jsonl`. */
  manifestPath?: string;
  /** The emulator's timing model (a real chip's command durations); default off. */
  timing?: boolean;
  /**
   * Emulator image persistence: `file` (default, each change written and fsynced before the chip
   * answers: survives SIGKILL and power loss), `deferred` (written within 50 ms: a throughput mode,
   * not crash-safe), `memory` (chips read from the tray and never written back: benchmarks only).
   */
  persistence?: 'file' | 'memory' | 'deferred';
  /**
   * Station threads for an emulator source (default 0: the stations run in this thread). With N ≥ 1,
   * N worker threads hold the chips and run the stations' chip work (key generation, writes, lock,
   * the challenge and its check) while this thread keeps the journal, the CA and the manifest.
   * Ignored for PKCS#11 tokens. A `stationPool` in the deps takes precedence.
   */
  threads?: number;
  /** Called after every chunk of chips. */
  onProgress?: (p: FactoryProgress) => void;
}

export interface FactoryProgress {
  done: number;
  skipped: number;
  quarantined: number;
  total: number;
  ratePerSecond: number;
  etaSeconds: number | null;
}

/** One quarantined chip of the report. */
export interface QuarantinedChip {
  chipSerial: string;
  reason: string;
  code: string;
}

/** What a run did. */
export interface FactoryReport {
  batchId: string;
  caId: string;
  /** Chips in the batch. */
  total: number;
  /** Chips provisioned by this run. */
  done: number;
  /** Chips provisioned by an earlier run of the batch (re-checked by this one). */
  skipped: number;
  /** Chips of the batch in quarantine (this run's and earlier ones'). */
  quarantined: number;
  /** Certificates the line revoked for this batch (superseded keys, quarantined chips). */
  revoked: number;
  durationMs: number;
  /** `done` per second of this run. */
  chipsPerSecond: number;
  manifestPath: string;
  quarantine: QuarantinedChip[];
}

/** Most chips in one batch. */
export const MAX_BATCH_COUNT = 10_000_000;
/** Most stations. */
export const MAX_STATIONS = 64;
export const DEFAULT_STATIONS = 4;
/** Most station threads. */
export const MAX_THREADS = 16;

const BATCH_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The options checked (ERR_FACTORY_BAD_INPUT / ERR_FACTORY_BAD_SE). */
export interface CheckedOptions {
  readonly caId: string;
  readonly productId: string;
  readonly count: number;
  readonly se: string;
  readonly stations: number;
  readonly batchId: string | undefined;
  readonly manifestPath: string | undefined;
  readonly timing: boolean;
  readonly persistence: 'file' | 'memory' | 'deferred';
  readonly threads: number;
}

export function checkOptions(options: FactoryRunOptions): CheckedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('runFactoryBatch needs options');
  const { caId, productId, count, se } = options;
  if (typeof caId !== 'string' || caId.length === 0 || caId.length > 200)
    fail('ERR_FACTORY_BAD_INPUT', 'a CA id is needed');
  if (typeof productId !== 'string' || !isProductId(productId)) {
    fail('ERR_FACTORY_BAD_INPUT', 'the product id must be 1-32 of a-z, 0-9 and - (KECP 6.4)');
  }
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_BATCH_COUNT) {
    fail('ERR_FACTORY_BAD_INPUT', `count must be a whole number from 1 to ${MAX_BATCH_COUNT}`);
  }
  if (typeof se !== 'string' || !/^(emulator:.+|pkcs11:.*)$/s.test(se)) fail('ERR_FACTORY_BAD_SE');
  const stations = options.stations ?? DEFAULT_STATIONS;
  if (!Number.isSafeInteger(stations) || stations < 1 || stations > MAX_STATIONS) {
    fail('ERR_FACTORY_BAD_INPUT', `stations must be a whole number from 1 to ${MAX_STATIONS}`);
  }
  if (options.batchId !== undefined && (typeof options.batchId !== 'string' || !BATCH_ID.test(options.batchId))) {
    fail(
      'ERR_FACTORY_BAD_INPUT',
      'a batch id is 1-64 of A-Z, a-z, 0-9, ".", "_" and "-", starting with a letter or digit',
    );
  }
  const persistence = options.persistence ?? 'file';
  if (persistence !== 'file' && persistence !== 'memory' && persistence !== 'deferred') {
    fail('ERR_FACTORY_BAD_INPUT', 'persistence must be file, memory or deferred');
  }
  if (options.manifestPath !== undefined && (typeof options.manifestPath !== 'string' || options.manifestPath === '')) {
    fail('ERR_FACTORY_BAD_INPUT', 'the manifest path must be a file name');
  }
  const threads = options.threads ?? 0;
  if (!Number.isSafeInteger(threads) || threads < 0 || threads > MAX_THREADS) {
    fail('ERR_FACTORY_BAD_INPUT', `threads must be a whole number from 0 to ${MAX_THREADS}`);
  }
  return {
    caId,
    productId,
    count,
    se,
    stations,
    batchId: options.batchId,
    manifestPath: options.manifestPath,
    timing: options.timing === true,
    persistence,
    threads,
  };
}
