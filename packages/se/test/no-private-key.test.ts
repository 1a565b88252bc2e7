import { readFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import {
  AteccElement,
  CommandProcessor,
  EmulatedChip,
  OPCODE,
  SLOT_SIZES,
  Tray,
  ZONE,
  encodeAddress,
  type ChipReply,
} from '../src/index.js';
import { peerKeyPair, scalarsInImage, sha256, tempDir } from './helpers.js';
import { readImageFile } from '../src/emulator/image-file.js';

/**
 * DESIGN.md: se/ must not "let a private key out through any API". This test makes keys in every key
 * slot of a chip, reads the scalars from the image file (the only place they exist outside the chip),
 * then calls every exported function and every method of every exported class, sends every command
 * the chip knows with every mode and every address, and checks that no output, error or string
 * representation contains a scalar (in either byte order, as bytes, hex or base64).
 */
const KEY_SLOTS = [0, 1, 2, 3, 4];

/** Any 8 consecutive bytes of a scalar count as a leak: a key let out in pieces is let out. */
const WINDOW = 8;

class LeakDetector {
  readonly #needles: Buffer[] = [];
  readonly #strings: string[] = [];
  examined = 0;

  constructor(scalars: readonly Uint8Array[]) {
    for (const scalar of scalars) {
      for (const whole of [scalar, new Uint8Array(scalar).reverse()]) {
        const buf = Buffer.from(whole);
        this.#strings.push(buf.toString('base64').slice(0, 40), buf.toString('base64url').slice(0, 40));
        for (let at = 0; at + WINDOW <= whole.length; at++) {
          const needle = buf.subarray(at, at + WINDOW);
          this.#needles.push(needle);
          this.#strings.push(needle.toString('hex'), needle.toString('hex').toUpperCase());
        }
      }
    }
  }

  /** Whether `value`, walked deeply, holds any scalar. */
  leaks(value: unknown, seen = new Set<unknown>()): boolean {
    this.examined++;
    if (value === null || value === undefined) return false;
    if (typeof value === 'string') return this.#strings.some((s) => value.includes(s));
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return false;
    if (value instanceof Uint8Array)
      return this.#needles.some((needle) => Buffer.from(value).includes(Buffer.from(needle)));
    if (typeof value !== 'object' && typeof value !== 'function') return false;
    if (seen.has(value)) return false;
    seen.add(value);
    if (value instanceof Error && (this.leaks(value.message, seen) || this.leaks(value.stack, seen))) return true;
    if (typeof value === 'object' && this.leaks(inspect(value, { depth: 6, showHidden: true, getters: true }), seen))
      return true;
    for (const key of Object.getOwnPropertyNames(value)) {
      if (key === 'caller' || key === 'callee' || key === 'arguments') continue;
      let inner: unknown;
      try {
        inner = (value as Record<string, unknown>)[key];
      } catch {
        continue;
      }
      if (this.leaks(inner, seen)) return true;
    }
    return false;
  }
}

let dir: { path: string; remove(): Promise<void> };
let serial: string;
let chipFile: string;
let scalars: Uint8Array[];
let detector: LeakDetector;
const outputs: { what: string; value: unknown }[] = [];

async function record(what: string, run: () => unknown): Promise<void> {
  try {
    outputs.push({ what, value: await run() });
  } catch (error) {
    outputs.push({ what: `${what} (error)`, value: error });
  }
}

/** Calls every method of an AteccElement (the SecureElement interface and the ATECC extras) with many arguments. */
async function exerciseElement(name: string, se: AteccElement): Promise<void> {
  const methods = Object.getOwnPropertyNames(AteccElement.prototype).filter((m) => m !== 'constructor');
  const peer = peerKeyPair().publicKey;
  const calls: Record<string, () => Promise<void>> = {
    info: () => record(`${name}.info`, () => se.info()),
    generateKey: async () => undefined, // done below, on the field-key slots only, so the scalars stay valid
    getPublicKey: async () => {
      for (let slot = 0; slot < 16; slot++) await record(`${name}.getPublicKey(${slot})`, () => se.getPublicKey(slot));
    },
    sign: async () => {
      for (let slot = 0; slot < 16; slot++)
        await record(`${name}.sign(${slot})`, () => se.sign(slot, sha256(`m${slot}`)));
    },
    ecdh: async () => {
      for (let slot = 0; slot < 16; slot++) await record(`${name}.ecdh(${slot})`, () => se.ecdh(slot, peer));
    },
    random: () => record(`${name}.random`, () => se.random(4096)),
    readCounter: () => record(`${name}.readCounter`, () => se.readCounter(0)),
    incrementCounter: () => record(`${name}.incrementCounter`, () => se.incrementCounter(1)),
    read: async () => {
      for (let slot = 0; slot < 16; slot++) {
        await record(`${name}.read(${slot})`, () => se.read(slot, 0, SLOT_SIZES[slot]!));
        await record(`${name}.read(${slot}, 4)`, () => se.read(slot, 4, 32));
      }
    },
    write: async () => {
      for (let slot = 0; slot < 16; slot++)
        await record(`${name}.write(${slot})`, () => se.write(slot, 0, new Uint8Array(4)));
    },
    lockConfig: () => record(`${name}.lockConfig`, () => se.lockConfig()),
    lockData: async () => undefined, // the test locks the data zone once, between two rounds
    lockSlot: async () => {
      for (const slot of [12, 13]) await record(`${name}.lockSlot(${slot})`, () => se.lockSlot(slot));
    },
    readConfigZone: () => record(`${name}.readConfigZone`, () => se.readConfigZone()),
    writeConfigZone: () => record(`${name}.writeConfigZone`, () => se.writeConfigZone(16, new Uint8Array(4))),
    readOtp: () => record(`${name}.readOtp`, () => se.readOtp(0, 64)),
    writeOtp: () => record(`${name}.writeOtp`, () => se.writeOtp(0, new Uint8Array(4))),
    close: async () => undefined, // closed at the end
  };
  for (const method of methods) {
    const call = calls[method];
    expect(call, `AteccElement.${method} must be exercised here`).toBeDefined();
    await call!();
  }
  for (const slot of [2, 3, 4]) await record(`${name}.generateKey(${slot})`, () => se.generateKey(slot));
}

beforeAll(async () => {
  dir = await tempDir();
  [serial] = (await api.createTray(dir.path, 1)) as [string];
  chipFile = join(dir.path, api.chipFileName(serial));
  const chip = await api.openTrayChip(dir.path, serial);
  for (const slot of KEY_SLOTS) await chip.element().generateKey(slot);
}, 30_000);

afterAll(async () => {
  await dir.remove();
});

describe('no API returns private key material', () => {
  it('finds the scalars in the image file (the detector works)', async () => {
    scalars = await scalarsInImage(chipFile, KEY_SLOTS);
    detector = new LeakDetector(scalars);
    expect(scalars.every((s) => s.some((b) => b !== 0))).toBe(true);
    expect(detector.leaks(await readFile(chipFile, 'utf8'))).toBe(true);
    expect(detector.leaks({ deep: [{ buffer: Buffer.concat([Buffer.from('x'), Buffer.from(scalars[3]!)]) }] })).toBe(
      true,
    );
    expect(detector.leaks(new Uint8Array(scalars[0]!).reverse())).toBe(true);
    expect(detector.leaks(scalars[1]!.subarray(20, 28))).toBe(true);
    expect(detector.leaks(Buffer.from(scalars[2]!.subarray(3, 11)).toString('hex'))).toBe(true);
    expect(detector.leaks(scalars[1]!.subarray(20, 27))).toBe(false);
  });

  it('through every element method, in process, framed, and over the socket, before and after the data lock', async () => {
    const socketPath = join(dir.path, 'leak.sock');
    const server = await api.serveTray(dir.path, { socketPath });
    try {
      const state = api.newChipState();
      expect(detector.leaks(state)).toBe(false);
      // Over the socket first (the server owns the image meanwhile), before and after the data lock.
      const remote = await api.connectElement({ socketPath, serialHex: serial });
      await exerciseElement('socket (data unlocked)', remote);
      await remote.lockData();
      await exerciseElement('socket (data locked)', remote);
      await remote.close();
      await server.close();
      // Then in process, on the image as the server left it: commands handed over directly, and framed.
      const reopened = await api.openTrayChip(dir.path, serial);
      await exerciseElement('direct', reopened.element());
      await exerciseElement('framed', reopened.framedElement());
      // Framed between threads' ports (here both ends in this thread: the messages are the same).
      const channel = new MessageChannel();
      const stop = new api.FramePortServer(async () => reopened).listen(channel.port1);
      const client = new api.FramePortClient(channel.port2);
      try {
        await exerciseElement('port', new api.FramedElement(client.transport(serial)));
      } finally {
        stop();
        client.detach();
        channel.port1.close();
      }
      outputs.push({ what: 'chip', value: reopened });
    } finally {
      await server.close().catch(() => undefined);
    }
    const leaked = outputs.filter((o) => detector.leaks(o.value)).map((o) => o.what);
    expect(leaked).toEqual([]);
    expect(outputs.length).toBeGreaterThan(300);
  }, 60_000);

  it('through the chip and its command processor, for every command, mode and address', async () => {
    const chip = await api.openTrayChip(dir.path, serial);
    const processor = new CommandProcessor(chip);
    const session = chip.openSession();
    // The same chip in memory, which answers synchronously (`executeNow`).
    const twin = new EmulatedChip(await readImageFile(chipFile));
    const twinSession = twin.openSession();
    const chipMethods = Object.getOwnPropertyNames(EmulatedChip.prototype).filter((m) => m !== 'constructor');
    const seen: unknown[] = [
      chip.summary(),
      chip.faults,
      chip.serialNumber,
      chip.serialHex,
      chip.location,
      chip.model,
      await chip.flush(),
    ];
    expect(chipMethods.sort()).toEqual(
      [
        'clearFaults',
        'element',
        'execute',
        'executeNow',
        'faults',
        'flush',
        'framedElement',
        'injectFault',
        'location',
        'openSession',
        'serialNumber',
        'setTiming',
        'summary',
        'transport',
      ].sort(),
    );
    const addresses: number[] = [];
    for (let slot = 0; slot < 16; slot++)
      for (let offset = 0; offset < SLOT_SIZES[slot]!; offset += 4)
        addresses.push(encodeAddress({ zone: ZONE.DATA, slot, offset }));
    for (let offset = 0; offset < 128; offset += 4)
      addresses.push(encodeAddress({ zone: ZONE.CONFIG, slot: 0, offset }));
    let replies = 0;
    for (const opcode of Object.values(OPCODE)) {
      const modes = opcode === OPCODE.READ ? [0x00, 0x01, 0x02, 0x80, 0x81, 0x82] : [...Array(256).keys()];
      const params2 = opcode === OPCODE.READ ? addresses : [...Array(18).keys()];
      const data =
        opcode === OPCODE.ECDH
          ? peerKeyPair().publicKey.subarray(1)
          : opcode === OPCODE.NONCE
            ? sha256('n')
            : new Uint8Array(0);
      for (const param1 of modes) {
        if (opcode === OPCODE.LOCK || opcode === OPCODE.WRITE || (opcode === OPCODE.GENKEY && param1 === 0x04))
          continue; // would change the chip
        for (const param2 of params2) {
          const command = { opcode, param1, param2, data };
          const reply = await chip.execute(command, session);
          const frame = await processor.process(api.encodeCommandFrame(command), session);
          const now = twin.executeNow(command, twinSession);
          if (now === undefined) throw new Error('a chip in memory runs a command at once');
          replies++;
          const valueOf = (r: ChipReply): unknown =>
            r.kind === 'output' ? r.output : r.kind === 'error' ? r.error.message : '';
          if (
            detector.leaks(valueOf(reply)) ||
            detector.leaks(valueOf(now)) ||
            detector.leaks(frame ?? new Uint8Array(0))
          )
            throw new Error(`leak: ${JSON.stringify({ opcode, param1, param2 })}`);
        }
      }
    }
    expect(replies).toBeGreaterThan(5000);
    expect(seen.filter((v) => detector.leaks(v))).toEqual([]);
    expect(detector.leaks(JSON.stringify(chip))).toBe(false);
    expect(detector.leaks(inspect(chip, { showHidden: true, depth: 10 }))).toBe(false);
  }, 120_000);

  it('through every export of the package', async () => {
    const exported = Object.keys(api).sort();
    const examined: Record<string, () => Promise<unknown> | unknown> = {
      AteccElement: () => 'class, exercised above',
      FramedElement: () => 'class, exercised above',
      FramedCommandPort: () => 'class, used by FramedElement',
      EmulatedChip: () => api.EmulatedChip.open(chipFile).then((c) => c.summary()),
      CommandProcessor: () => 'class, exercised above',
      InProcessTransport: () => 'class, used by framedElement()',
      SocketTransport: () => 'class, used by connectElement()',
      FramePortClient: () => 'class, exercised above (frames between ports)',
      PortTransport: () => 'class, made by FramePortClient.transport, exercised above',
      FramePortServer: () => 'class, exercised above (frames between ports)',
      Tray: async () => {
        const tray = new Tray(dir.path);
        return [await tray.serials(), (await tray.chip(serial)).summary(), await tray.chip(serial)];
      },
      createTray: () => 'makes blank chips: no keys',
      listTray: () => api.listTray(dir.path),
      openTrayChip: () => api.openTrayChip(dir.path, serial),
      traySerials: () => api.traySerials(dir.path),
      chipFileName: () => api.chipFileName(serial),
      serveTray: () => 'server, exercised above',
      connectElement: () => 'exercised above',
      newChipState: () => api.newChipState(),
      createMemoryChip: () => api.createMemoryChip(),
      randomSerialNumber: () => api.randomSerialNumber('ATECC608A'),
      parseFault: () => api.parseFault({ operation: 'any', effect: 'fail' }),
      interpretOutput: () => 'pure function of its input',
      statusError: () => api.statusError(0x0f, 1),
      atcaCrc16: () => 'pure function of its input',
      atcaCrcBytes: () => 'pure function of its input',
      encodeCommandFrame: () => 'pure function of its input',
      decodeCommandFrame: () => 'pure function of its input',
      encodeResponseFrame: () => 'pure function of its input',
      decodeResponseFrame: () => 'pure function of its input',
      encodeAddress: () => 'pure function of its input',
      decodeAddress: () => 'pure function of its input',
      modelOfRevision: () => 'pure function of its input',
      serialOf: () => 'pure function of its input',
      slotConfigOf: () => 'pure function of its input',
      keyConfigOf: () => 'pure function of its input',
      isConfigLocked: () => 'pure function of its input',
      isDataLocked: () => 'pure function of its input',
      slotLocksOf: () => 'pure function of its input',
      decodeSlotConfig: () => 'pure function of its input',
      encodeSlotConfig: () => 'pure function of its input',
      decodeKeyConfig: () => 'pure function of its input',
      encodeKeyConfig: () => 'pure function of its input',
      isPrivateKeySlot: () => 'pure function of its input',
      buildConfigZone: () => 'pure function of its input',
      commandDurationMs: () => 'pure function of its input',
      Pkcs11Element: () => 'token keys are CKA_SENSITIVE, not extractable: test/pkcs11/pkcs11-element.test.ts',
      acquirePkcs11Module: () => 'loads a PKCS#11 library; holds no key material',
      releasePkcs11Module: () => 'releases a PKCS#11 library; holds no key material',
    };
    const constants = exported.filter((name) => !(typeof (api as Record<string, unknown>)[name] === 'function'));
    for (const name of constants) expect(detector.leaks((api as Record<string, unknown>)[name]), name).toBe(false);
    const functions = exported.filter((name) => typeof (api as Record<string, unknown>)[name] === 'function');
    for (const name of functions) {
      expect(examined[name], `export ${name} must be examined by this test`).toBeDefined();
      const value = await examined[name]!();
      expect(detector.leaks(value), name).toBe(false);
    }
  });
});
