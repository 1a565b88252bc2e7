import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isKeylineError, type KeylineError } from '@keyline/core';
import {
  MAX_JOB_FILE_BYTES,
  completeSettings,
  mergeSettings,
  parseFactoryJob,
  readFactoryJob,
  settingsFromFlags,
  type FactorySettings,
  type RequiredSetting,
} from '../../src/cli/factory-job.js';

const dir = mkdtempSync(join(tmpdir(), 'keyline-factory-job-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const jobPath = join(dir, 'shift', 'job.json');
mkdirSync(join(dir, 'shift'));

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const parse = (value: unknown) => parseFactoryJob(bytes(value), jobPath);
const job = (fields: Record<string, unknown>) => parse({ version: 1, ...fields });

/** The typed error a call throws (it must throw one, with that code). */
function refusal(fn: () => unknown, code = 'ERR_CLI_BAD_OPTION'): KeylineError {
  try {
    fn();
  } catch (error) {
    if (isKeylineError(error) && error.code === code) return error;
    throw error;
  }
  throw new Error('accepted');
}

/** A refusal naming `key`, in its message and its detail. */
function refusesKey(fields: Record<string, unknown>, key: string): string {
  const error = refusal(() => parse(fields));
  expect(error.message).toContain(`"${key}"`);
  expect(error.detail).toMatchObject({ option: '--job', key });
  return error.message;
}

describe('factory job file: reading', () => {
  it('reads every setting, resolves relative paths against its folder, and records its SHA-256', () => {
    const text = JSON.stringify({
      version: 1,
      ca: 'line-ca',
      productId: 'c0ffee',
      count: 250,
      se: 'emulator:trays/a',
      stations: 8,
      threads: 2,
      batch: 'shift-1',
      manifest: '../manifests/shift-1.jsonl',
      publicUrl: 'https://pki.example.com/',
      retryQuarantined: false,
      retryChips: ['0123ab', 'CDEF01'],
    });
    writeFileSync(jobPath, text);
    const read = readFactoryJob(jobPath);
    expect(read.path).toBe(jobPath);
    expect(read.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(read.settings).toEqual({
      ca: 'line-ca',
      productId: 'c0ffee',
      count: 250,
      se: `emulator:${join(dir, 'shift', 'trays', 'a')}`,
      stations: 8,
      threads: 2,
      batch: 'shift-1',
      manifest: join(dir, 'manifests', 'shift-1.jsonl'),
      publicUrl: 'https://pki.example.com',
      retryQuarantined: false,
      retryChips: ['0123ab', 'CDEF01'],
    });
  });

  it('keeps absolute paths, and pkcs11: URIs unchanged', () => {
    expect(job({ se: 'emulator:/srv/tray', manifest: '/var/m.jsonl' }).settings).toMatchObject({
      se: 'emulator:/srv/tray',
      manifest: '/var/m.jsonl',
    });
    const uri = 'pkcs11:model=SoftHSM%20v2;token=line?module-path=lib/softhsm2.so&pin-value=1234';
    expect(job({ se: uri }).settings.se).toBe(uri);
    // Not a source the line knows: passed on for the line to refuse (ERR_FACTORY_BAD_SE), as the flag is.
    expect(job({ se: 'usb:0' }).settings.se).toBe('usb:0');
    expect(job({ se: 'emulator:' }).settings.se).toBe('emulator:');
  });

  it('the SHA-256 is of the exact bytes: another layout of the same settings has another hash', () => {
    const a = parseFactoryJob(new TextEncoder().encode('{"version":1,"count":3}'), jobPath);
    const b = parseFactoryJob(new TextEncoder().encode('{ "version": 1, "count": 3 }\n'), jobPath);
    expect(a.settings).toEqual(b.settings);
    expect(a.sha256).not.toBe(b.sha256);
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts a UTF-8 byte-order mark', () => {
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes({ version: 1, count: 2 })]);
    expect(parseFactoryJob(withBom, jobPath).settings).toEqual({ count: 2 });
  });
});

describe('factory job file: refusals', () => {
  it('an unreadable file: missing, or a folder (ERR_CLI_UNREADABLE_FILE)', () => {
    expect(refusal(() => readFactoryJob(join(dir, 'nope.json')), 'ERR_CLI_UNREADABLE_FILE').message).toContain(
      'ENOENT',
    );
    expect(refusal(() => readFactoryJob(dir), 'ERR_CLI_UNREADABLE_FILE').message).toContain('not a file');
  });

  it(`a file over ${MAX_JOB_FILE_BYTES} bytes, however it is padded`, () => {
    const big = join(dir, 'big.json');
    writeFileSync(big, `{"version":1}${' '.repeat(MAX_JOB_FILE_BYTES)}`);
    expect(refusal(() => readFactoryJob(big)).message).toContain(`larger than ${MAX_JOB_FILE_BYTES} bytes`);
    // At the limit it is read.
    writeFileSync(big, `{"version":1}${' '.repeat(MAX_JOB_FILE_BYTES - 13)}`);
    expect(readFactoryJob(big).settings).toEqual({});
    expect(() => parseFactoryJob(new Uint8Array(MAX_JOB_FILE_BYTES + 1), jobPath)).toThrow(/larger than/);
  });

  it('not UTF-8, not JSON (with where, without echoing the file), not one object', () => {
    expect(refusal(() => parseFactoryJob(new Uint8Array([0x7b, 0xff, 0x7d]), jobPath)).message).toContain('not UTF-8');
    const broken = '{\n  "version": 1,\n  "se": "pkcs11:token=a?pin-value=98765",\n  "count": 3,\n}';
    const message = refusal(() => parseFactoryJob(new TextEncoder().encode(broken), jobPath)).message;
    expect(message).toContain('not valid JSON at line 5, column 1');
    expect(message).not.toContain('98765');
    expect(refusal(() => parseFactoryJob(new Uint8Array(0), jobPath)).message).toContain('not valid JSON');
    for (const doc of [[{ version: 1 }], null, 1, 'version']) {
      expect(refusal(() => parse(doc)).message).toContain('one JSON object');
    }
  });

  it('a key given twice, even spelled with escapes (JSON.parse alone keeps the last)', () => {
    const twice = (text: string) => refusal(() => parseFactoryJob(new TextEncoder().encode(text), jobPath));
    const plain = twice('{"version":1,"count":2,"stations":4,"count":3}');
    expect(plain.message).toContain('"count" in job file');
    expect(plain.message).toContain('given twice');
    expect(plain.detail).toMatchObject({ option: '--job', key: 'count' });
    expect(twice('{"version":1,"\\u0063ount":2,"count":3}').detail).toMatchObject({ key: 'count' });
    expect(twice('{"version":1,"version":1}').detail).toMatchObject({ key: 'version' });
    // The same name in a value is not a duplicate key.
    expect(
      parseFactoryJob(new TextEncoder().encode('{"version":1,"batch":"count","count":2}'), jobPath).settings,
    ).toEqual({ batch: 'count', count: 2 });
  });

  it('from standard input ("-"): named so in messages, relative paths from the current folder', () => {
    const fromStdin = parseFactoryJob(bytes({ version: 1, se: 'emulator:trays/a', manifest: 'm.jsonl' }), '-');
    expect(fromStdin.path).toBe('-');
    expect(fromStdin.settings).toEqual({
      se: `emulator:${join(process.cwd(), 'trays', 'a')}`,
      manifest: join(process.cwd(), 'm.jsonl'),
    });
    const bad = refusal(() => parseFactoryJob(bytes({ version: 1, stations: 0 }), '-'));
    expect(bad.message).toContain('"stations" in job file from standard input');
    expect(bad.detail).toMatchObject({ option: '--job', path: '-', key: 'stations' });
  });

  it('a missing or unknown version', () => {
    refusesKey({ count: 3 }, 'version');
    for (const version of [2, 0, '1', 1.5, null]) expect(refusesKey({ version }, 'version')).toContain('must be 1');
  });

  it('unknown keys, with a hint for a flag name or a singular', () => {
    expect(refusesKey({ version: 1, colour: 'red' }, 'colour')).toContain('is not a setting');
    expect(refusesKey({ version: 1, 'product-id': 'c0ffee' }, 'product-id')).toContain('did you mean "productId"');
    expect(refusesKey({ version: 1, retryChip: ['ab'] }, 'retryChip')).toContain('did you mean "retryChips"');
    // JSON.parse makes "__proto__" an own key: refused like any other.
    const proto = new TextEncoder().encode('{"version":1,"__proto__":{"count":5}}');
    expect(refusal(() => parseFactoryJob(proto, jobPath)).detail).toMatchObject({ key: '__proto__' });
    // Keys the CLI has but the job does not: global options are not job settings.
    refusesKey({ version: 1, json: true }, 'json');
    refusesKey({ version: 1, data: './data' }, 'data');
  });

  it('wrong types, each named by its key', () => {
    const cases: [string, unknown, string][] = [
      ['ca', 5, 'a non-empty string, not a number'],
      ['productId', ['c0ffee'], 'a non-empty string, not a list'],
      ['count', '5', 'a number, not a string'],
      ['se', null, 'a non-empty string, not null'],
      ['stations', true, 'a number, not a boolean'],
      ['threads', '2', 'a number, not a string'],
      ['batch', '', 'a non-empty string'],
      ['manifest', '', 'a non-empty string'],
      ['publicUrl', { url: 'x' }, 'a non-empty string, not a object'],
      ['retryQuarantined', 'yes', 'true or false, not a string'],
      ['retryChips', 'ab12', 'a list of chip serials, not a string'],
      ['retryChips', ['ab12', 7], 'item 2 is a number'],
      ['retryChips', [''], 'item 1 is empty'],
    ];
    for (const [key, value, problem] of cases) {
      expect(refusesKey({ version: 1, [key]: value }, key)).toContain(problem);
    }
  });

  it("out-of-range numbers and bad values, refused by the flags' own parsers", () => {
    const cases: [string, unknown, string][] = [
      ['count', 0, 'whole number from 1 to 10000000'],
      ['count', 1.5, 'whole number from 1 to 10000000'],
      ['count', 10_000_001, 'whole number from 1 to 10000000'],
      ['count', 1e21, 'whole number from 1 to 10000000'],
      ['stations', 65, 'whole number from 1 to 64'],
      ['threads', 17, 'from 0 to 16'],
      ['threads', -1, 'whole number from 0 to 16'],
      ['publicUrl', 'ftp://pki.example.com', 'http(s) URL'],
      ['ca', 'line ca', 'is not a CA id'],
    ];
    for (const [key, value, problem] of cases) {
      const message = refusesKey({ version: 1, [key]: value }, key);
      expect(message).toContain(problem);
      expect(message).toContain(jobPath);
    }
    // The same words as the flag, after the name of where the value came from.
    const fromFile = refusal(() => job({ stations: 0 })).message;
    const fromFlag = refusal(() => settingsFromFlags({ stations: '0' })).message;
    expect(fromFlag).toBe('--stations must be a whole number from 1 to 64, not "0"');
    expect(fromFile).toBe(`"stations" in job file ${jobPath} must be a whole number from 1 to 64, not "0"`);
    expect(job({ threads: 0 }).settings.threads).toBe(0);
  });
});

describe('factory job file: merged with the flags', () => {
  const file: FactorySettings = {
    ca: 'file-ca',
    productId: 'c0ffee',
    count: 100,
    se: 'emulator:/trays/a',
    stations: 2,
    batch: 'from-file',
    manifest: '/jobs/m.jsonl',
    retryQuarantined: false,
    retryChips: ['aa11'],
  };

  it('a flag given on the command line wins; one not given leaves the file value', () => {
    const flags = settingsFromFlags({ count: '5', stations: '9', manifest: 'here.jsonl', retryChip: ['bb22'] });
    expect(mergeSettings(file, flags)).toEqual({
      ...file,
      count: 5,
      stations: 9,
      // A flag's relative path stays relative to the current directory, as without a job.
      manifest: 'here.jsonl',
      // --retry-chip replaces the file's list.
      retryChips: ['bb22'],
    });
    expect(mergeSettings(file, settingsFromFlags({ retryQuarantined: true })).retryQuarantined).toBe(true);
    // A flag not given (commander leaves it undefined) does not erase the file's value.
    expect(mergeSettings(file, settingsFromFlags({ retryQuarantined: undefined }))).toEqual(file);
    expect(mergeSettings(undefined, flags)).toEqual(flags);
  });

  it('checks the flags with their parsers', () => {
    expect(settingsFromFlags({ count: '7', threads: '0', publicUrl: 'http://a.example/' })).toEqual({
      count: 7,
      threads: 0,
      publicUrl: 'http://a.example',
    });
    expect(refusal(() => settingsFromFlags({ count: 'many' })).message).toContain('--count');
    expect(refusal(() => settingsFromFlags({ threads: '17' })).message).toContain('--threads');
  });

  it('required settings may come from either source; the first missing one is refused', () => {
    const missing = (settings: FactorySettings): RequiredSetting | undefined => {
      let key: RequiredSetting | undefined;
      try {
        completeSettings(settings, (k) => {
          key = k;
          throw new Error('missing');
        });
      } catch {
        return key;
      }
      return undefined;
    };
    const { ca, productId, count, se } = file;
    expect(missing(mergeSettings({ ca, productId }, settingsFromFlags({ count: '3', se: 'pkcs11:' })))).toBe(undefined);
    expect(missing({ productId, count, se })).toBe('ca');
    expect(missing({ ca, count, se })).toBe('productId');
    expect(missing({ ca, productId, se })).toBe('count');
    expect(missing({ ca, productId, count })).toBe('se');
    expect(missing({})).toBe('ca');
  });
});
