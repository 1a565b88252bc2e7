import { spawn, spawnSync } from 'node:child_process';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ecdsaSignatureFromRaw } from '@keyline/core';
import { connectElement } from '@keyline/se';

const bin = resolve(import.meta.dirname, '../../packages/keyline/bin/keyline.js');
const dir = mkdtempSync(join(tmpdir(), 'keyline-se-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keyline(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
}

describe('keyline se (emulated secure elements), through the real binary', () => {
  const tray = join(dir, 'tray');

  it('creates a tray of blank chips and lists them', () => {
    const created = keyline('se', 'tray', 'create', '--count', '4', '--json', tray);
    expect(created.status).toBe(0);
    const serials = (JSON.parse(created.stdout) as { created: string[] }).created;
    expect(serials).toHaveLength(4);
    for (const s of serials) expect(s).toMatch(/^0123[0-9a-f]{14}$/);
    const listed = keyline('se', 'tray', 'list', '--json', tray);
    expect(listed.status).toBe(0);
    const chips = JSON.parse(listed.stdout) as { serialHex: string; configLocked: boolean; keySlots: number[] }[];
    expect(chips.map((c) => c.serialHex).sort()).toEqual([...serials].sort());
    expect(chips.every((c) => c.configLocked && c.keySlots.length === 0)).toBe(true);
  });

  it('serves the tray on a socket: another process makes a key in a chip and the chip signs with it', async () => {
    const [serial] = (JSON.parse(keyline('se', 'tray', 'list', '--json', tray).stdout) as { serialHex: string }[]).map(
      (c) => c.serialHex,
    );
    const socketPath = join(dir, 'tray.sock');
    const server = spawn(process.execPath, [bin, 'se', 'serve', '--tray', tray, '--socket', socketPath]);
    const listening = await new Promise<string>((ok, ko) => {
      server.stdout.on('data', (d: Buffer) => ok(d.toString()));
      server.on('exit', (code) => ko(new Error(`se serve exited with ${code}`)));
    });
    expect(listening).toContain(socketPath);
    const element = await connectElement({ socketPath, serialHex: serial! });
    const point = await element.generateKey(0);
    const digest = createHash('sha256').update('keyline').digest();
    const raw = await element.sign(0, digest);
    await element.close();
    const key = createPublicKey({
      key: Buffer.concat([Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), point]),
      format: 'der',
      type: 'spki',
    });
    expect(verify('sha256', Buffer.from('keyline'), key, ecdsaSignatureFromRaw(raw))).toBe(true);
    server.kill('SIGTERM');
    const code = await new Promise<number | null>((ok) => server.on('exit', ok));
    expect(code).toBe(0);
    const after = JSON.parse(keyline('se', 'tray', 'list', '--json', tray).stdout) as {
      serialHex: string;
      keySlots: number[];
    }[];
    expect(after.find((c) => c.serialHex === serial)?.keySlots).toEqual([0]);
  });

  it('refuses bad usage with exit code 2', () => {
    expect(keyline('se', 'tray', 'create', '--count', 'zero', tray).status).toBe(2);
    expect(keyline('se', 'serve', '--tray', tray).status).toBe(2);
  });
});
