import { describe, expect, it } from 'vitest';
import { AnswerTails, UUID_LENGTH, UuidWriter, okPrefix } from '../../../src/server/ocsp/answer-bytes.js';

describe('answer bytes of the OCSP listener', () => {
  it('writes version 4 UUIDs as randomUUID formats them, each different', () => {
    const writer = new UuidWriter();
    const seen = new Set<string>();
    // More than one refill of the random pool.
    for (let i = 0; i < 2500; i++) {
      const out = Buffer.alloc(UUID_LENGTH + 4, 0x21);
      writer.write(out, 2);
      const text = out.toString('latin1');
      expect(text.slice(0, 2)).toBe('!!');
      expect(text.slice(-2)).toBe('!!');
      expect(text.slice(2, -2)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(text);
    }
    expect(seen.size).toBe(2500);
  });

  it('keeps one tail per cached answer, its length and body as the general path writes them', () => {
    const tails = new AnswerTails();
    const answer = { der: new Uint8Array([0x30, 0x03, 0x0a, 0x01, 0x00]), certStatus: 'good' as const };
    const tail = tails.of(answer);
    expect(tail.toString('latin1')).toBe('\r\nContent-Length: 5\r\n\r\n0\x03\n\x01\x00');
    expect(tails.of(answer)).toBe(tail);
    expect(tails.of({ ...answer })).not.toBe(tail);
    expect(okPrefix('Sun, 06 Dec 2026 12:00:00 GMT').toString('latin1')).toBe(
      'HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nCache-Control: no-cache\r\n' +
        'X-Content-Type-Options: nosniff\r\nDate: Sun, 06 Dec 2026 12:00:00 GMT\r\nX-Request-Id: ',
    );
  });
});
