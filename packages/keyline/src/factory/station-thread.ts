/**
 * A station thread (node:worker_threads; station-pool.ts starts it): holds the chips of the
 * batch's source and does their work — the identity key, the writes and the lock, the challenge and
 * the check (station.ts) — so that the line's thread keeps only the journal, the CA and the manifest.
 * The chips are separate hardware that compute beside the host; a station is the host that drives
 * them. Frames for the line's own element calls (resumed chips) are served from the same chips.
 */
import { parentPort } from 'node:worker_threads';
import { Certificate, chainDefinitionFromJson, fail, isKeylineError, systemRandom } from '@keyline/core';
import { FramePortServer, type SecureElement } from '@keyline/se';
import { stationChain, type StationChain } from './chain.js';
import { openChipSource, type ChipSource } from './elements.js';
import { ChipLimiter } from './chip-limiter.js';
import {
  isStationRequest,
  type ChipOutcome,
  type FinishItem,
  type StationOpen,
  type StationReply,
  type StationRequest,
} from './station-protocol.js';
import { checkChip, describeFailure, makeIdentityKey, slotImages, writeAndLock } from './station.js';

interface Batch {
  readonly source: ChipSource;
  readonly chain: StationChain;
  readonly limiter: ChipLimiter;
}

const port = parentPort;
if (port === null) throw new Error('station-thread.ts runs as a worker thread');

let batch: Batch | undefined;

function current(): Batch {
  return batch ?? fail('ERR_FACTORY_JOURNAL_STATE', 'the station thread has no batch open');
}

/** Lets messages waiting for this thread (a key request, a frame) in between two chips. */
function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function withElement<T>(b: Batch, serialHex: string, fn: (element: SecureElement) => Promise<T>): Promise<T> {
  const element = await b.source.open(serialHex);
  try {
    return await fn(element);
  } finally {
    await element.close().catch(() => undefined);
  }
}

/** A chip's failure as an outcome; anything that is not the chip's fault is thrown (describeFailure). */
function failed(error: unknown): ChipOutcome {
  return { ok: false, ...describeFailure(error) };
}

async function open(request: StationOpen): Promise<void> {
  const previous = batch;
  batch = undefined;
  frames.forget();
  await previous?.source.close();
  const source = await openChipSource(request.se, {
    persistence: request.persistence,
    timing: request.timing,
    timeoutMs: request.timeoutMs,
  });
  const chain = stationChain(Certificate.fromDer(request.issuingDer), chainDefinitionFromJson(request.definitionJson));
  batch = { source, chain, limiter: new ChipLimiter(request.concurrency) };
}

async function makeKey(b: Batch, serialHex: string): Promise<ChipOutcome> {
  try {
    return { ok: true, publicKey: await withElement(b, serialHex, makeIdentityKey) };
  } catch (error) {
    return failed(error);
  }
}

async function finish(b: Batch, item: FinishItem): Promise<ChipOutcome> {
  try {
    const facts =
      item.notBefore === undefined || item.notAfter === undefined
        ? undefined
        : {
            publicKey: item.publicKey,
            chipSerial: item.serialHex,
            notBefore: new Date(item.notBefore),
            notAfter: new Date(item.notAfter),
          };
    const images = slotImages(b.chain, item.certificateDer, facts);
    await withElement(b, item.serialHex, async (element) => {
      await writeAndLock(element, images, { knownUnlocked: item.knownUnlocked });
      await checkChip(element, b.chain, item.certificateDer, item.publicKey, systemRandom);
    });
    // Done: the line does not come back to this chip in this run.
    b.source.release?.(item.serialHex);
    return { ok: true };
  } catch (error) {
    return failed(error);
  } finally {
    await yieldToMessages();
  }
}

/** Every chip of a request through the limiter (key requests first), outcomes in request order. */
async function each<T>(
  b: Batch,
  items: readonly T[],
  urgent: boolean,
  fn: (item: T) => Promise<ChipOutcome>,
): Promise<ChipOutcome[]> {
  const settled = await Promise.allSettled(items.map((item) => b.limiter.run(urgent, () => fn(item))));
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected !== undefined) throw rejected.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<ChipOutcome>).value);
}

async function handle(request: StationRequest): Promise<StationReply> {
  try {
    switch (request.kind) {
      case 'station-open':
        await open(request);
        return { kind: 'station-reply', id: request.id };
      case 'station-keys': {
        const b = current();
        return {
          kind: 'station-reply',
          id: request.id,
          outcomes: await each(b, request.serials, true, (s) => makeKey(b, s)),
        };
      }
      case 'station-finish': {
        const b = current();
        return {
          kind: 'station-reply',
          id: request.id,
          outcomes: await each(b, request.items, false, (i) => finish(b, i)),
        };
      }
      case 'station-close': {
        const previous = batch;
        batch = undefined;
        frames.forget();
        await previous?.source.close();
        return { kind: 'station-reply', id: request.id };
      }
    }
  } catch (error) {
    const code = isKeylineError(error) ? error.code : undefined;
    const message = error instanceof Error ? error.message : String(error);
    return { kind: 'station-reply', id: request.id, error: { ...(code !== undefined && { code }), message } };
  }
}

const frames = new FramePortServer(async (serialHex) => {
  const chipOf = current().source.chip;
  return chipOf === undefined ? fail('ERR_SE_CHIP_NOT_FOUND') : chipOf(serialHex);
});
frames.listen(port);
port.on('message', (message: unknown) => {
  if (isStationRequest(message)) void handle(message).then((reply) => port.postMessage(reply));
});
port.postMessage({ kind: 'station-ready' });
