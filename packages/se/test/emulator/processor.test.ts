import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKeylineError } from '@keyline/core';
import { atcaCrcBytes } from '../../src/atecc/crc.js';
import { OPCODE, STATUS } from '../../src/atecc/opcodes.js';
import { createMemoryChip } from '../../src/emulator/create.js';
import { CommandProcessor } from '../../src/emulator/processor.js';
import { encodeCommandFrame } from '../../src/frame/command-frame.js';
import { decodeResponseFrame, encodeResponseFrame } from '../../src/frame/response-frame.js';
import { FramedElement, interpretOutput } from '../../src/framed-element.js';
import type { Transport } from '../../src/transport/transport.js';
import { expectCode } from '../helpers.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function processor(): { process(frame: Uint8Array): Promise<Uint8Array | null> } {
  const p = new CommandProcessor(createMemoryChip());
  const session = p.openSession();
  return { process: (frame) => p.process(frame, session) };
}

function frame(opcode: number, param1: number, param2: number, data = new Uint8Array(0)): Uint8Array {
  return encodeCommandFrame({ opcode, param1, param2, data });
}

function withCrc(body: number[]): Uint8Array {
  const bytes = Uint8Array.from(body);
  return Uint8Array.from([...bytes, ...atcaCrcBytes(bytes)]);
}

describe('command processor', () => {
  it('answers Info with the revision of an ATECC608A', async () => {
    const response = await processor().process(frame(OPCODE.INFO, 0, 0));
    expect(hex(response!)).toBe(hex(encodeResponseFrame(Uint8Array.of(0, 0, 0x60, 0x02))));
    expect(response![0]).toBe(7);
  });

  it('answers bad frames with the communication-error status 0xFF', async () => {
    const p = processor();
    const good = frame(OPCODE.RANDOM, 0, 0);
    const badCrc = new Uint8Array(good);
    badCrc[5] = badCrc[5]! ^ 0x80;
    const badCount = new Uint8Array(good);
    badCount[0] = 9;
    const cases = [badCrc, badCount, good.subarray(0, 3), new Uint8Array(0), new Uint8Array(200).fill(200)];
    for (const bad of cases)
      expect(decodeResponseFrame((await p.process(bad))!)).toEqual(Uint8Array.of(STATUS.COMMUNICATION_ERROR));
    expect(decodeResponseFrame((await p.process('x' as unknown as Uint8Array))!)).toEqual(Uint8Array.of(0xff));
  });

  it('answers unknown opcodes and bad parameters with the parse-error status 0x03', async () => {
    const p = processor();
    const cases = [
      frame(0x99, 0, 0),
      frame(OPCODE.READ, 0x03, 0), // zone 3
      frame(OPCODE.READ, 0x02, 0x8000), // unused address bits
      frame(OPCODE.READ, 0x82, 0x0d40), // slot 8 has 13 blocks, not 14
      frame(OPCODE.READ, 0x02, 0, Uint8Array.of(1)), // Read takes no data
      frame(OPCODE.WRITE, 0x02, 12 << 3, new Uint8Array(5)),
      frame(OPCODE.GENKEY, 0x10, 0),
      frame(OPCODE.GENKEY, 0x04, 16),
      frame(OPCODE.SIGN, 0x00, 0),
      frame(OPCODE.NONCE, 0x00, 0, new Uint8Array(20)),
      frame(OPCODE.ECDH, 0x00, 0, new Uint8Array(32)),
      frame(OPCODE.COUNTER, 0x02, 0),
      frame(OPCODE.COUNTER, 0x00, 2),
      frame(OPCODE.INFO, 0x02, 0),
      frame(OPCODE.RANDOM, 0x00, 1),
    ];
    for (const bad of cases) expect(hex(decodeResponseFrame((await p.process(bad))!)), hex(bad)).toBe('03');
  });

  it('answers execution errors with status 0x0F and the reason byte', async () => {
    const p = processor();
    expect(hex(decodeResponseFrame((await p.process(frame(OPCODE.GENKEY, 0x04, 8)))!))).toBe('0f01'); // not a key slot
    expect(hex(decodeResponseFrame((await p.process(frame(OPCODE.GENKEY, 0x00, 0)))!))).toBe('0f02'); // no key
    expect(hex(decodeResponseFrame((await p.process(frame(OPCODE.READ, 0x02, 12 << 3)))!))).toBe('0f06'); // data not locked
  });

  it('never throws and always answers a well-formed frame, whatever arrives', async () => {
    const p = processor();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 260 }),
          fc
            .tuple(
              fc.constantFrom(...Object.values(OPCODE), 0x00, 0x47, 0xff),
              fc.nat(255),
              fc.nat(0xffff),
              fc.uint8Array({ maxLength: 80 }),
            )
            .map(([opcode, p1, p2, data]) => encodeCommandFrame({ opcode, param1: p1, param2: p2, data })),
          fc.uint8Array({ maxLength: 100 }).map((body) => withCrc([body.length + 3, ...body])),
        ),
        async (bytes) => {
          const response = await p.process(bytes);
          expect(response).not.toBeNull();
          expect(decodeResponseFrame(response!).length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 400 },
    );
  });
});

/** A transport that answers whatever the test says. */
function scripted(answer: (frame: Uint8Array) => Uint8Array): Transport {
  return { transact: async (f) => answer(f), close: async () => undefined };
}

describe('framed client against a misbehaving bus', () => {
  it('reports a bad CRC, a wrong count, an unexpected length and bare statuses with codes', async () => {
    const badCrc = new FramedElement(scripted(() => Uint8Array.of(0x07, 0, 0, 0x60, 0x02, 0, 0)));
    await expectCode(badCrc.readCounter(0), 'ERR_SE_CRC');
    const badCount = new FramedElement(scripted(() => Uint8Array.of(0x09, 0x00, 0x03, 0x40)));
    await expectCode(badCount.readCounter(0), 'ERR_SE_BAD_RESPONSE');
    const short = new FramedElement(scripted(() => encodeResponseFrame(new Uint8Array(32))));
    await expectCode(short.generateKey(0), 'ERR_SE_BAD_RESPONSE');
    const realChipError = new FramedElement(scripted(() => encodeResponseFrame(Uint8Array.of(0x0f))));
    await expectCode(realChipError.generateKey(0), 'ERR_SE_EXECUTION_FAILED');
    const parse = new FramedElement(scripted(() => encodeResponseFrame(Uint8Array.of(0x03))));
    await expectCode(parse.lockData(), 'ERR_SE_BAD_COMMAND');
    const comm = new FramedElement(scripted(() => encodeResponseFrame(Uint8Array.of(0xff))));
    await expectCode(comm.lockData(), 'ERR_SE_CRC');
    const eccFault = new FramedElement(scripted(() => encodeResponseFrame(Uint8Array.of(0x05))));
    await expectCode(eccFault.generateKey(0), 'ERR_SE_EXECUTION_FAILED');
    const wake = new FramedElement(scripted(() => encodeResponseFrame(Uint8Array.of(0x11))));
    await expectCode(wake.generateKey(0), 'ERR_SE_BAD_RESPONSE');
  });

  it('tells a status from data by the length the command expects', () => {
    expect(interpretOutput(Uint8Array.of(0), 1)).toEqual(Uint8Array.of(0));
    const thrown = (() => {
      try {
        interpretOutput(Uint8Array.of(0), 4);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(isKeylineError(thrown, 'ERR_SE_BAD_RESPONSE')).toBe(true);
    expect(interpretOutput(Uint8Array.of(1, 2, 3, 4), 4)).toEqual(Uint8Array.of(1, 2, 3, 4));
  });
});
