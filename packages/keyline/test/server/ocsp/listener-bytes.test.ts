import net from 'node:net';
import type { Certificate } from '@keyline/core';
import { buildOcspRequest, certIdFor } from '@keyline/core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOcspListener, type OcspListener } from '../../../src/server/ocsp/listener.js';
import { ocspSubjects, serverFixture, type ServerFixture } from '../support/fixture.js';

/**
 * The listener's cache hits on a kept-alive HTTP/1.1 connection are written from parts made once
 * (ocsp/answer-bytes.ts); every other answer by the general path. Both give the same bytes.
 */
let f: ServerFixture;
let listener: OcspListener;
let port = 0;
let issuer: Certificate;
let good: Certificate;
let revoked: Certificate;
const lines: string[] = [];

beforeAll(async () => {
  f = await serverFixture();
  ({ issuer, good, revoked } = await ocspSubjects(f));
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  listener = createOcspListener({ ca: f.ca, clock: f.clock, metrics: f.metrics, logger });
  port = await listener.listen(0, '127.0.0.1');
});
afterAll(async () => {
  await listener?.close();
  await f.close();
});

/** Sends one request on a new connection and returns everything received until the answer is complete. */
function ask(request: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      const length = /\r\nContent-Length: (\d+)\r\n/.exec(received.toString('latin1'))?.[1];
      if (end >= 0 && length !== undefined && received.length >= end + 4 + Number(length)) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('error', reject);
    socket.write(request);
  });
}

const post = (serialHex: string, extra: string): Buffer => {
  const der = buildOcspRequest({ certIds: [certIdFor(issuer.subject.der, issuer.publicKey, serialHex)] });
  return Buffer.concat([
    Buffer.from(
      `POST /ocsp/${f.line1.id} HTTP/1.1\r\nHost: t\r\nContent-Type: application/ocsp-request\r\n` +
        `Content-Length: ${der.length}\r\n${extra}\r\n`,
      'latin1',
    ),
    der,
  ]);
};

describe('the OCSP listener’s answers from the cache', () => {
  it('are byte for byte the general path’s, but for the Connection header that path adds', async () => {
    for (const serial of [good.serialHex, revoked.serialHex]) {
      // The first request fills the cache; the next ones are hits.
      await ask(post(serial, ''));
      const id = 'X-Request-Id: same-id\r\n';
      const fast = await ask(post(serial, id));
      const general = await ask(post(serial, `${id}Connection: close\r\n`));
      expect(general.toString('latin1')).toContain('\r\nConnection: close\r\n\r\n');
      expect(fast.toString('latin1').startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
      expect(fast).toEqual(Buffer.from(general.toString('latin1').replace('Connection: close\r\n', ''), 'latin1'));
    }
  });

  it('carry a fresh random request id when the client gives none, and are logged at debug', async () => {
    await ask(post(good.serialHex, ''));
    const before = lines.length;
    const ids = await Promise.all(
      [0, 1, 2].map(
        async () =>
          /\r\nX-Request-Id: ([^\r]+)\r\n/.exec((await ask(post(good.serialHex, ''))).toString('latin1'))![1]!,
      ),
    );
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(3);
    const logged = lines.slice(before).map((line) => JSON.parse(line) as { level: number; requestId: string });
    expect(
      logged
        .filter((l) => l.level === 20)
        .map((l) => l.requestId)
        .sort(),
    ).toEqual([...ids].sort());
  });
});
