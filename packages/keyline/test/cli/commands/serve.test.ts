import { describe, expect, it } from 'vitest';
import { json, keyline } from '../harness.js';

/** `keyline serve` flags that are refused before anything is opened or listened on. */
describe('keyline serve --verify-threads', () => {
  it.each([['65'], ['two'], ['1.5'], ['']])('refuses %j with exit 2 ERR_CLI_BAD_OPTION', async (value) => {
    const run = await keyline('serve', '--verify-threads', value, '--json');
    expect(run.code).toBe(2);
    expect(json(run)).toMatchObject({ ok: false, code: 'ERR_CLI_BAD_OPTION' });
    expect(run.out).toContain('--verify-threads');
  });

  it('is listed in the help with its default', async () => {
    const run = await keyline('serve', '--help');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/--verify-threads <n> [^-]*\(default: "0"\)\n/);
  });
});
