import { verify } from 'node:crypto';
import { MessageChannel, Worker } from 'node:worker_threads';
import { KeylineError } from '@keyline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { FramedElement } from '../../src/framed-element.js';
import { createMemoryChip } from '../../src/emulator/create.js';
import type { EmulatedChip } from '../../src/emulator/chip.js';
import { FramePortClient } from '../../src/transport/port-transport.js';
import { FramePortServer } from '../../src/tray/port-server.js';
import { expectCode, publicKeyObject, sha256 } from '../helpers.js';

/** A port pair: the chips' end served by a FramePortServer, the host's end a FramePortClient. */
function portPair(chips: Map<string, EmulatedChip>): { client: FramePortClient; close(): void } {
  const channel = new MessageChannel();
  const stop = new FramePortServer(async (serialHex) => {
    const chip = chips.get(serialHex);
    if (chip === undefined) throw new KeylineError('ERR_SE_CHIP_NOT_FOUND');
    return chip;
  }).listen(channel.port1);
  const client = new FramePortClient(channel.port2);
  return {
    client,
    close: () => {
      stop();
      client.detach();
      channel.port1.close();
    },
  };
}

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

describe('frames between threads (PortTransport, FramePortServer)', () => {
  it('carries every command: a key made, a digest signed and verified, data written and read back', async () => {
    const chip = createMemoryChip();
    const pair = portPair(new Map([[chip.serialHex, chip]]));
    cleanup = pair.close;
    const element = new FramedElement(pair.client.transport(chip.serialHex));
    expect((await element.info()).serialHex).toBe(chip.serialHex);
    const point = await element.generateKey(0);
    const digest = sha256('challenge');
    const signature = await element.sign(0, digest);
    expect(verify(null, digest, { key: publicKeyObject(point), dsaEncoding: 'ieee-p1363' }, signature)).toBe(false);
    expect(
      verify('sha256', Buffer.from('challenge'), { key: publicKeyObject(point), dsaEncoding: 'ieee-p1363' }, signature),
    ).toBe(true);
    const data = Uint8Array.from({ length: 64 }, (_, i) => i);
    await element.write(8, 0, data);
    await element.lockData();
    expect((await element.info()).dataLocked).toBe(true);
    expect(await element.read(8, 0, 64)).toEqual(data);
    expect(await element.getPublicKey(0)).toEqual(point);
    // The same chip, driven directly, sees what the frames did.
    expect(await chip.element().getPublicKey(0)).toEqual(point);
    await element.close();
    await expectCode(element.info(), 'ERR_SE_CLOSED');
  });

  it('keeps each host session its own: a Nonce on one transport is not signed on another', async () => {
    const chip = createMemoryChip();
    const pair = portPair(new Map([[chip.serialHex, chip]]));
    cleanup = pair.close;
    const a = new FramedElement(pair.client.transport(chip.serialHex));
    const b = new FramedElement(pair.client.transport(chip.serialHex));
    await a.generateKey(0);
    const [sa, sb] = await Promise.all([a.sign(0, sha256('one')), b.sign(0, sha256('two'))]);
    const key = publicKeyObject(await a.getPublicKey(0));
    expect(verify('sha256', Buffer.from('one'), { key, dsaEncoding: 'ieee-p1363' }, sa)).toBe(true);
    expect(verify('sha256', Buffer.from('two'), { key, dsaEncoding: 'ieee-p1363' }, sb)).toBe(true);
  });

  it('reports a chip fault as the chip does, a silent chip as not responding, and an unknown chip', async () => {
    const chip = createMemoryChip();
    const pair = portPair(new Map([[chip.serialHex, chip]]));
    cleanup = pair.close;
    const element = new FramedElement(pair.client.transport(chip.serialHex, { timeoutMs: 100 }));
    await chip.injectFault({ operation: 'genKey', effect: 'fail' });
    await expectCode(element.generateKey(0), 'ERR_SE_EXECUTION_FAILED');
    await chip.injectFault({ operation: 'info', effect: 'silent' });
    const started = performance.now();
    await expectCode(element.info(), 'ERR_SE_NOT_RESPONDING');
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    const stranger = new FramedElement(pair.client.transport('0123456789abcdef01', { timeoutMs: 100 }));
    await expectCode(stranger.info(), 'ERR_SE_CHIP_NOT_FOUND');
  });

  it('asks for a chip again after forget() (its owner opened it anew)', async () => {
    const chip = createMemoryChip();
    let asked = 0;
    const channel = new MessageChannel();
    const server = new FramePortServer(async () => {
      asked++;
      return chip;
    });
    const stop = server.listen(channel.port1);
    const client = new FramePortClient(channel.port2);
    cleanup = () => {
      stop();
      client.detach();
      channel.port1.close();
    };
    const element = new FramedElement(client.transport(chip.serialHex));
    await element.info();
    await element.info();
    expect(asked).toBe(1);
    server.forget();
    await element.info();
    expect(asked).toBe(2);
  });

  it('fails the frames in flight and every later one when the thread holding the chips stops', async () => {
    // A worker that never answers: the frames wait until it is terminated.
    const worker = new Worker('require("node:worker_threads").parentPort.on("message", () => undefined);', {
      eval: true,
    });
    const client = new FramePortClient(worker);
    worker.on('exit', () => client.fail());
    const element = new FramedElement(client.transport('0123456789abcdef01', { timeoutMs: 10_000 }));
    const pending = element.info();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await worker.terminate();
    await expectCode(pending, 'ERR_SE_TRANSPORT');
    await expectCode(element.generateKey(0), 'ERR_SE_TRANSPORT');
  });
});
