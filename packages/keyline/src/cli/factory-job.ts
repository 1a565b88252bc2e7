import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { KeylineError, findDuplicateMember } from '@keyline/core';
import { MAX_BATCH_COUNT, MAX_STATIONS, MAX_THREADS } from '../factory/index.js';
import { parseWholeNumber, parsePublicUrl } from './factory-options.js';
import { parseCaRef, parseInteger } from './options.js';

/**
 * `keyline factory run --job <file>`: the batch's settings written down in a JSON file, so the
 * same job can be reviewed, versioned and run shift after shift (docs/factory.md, "Job files").
 * The file's keys are the flags' names in camelCase; each value is checked by the flag's own
 * parser, so a file and a command line refuse the same values. Flags given on the command line
 * override the file's values.
 */

/** The largest job file read: a job is a dozen settings; anything bigger is not one. */
export const MAX_JOB_FILE_BYTES = 64 * 1024;
/** `--job -`: the job is read from standard input. */
export const JOB_FROM_STDIN = '-';
/** The job file format this keyline reads (`"version": 1`). */
export const JOB_FILE_VERSION = 1;

/** The settings of `keyline factory run`, checked, from the flags, a job file, or both merged. */
export interface FactorySettings {
  ca?: string;
  productId?: string;
  count?: number;
  se?: string;
  stations?: number;
  threads?: number;
  batch?: string;
  manifest?: string;
  publicUrl?: string;
  retryQuarantined?: boolean;
  retryChips?: readonly string[];
}

/** The flags of `keyline factory run` as commander hands them over (undefined: not given). */
export interface FactoryRunFlags {
  readonly ca?: string;
  readonly productId?: string;
  readonly count?: string;
  readonly se?: string;
  readonly stations?: string;
  readonly threads?: string;
  readonly batch?: string;
  readonly manifest?: string;
  readonly publicUrl?: string;
  readonly retryQuarantined?: boolean;
  readonly retryChip?: string[];
  readonly job?: string;
}

/** A job file read and checked. */
export interface FactoryJob {
  /** The file's absolute path, or `-` for a job read from standard input. */
  readonly path: string;
  /** SHA-256 of the file's bytes (hex), so a run can be traced to the exact job that ran. */
  readonly sha256: string;
  /** Its settings, relative paths already resolved against the file's folder. */
  readonly settings: FactorySettings;
}

/** The keys a job file may hold besides `version`, each with the flag it stands for. */
export const JOB_KEYS = {
  ca: '--ca',
  productId: '--product-id',
  count: '--count',
  se: '--se',
  stations: '--stations',
  threads: '--threads',
  batch: '--batch',
  manifest: '--manifest',
  publicUrl: '--public-url',
  retryQuarantined: '--retry-quarantined',
  retryChips: '--retry-chip',
} as const satisfies Record<keyof FactorySettings, string>;

/** The settings a run cannot do without, in the order commander checked the required flags. */
export const REQUIRED_SETTINGS = [
  'ca',
  'productId',
  'count',
  'se',
] as const satisfies readonly (keyof FactorySettings)[];

/** The flags' values checked (ERR_CLI_BAD_OPTION): only those given. */
export function settingsFromFlags(flags: FactoryRunFlags): FactorySettings {
  const s: FactorySettings = {};
  if (flags.ca !== undefined) s.ca = parseCaRef(flags.ca, '--ca');
  if (flags.productId !== undefined) s.productId = flags.productId;
  if (flags.count !== undefined) s.count = parseWholeNumber(flags.count, '--count', MAX_BATCH_COUNT);
  if (flags.se !== undefined) s.se = flags.se;
  if (flags.stations !== undefined) s.stations = parseWholeNumber(flags.stations, '--stations', MAX_STATIONS);
  if (flags.threads !== undefined) s.threads = parseInteger('--threads', flags.threads, 0, MAX_THREADS);
  if (flags.batch !== undefined) s.batch = flags.batch;
  if (flags.manifest !== undefined) s.manifest = flags.manifest;
  if (flags.publicUrl !== undefined) s.publicUrl = parsePublicUrl(flags.publicUrl, '--public-url');
  if (flags.retryQuarantined === true) s.retryQuarantined = true;
  if (flags.retryChip !== undefined) s.retryChips = flags.retryChip;
  return s;
}

/**
 * The job's settings with the flags' on top: a flag given on the command line wins over the file
 * (`--retry-chip` replaces the file's `retryChips` list; `--retry-quarantined` can only turn it on).
 */
export function mergeSettings(job: FactorySettings | undefined, flags: FactorySettings): FactorySettings {
  return { ...job, ...flags };
}

/** Settings with every required one present. */
export type CompleteSettings = FactorySettings & {
  readonly [K in RequiredSetting]-?: NonNullable<FactorySettings[K]>;
};
export type RequiredSetting = (typeof REQUIRED_SETTINGS)[number];

