import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { json, keyline } from '../harness.js';

/**
 * `keyline factory run` refusing its settings before it opens anything: the required flags (as
 * commander refused them before there was --job), and job files (docs/factory.md, "Job files").
 * A job that runs is tested through the binary (test/e2e/factory-cli.test.ts).
 */

const dir = mkdtempSync(join(tmpdir(), 'keyline-factory-cmd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => keyline('--data', join(dir, 'data'), 'factory', 'run', ...args);

function jobFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

interface Refusal {
  ok: false;
  code: string;
  message: string;
  detail?: Record<string, unknown>;
}

describe('keyline factory run: settings refused with exit 2', () => {
  const rest = ['--product-id', 'c0ffee', '--count', '2', '--se', `emulator:${join(dir, 'tray')}`];

  it('without --job, a missing required flag is the usage error it always was', async () => {
    const refused = await run(...rest, '--json');
    expect(refused.code).toBe(2);
    expect(json<Refusal>(refused)).toMatchObject({
      ok: false,
      code: 'ERR_CLI_USAGE',
      message: "required option '--ca <issuing-ca-id>' not specified (see keyline --help)",
    });
    const text = await run('--ca', 'line-ca', '--product-id', 'c0ffee', '--count', '2');
    expect(text.code).toBe(2);
    expect(text.err).toContain("error: required option '--se <source>' not specified");
    // The missing flag is reported before a bad value of another, as commander did.
    const both = await run('--product-id', 'c0ffee', '--count', 'many', '--se', 'pkcs11:', '--json');
    expect(both.code).toBe(2);
    expect(json<Refusal>(both).code).toBe('ERR_CLI_USAGE');
  });

  it('with --job, a setting neither the file nor a flag gives is named', async () => {
    const path = jobFile('partial.json', { version: 1, ca: 'line-ca', se: 'emulator:tray' });
    const refused = await run('--job', path, '--product-id', 'c0ffee', '--json');
    expect(refused.code).toBe(2);
    expect(json<Refusal>(refused)).toMatchObject({
      code: 'ERR_CLI_BAD_OPTION',
      message: `"count" is missing: give --count or set "count" in job file ${path}`,
      detail: { option: '--count', key: 'count' },
    });
  });

  it('a bad job file: its problem and key in the message, in text and JSON', async () => {
    const cases: [string, unknown, string, string][] = [
      ['unknown.json', { version: 1, count: 2, shift: 'night' }, 'ERR_CLI_BAD_OPTION', '"shift" in job file'],
      ['type.json', { version: 1, count: '2' }, 'ERR_CLI_BAD_OPTION', '"count" in job file'],
      ['range.json', { version: 1, stations: 65 }, 'ERR_CLI_BAD_OPTION', 'whole number from 1 to 64'],
      ['version.json', { count: 2 }, 'ERR_CLI_BAD_OPTION', '"version" in job file'],
      ['broken.json', '{"version": 1,', 'ERR_CLI_BAD_OPTION', 'is not valid JSON'],
    ];
    for (const [name, content, code, words] of cases) {
      const path = jobFile(name, content);
      const refused = await run('--job', path, '--json');
      expect(refused.code, name).toBe(2);
      expect(json<Refusal>(refused), name).toMatchObject({ code, detail: { option: '--job' } });
      expect(json<Refusal>(refused).message, name).toContain(words);
      const text = await run('--job', path);
      expect(text.code, name).toBe(2);
      expect(text.err, name).toContain(`keyline: ${code}: `);
    }
    const missing = await run('--job', join(dir, 'missing.json'), '--json');
    expect(missing.code).toBe(2);
    expect(json<Refusal>(missing).code).toBe('ERR_CLI_UNREADABLE_FILE');
  });

  it('a bad flag is refused even when the job file is good', async () => {
    const path = jobFile('good.json', { version: 1, ca: 'line-ca', productId: 'c0ffee', count: 2, se: 'pkcs11:' });
    const refused = await run('--job', path, '--count', '0', '--json');
    expect(refused.code).toBe(2);
    expect(json<Refusal>(refused).message).toBe('--count must be a whole number from 1 to 10000000, not "0"');
  });

  it('--help names --job and says flags override the file', async () => {
    const help = await keyline('factory', 'run', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('--job <file>');
    expect(help.out).toMatch(/flags\s+given\s+here\s+override\s+its\s+values/);
  });
});
