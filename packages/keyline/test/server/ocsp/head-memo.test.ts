import { describe, expect, it } from 'vitest';
import { HeadMemo } from '../../../src/server/ocsp/head-memo.js';
import { parseRequestHead } from '../../../src/server/ocsp/request-head.js';

const head = (length: number, extra = ''): string =>
  `POST /ocsp/ca HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\nContent-Length: ${length}\r\n${extra}`;

describe('HeadMemo', () => {
  it('answers as parseRequestHead, the same object for the same octets, whatever follows the head', () => {
    const memo = new HeadMemo();
    const text = head(83, 'X-Request-Id: a\r\n').slice(0, -2);
    const first = memo.parse(Buffer.from(`${text}\r\n\r\nBODY`, 'latin1'), text.length);
    expect(first).toEqual(parseRequestHead(text));
    expect(memo.parse(Buffer.from(`${text}\r\n\r\nOTHER`, 'latin1'), text.length)).toBe(first);
    const other = head(84).slice(0, -2);
    const second = memo.parse(Buffer.from(`${other}\r\n\r\n`, 'latin1'), other.length);
    expect(second).toEqual(parseRequestHead(other));
    expect(second).not.toBe(first);
  });

  it('does not remember rejected heads and forgets the oldest past its slots', () => {
    const memo = new HeadMemo();
    const bad = 'POST /ocsp/ca HTTP/1.1\r\nBad Header: x';
    expect(memo.parse(Buffer.from(bad, 'latin1'), bad.length)).toEqual({
      status: 400,
      reason: 'malformed header field name',
    });
    const texts = Array.from({ length: 9 }, (_, i) => head(100 + i).slice(0, -2));
    const parsed = texts.map((t) => memo.parse(Buffer.from(t, 'latin1'), t.length));
    // The eighth most recent is still known; the first was replaced by the ninth.
    expect(memo.parse(Buffer.from(texts[1]!, 'latin1'), texts[1]!.length)).toBe(parsed[1]);
    const again = memo.parse(Buffer.from(texts[0]!, 'latin1'), texts[0]!.length);
    expect(again).toEqual(parsed[0]);
    expect(again).not.toBe(parsed[0]);
  });
});