/**
 * The settings, once the required ones are all there; the first one missing (in REQUIRED_SETTINGS
 * order) goes to `refuse`, which throws.
 */
export function completeSettings(
  settings: FactorySettings,
  refuse: (missing: RequiredSetting) => never,
): CompleteSettings {
  const { ca, productId, count, se } = settings;
  if (ca === undefined) return refuse('ca');
  if (productId === undefined) return refuse('productId');
  if (count === undefined) return refuse('count');
  if (se === undefined) return refuse('se');
  return { ...settings, ca, productId, count, se };
}

/**
 * Reads and checks a job file (ERR_CLI_UNREADABLE_FILE, ERR_CLI_BAD_OPTION); `-` reads it from
 * standard input, its relative paths then taken from the current directory.
 */
export function readFactoryJob(path: string): FactoryJob {
  return parseFactoryJob(readJobBytes(path), path);
}

/** How a job file is named in messages: its path, or "from standard input". */
export function jobFileName(path: string): string {
  return path === JOB_FROM_STDIN ? 'from standard input' : path;
}

function unreadable(path: string, why: string): never {
  throw new KeylineError('ERR_CLI_UNREADABLE_FILE', `cannot read job file ${jobFileName(path)} (${why})`, {
    option: '--job',
    path,
  });
}

/** The file's bytes, at most MAX_JOB_FILE_BYTES; never more is read, whatever the file claims. */
function readJobBytes(path: string): Buffer {
  const stdin = path === JOB_FROM_STDIN;
  let fd: number;
  try {
    fd = stdin ? 0 : openSync(path, 'r');
  } catch (cause) {
    return unreadable(path, (cause as NodeJS.ErrnoException).code ?? 'unreadable');
  }
  try {
    const kind = fstatSync(fd);
    // Standard input may be a pipe or a terminal; a named job must be a file.
    if (stdin ? kind.isDirectory() : !kind.isFile()) unreadable(path, 'not a file');
    const buffer = Buffer.alloc(MAX_JOB_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = readSome(fd, buffer, length);
      if (n === 0) break;
      length += n;
      if (length === buffer.length) jobError(path, `is larger than ${MAX_JOB_FILE_BYTES} bytes: not a job file`);
    }
    return buffer.subarray(0, length);
  } catch (cause) {
    if (cause instanceof KeylineError) throw cause;
    return unreadable(path, (cause as NodeJS.ErrnoException).code ?? 'unreadable');
  } finally {
    if (!stdin) closeSync(fd);
  }
}

/** A pause while a non-blocking standard input has nothing yet. */
const pause = new Int32Array(new SharedArrayBuffer(4));

