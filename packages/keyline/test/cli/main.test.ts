import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, keyline, workspace, type Workspace } from './harness.js';

describe('keyline main: global options, usage errors and exit codes', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = workspace('keyline-main-');
    expect((await ws.run('init')).code).toBe(0);
  });
  afterAll(() => ws.cleanup());

  it('takes the global options before or after the command name', async () => {
    const before = await keyline('--json', '--data', ws.dataDir, 'ca', 'list');
    const after = await keyline('ca', 'list', '--data', ws.dataDir, '--json');
    expect(before.code).toBe(0);
    expect(json(before)).toEqual([]);
    expect(after.out).toBe(before.out);
  });

  it('still hands --json to commands that declare it themselves (lint), wherever it stands', async () => {
    const run = await keyline('--json', 'lint', ws.path('missing.pem'));
    expect(run.code).toBe(2);
    expect(json(run)).toMatchObject({ ok: false, code: 'ERR_CLI_UNREADABLE_FILE' });
  });

  it('says to run keyline init when the data directory has no database (exit 1)', async () => {
    const run = await keyline('--data', ws.path('elsewhere'), '--json', 'ca', 'list');
    expect(run.code).toBe(1);
    expect(json(run)).toMatchObject({ ok: false, code: 'ERR_STORE_NOT_INITIALISED' });
    expect(json<{ message: string }>(run).message).toContain('keyline init');
    const text = await keyline('--data', ws.path('elsewhere'), 'cert', 'list');
    expect(text.err).toMatch(/^keyline: ERR_STORE_NOT_INITIALISED: .*run keyline init/);
  });

  it('exits 2 on usage errors, with one JSON error object on stdout under --json', async () => {
    for (const args of [
      ['frobnicate'],
      ['ca'],
      ['cert', 'list', '--bogus'],
      ['issue', '--ca'],
      ['revoke', '--ca', 'x', '--reason', 'superseded'],
    ]) {
      const run = await keyline(...ws.global, ...args, '--json');
      expect(run.code, args.join(' ')).toBe(2);
      const body = json<{ ok: boolean; code: string; message: string }>(run);
      expect(body).toMatchObject({ ok: false, code: 'ERR_CLI_USAGE' });
      expect(body.message).toContain('keyline --help');
      const text = await keyline(...ws.global, ...args);
      expect(text.code).toBe(2);
      expect(text.out).toBe('');
      expect(text.err).not.toBe('');
    }
  });

  it('refuses an unknown database URL scheme as bad usage', async () => {
    const run = await keyline('--data', ws.dataDir, '--db', 'mysql://localhost/x', '--json', 'ca', 'list');
    expect(run.code).toBe(2);
    expect(json(run)).toMatchObject({ ok: false, code: 'ERR_STORE_BAD_URL' });
  });

  it('prints help with the global options and exits 0', async () => {
    const run = await keyline('root', 'create', '--help');
    expect(run.code).toBe(0);
    expect(run.out).toContain('--name <cn>');
    expect(run.out).toContain('Global Options:');
    expect(run.out).toMatch(/--data <dir>.*\n.*KEYLINE_DATA/);
    expect(run.out).toContain('--passphrase-file <file>');
    const top = await keyline('--help');
    for (const name of ['init', 'root', 'ca', 'issue', 'cert', 'revoke', 'crl'])
      expect(top.out).toMatch(new RegExp(`\\n  ${name}\\b`));
    const ca = await keyline('ca', '--help');
    for (const name of ['create', 'csr', 'sign-csr', 'install', 'list', 'show'])
      expect(ca.out).toMatch(new RegExp(`\\n  ${name}\\b`));
  });
});
