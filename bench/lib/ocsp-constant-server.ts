/**
 * The `ocsp` benchmark's ceiling (`node-constant-bytes`): a node:net server that answers every
 * HTTP/1.1 request with the same pre-recorded OCSP answer (the bytes Keyline's listener sent for a
 * good certificate), and does nothing else: no parsing beyond framing the request (the end of its
 * head and its Content-Length), no lookup, no logs, no metrics. No Node.js server can answer the
 * same load with less work, so its rate bounds what any OCSP responder written in Node reaches on
 * this machine under the same generator.
 *
 * Run as its own process: `node --import tsx ocsp-constant-server.ts <answer body as hex>`; prints
 * `listening on <port>` once it listens on 127.0.0.1.
 */
import { createServer, type Socket } from 'node:net';

const HEAD_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;

const body = Buffer.from(process.argv[2] ?? '', 'hex');
if (body.length === 0) throw new Error('usage: ocsp-constant-server.ts <answer body as hex>');
const answer = Buffer.concat([
  Buffer.from(
    `HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: ${body.length}\r\n\r\n`,
    'latin1',
  ),
  body,
]);

function serve(socket: Socket): void {
  socket.setNoDelay(true);
  let pending: Buffer | undefined;
  socket.on('data', (chunk: Buffer) => {
    const buffer = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    let offset = 0;
    for (;;) {
      const headEnd = buffer.indexOf(HEAD_END, offset);
      if (headEnd < 0) break;
      const length = Number(CONTENT_LENGTH.exec(buffer.toString('latin1', offset, headEnd + 2))?.[1] ?? 0);
      const end = headEnd + HEAD_END.length + length;
      if (end > buffer.length) break;
      socket.write(answer);
      offset = end;
    }
    pending = offset === buffer.length ? undefined : buffer.subarray(offset);
  });
  socket.on('error', () => socket.destroy());
}

const server = createServer(serve);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on ${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