/** One read into `buffer` from `offset`; waits out EAGAIN (a pipe whose writer has not written yet). */
function readSome(fd: number, buffer: Buffer, offset: number): number {
  for (;;) {
    try {
      return readSync(fd, buffer, offset, buffer.length - offset, null);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'EAGAIN') throw cause;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

function jobError(path: string, problem: string, key?: string): never {
  const where = key === undefined ? `job file ${jobFileName(path)}` : `"${key}" in job file ${jobFileName(path)}`;
  throw new KeylineError('ERR_CLI_BAD_OPTION', `${where} ${problem}`, {
    option: '--job',
    path,
    ...(key !== undefined && { key }),
  });
}

/** A flag parser's refusal of a job file's value, its detail naming the file and the key. */
function jobErrorFrom(error: KeylineError, path: string, key: string): never {
  throw new KeylineError(error.code, error.message, { option: '--job', path, key }, { cause: error });
}

/** "line 3, column 7" of a JSON.parse error, without echoing the file (it may hold a PKCS#11 PIN). */
function whereInText(text: string, error: unknown): string {
  const position = /at position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  if (position === undefined) return '';
  const before = text.slice(0, Number(position)).split('\n');
  return ` at line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/** A hint for a key written as the flag (`product-id`) or in the singular (`retryChip`). */
function didYouMean(key: string): string {
  const camel = key.replace(/^-+/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const known = Object.keys(JOB_KEYS);
  const match = [camel, `${camel}s`].find((k) => k !== key && known.includes(k));
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}

/**
 * Checks a job file's bytes: UTF-8 JSON (a leading byte-order mark is allowed), one object with
 * `"version": 1` and only the known keys, each value of its flag's type and range. `manifest` and
 * an `emulator:<dir>` source given as relative paths are resolved against the file's folder, so a
 * job means the same wherever it is run from; `pkcs11:` URIs pass through unchanged.
 */
export function parseFactoryJob(bytes: Uint8Array, path: string): FactoryJob {
  if (bytes.length > MAX_JOB_FILE_BYTES) jobError(path, `is larger than ${MAX_JOB_FILE_BYTES} bytes: not a job file`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return jobError(path, 'is not UTF-8 text');
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return jobError(path, `is not valid JSON${whereInText(text, error)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    jobError(path, 'must hold one JSON object ({ "version": 1, … })');
  }
  // JSON.parse keeps the last of two equal keys; a reviewer reading the file may see the first.
  const twice = findDuplicateMember(text);
  if (twice !== undefined) jobError(path, 'is given twice: a job file names each setting once', twice);
  const fields = doc as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (key !== 'version' && !Object.hasOwn(JOB_KEYS, key)) {
      jobError(
        path,
        `is not a setting: a job file takes version, ${Object.keys(JOB_KEYS).join(', ')}${didYouMean(key)}`,
        key,
      );
    }
  }
  if (!Object.hasOwn(fields, 'version'))
    jobError(path, `is missing: a job file says "version": ${JOB_FILE_VERSION}`, 'version');
  if (fields['version'] !== JOB_FILE_VERSION) {
    jobError(
      path,
      `must be ${JOB_FILE_VERSION}: this keyline reads job files of version ${JOB_FILE_VERSION}`,
      'version',
    );
  }
  const stdin = path === JOB_FROM_STDIN;
  const absolute = stdin ? JOB_FROM_STDIN : resolve(path);
  return {
    path: absolute,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    settings: settingsFromJob(fields, path, stdin ? process.cwd() : dirname(absolute)),
  };
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}

/** Each value's type checked here, its range by the flag's parser (the message names the key). */
function settingsFromJob(fields: Record<string, unknown>, path: string, dir: string): FactorySettings {
  // The flag's parser, its message starting with the key; the error's detail names the key too.
  const check = <T>(key: keyof FactorySettings, value: string, parser: (value: string, option: string) => T): T => {
    try {
      return parser(value, `"${key}" in job file ${jobFileName(path)}`);
    } catch (error) {
      if (error instanceof KeylineError) jobErrorFrom(error, path, key);
      throw error;
    }
  };
  const wrongType = (key: string, wanted: string): never =>
    jobError(path, `must be ${wanted}, not ${typeName(fields[key])}`, key);
  const text = (key: keyof FactorySettings): string | undefined => {
    const value = fields[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length === 0) return wrongType(key, 'a non-empty string');
    return value;
  };
  // A number is handed to the flag's parser as the flag's text would be: 1.5, -1 or 1e21 fail there.
  const number = (key: keyof FactorySettings): string | undefined => {
    const value = fields[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number') return wrongType(key, 'a number');
    return String(value);
  };
  const s: FactorySettings = {};
  const ca = text('ca');
  if (ca !== undefined) s.ca = check('ca', ca, parseCaRef);
  const productId = text('productId');
  if (productId !== undefined) s.productId = productId;
  const count = number('count');
  if (count !== undefined) s.count = check('count', count, (v, o) => parseWholeNumber(v, o, MAX_BATCH_COUNT));
  const se = text('se');
  if (se !== undefined) s.se = resolveSource(se, dir);
  const stations = number('stations');
  if (stations !== undefined) s.stations = check('stations', stations, (v, o) => parseWholeNumber(v, o, MAX_STATIONS));
  const threads = number('threads');
  if (threads !== undefined) s.threads = check('threads', threads, (v, o) => parseInteger(o, v, 0, MAX_THREADS));
  const batch = text('batch');
  if (batch !== undefined) s.batch = batch;
  const manifest = text('manifest');
  if (manifest !== undefined) s.manifest = resolve(dir, manifest);
  const publicUrl = text('publicUrl');
  if (publicUrl !== undefined) s.publicUrl = check('publicUrl', publicUrl, parsePublicUrl);
  const retryQuarantined = fields['retryQuarantined'];
  if (retryQuarantined !== undefined) {
    if (typeof retryQuarantined !== 'boolean') return wrongType('retryQuarantined', 'true or false');
    s.retryQuarantined = retryQuarantined;
  }
  const retryChips = fields['retryChips'];
  if (retryChips !== undefined) {
    if (!Array.isArray(retryChips)) return wrongType('retryChips', 'a list of chip serials');
    const chips: unknown[] = retryChips;
    const bad = chips.findIndex((c) => typeof c !== 'string' || c.length === 0);
    if (bad >= 0)
      jobError(
        path,
        `must list chip serials as hex strings: item ${bad + 1} is ${typeof chips[bad] === 'string' ? 'empty' : typeName(chips[bad])}`,
        'retryChips',
      );
    s.retryChips = chips as string[];
  }
  return s;
}

/** `emulator:<dir>` against the job's folder; `pkcs11:` and anything else (refused later) unchanged. */
function resolveSource(se: string, dir: string): string {
  const prefix = 'emulator:';
  if (!se.startsWith(prefix) || se.length === prefix.length) return se;
  return `${prefix}${resolve(dir, se.slice(prefix.length))}`;
}
