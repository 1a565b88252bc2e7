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
  /**
   * Retries every quarantined chip of the batch that can be retried (factory/retry.ts): one found
   * unlocked gets a new key (its earlier certificate revoked) and goes through the line again; one
   * found locked is checked again if its certificate is still valid, and refused otherwise
   * (`notRetried` in the report says why). Default false: quarantined chips are skipped.
   */
  retryQuarantined?: boolean;
  /** Retries these quarantined chips of the batch (lower- or upper-case hex serials), as above. */
  retryChips?: readonly string[];
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

/** A quarantined chip a retry was asked for and could not be given, and why (it stays quarantined). */
export interface RetryRefusal {
  chipSerial: string;
  /** ERR_FACTORY_RETRY_REVOKED, ERR_FACTORY_RETRY_LOCKED, or what the chip failed with (ERR_SE_*, …). */
  code: string;
  reason: string;
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
  /**
   * Quarantined chips this run took out of quarantine for another attempt (asked with
   * `retryQuarantined` or `retryChips`); those that passed are counted in `done` too, the others
   * are quarantined again (in `quarantine`).
   */
  retried: number;
  /** Quarantined chips a retry was asked for that stay quarantined, with the reason. */
  notRetried: RetryRefusal[];
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
  /** Which quarantined chips to retry: none, all, or those serials (lower-case hex). */
  readonly retry: 'none' | 'all' | ReadonlySet<string>;
}

const CHIP_SERIAL = /^(?:[0-9A-Fa-f]{2}){1,32}$/;

function checkRetry(options: FactoryRunOptions): CheckedOptions['retry'] {
  if (options.retryQuarantined !== undefined && typeof options.retryQuarantined !== 'boolean') {
    fail('ERR_FACTORY_BAD_INPUT', 'retryQuarantined must be true or false');
  }
  if (options.retryQuarantined === true) return 'all';
  if (options.retryChips === undefined) return 'none';
  if (!Array.isArray(options.retryChips) || options.retryChips.length > MAX_BATCH_COUNT) {
    fail('ERR_FACTORY_BAD_INPUT', 'retryChips must be a list of chip serials');
  }
  const serials = new Set<string>();
  for (const serial of options.retryChips as unknown[]) {
    if (typeof serial !== 'string' || !CHIP_SERIAL.test(serial)) {
      fail(
        'ERR_FACTORY_BAD_INPUT',
        `a chip serial to retry is 1-32 bytes in hex, not "${String(serial).slice(0, 70)}"`,
      );
    }
    serials.add(serial.toLowerCase());
  }
  return serials.size === 0 ? 'none' : serials;
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
    retry: checkRetry(options),
  };
}
