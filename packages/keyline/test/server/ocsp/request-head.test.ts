import { describe, expect, it } from 'vitest';
import { isRejected, parseRequestHead, type RequestHead } from '../../../src/server/ocsp/request-head.js';

const ok = (head: string): RequestHead => {
  const parsed = parseRequestHead(head);
  if (isRejected(parsed)) throw new Error(`rejected: ${parsed.reason}`);
  return parsed;
};
const statusOf = (head: string): number | 'accepted' => {
  const parsed = parseRequestHead(head);
  return isRejected(parsed) ? parsed.status : 'accepted';
};

describe('parseRequestHead (the OCSP listener: strict HTTP/1.x heads)', () => {
  it('reads a POST as OCSP clients send it', () => {
    const head = ok(
      'POST /ocsp/ca_1 HTTP/1.1\r\nHost: ocsp.example\r\nContent-Type: application/ocsp-request\r\n' +
        'Content-Length: 83\r\nX-Request-Id: abc-1',
    );
    expect(head).toMatchObject({
      method: 'POST',
      target: '/ocsp/ca_1',
      http10: false,
      contentLength: 83,
      hasContentLength: true,
      contentType: 'application/ocsp-request',
      keepAlive: true,
      expectContinue: false,
      requestId: 'abc-1',
    });
  });

  it('keeps HTTP/1.1 connections unless told to close; HTTP/1.0 ones only when asked (any case, lists)', () => {
    expect(ok('GET /x HTTP/1.1\r\nConnection: Close').keepAlive).toBe(false);
    expect(ok('GET /x HTTP/1.1\r\nConnection: TE, close').keepAlive).toBe(false);
    expect(ok('GET /x HTTP/1.0').keepAlive).toBe(false);
    expect(ok('GET /x HTTP/1.0\r\nconnection: Keep-Alive').keepAlive).toBe(true);
    expect(ok('GET /x HTTP/1.0').http10).toBe(true);
  });

  it('takes header names in any case and trims optional whitespace', () => {
    const head = ok('POST /o HTTP/1.1\r\ncontent-LENGTH:\t 12 \r\nCONTENT-TYPE:application/ocsp-request');
    expect(head.contentLength).toBe(12);
    expect(head.contentType).toBe('application/ocsp-request');
  });

  it('accepts repeated identical Content-Length; Expect: 100-continue is noted', () => {
    expect(ok('POST /o HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5').contentLength).toBe(5);
    expect(ok('POST /o HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 5').expectContinue).toBe(true);
  });

  it.each([
    ['a malformed request line', 'GARBAGE', 400],
    ['a lower-case method', 'post /o HTTP/1.1', 400],
    ['an absolute-form target', 'GET http://x/o HTTP/1.1', 400],
    ['two spaces', 'GET  /o HTTP/1.1', 400],
    ['a header without colon', 'GET /o HTTP/1.1\r\nHost example', 400],
    ['obsolete line folding', 'GET /o HTTP/1.1\r\nHost: a\r\n b', 400],
    ['whitespace before the colon', 'GET /o HTTP/1.1\r\nHost : a', 400],
    ['a control character in a value', 'GET /o HTTP/1.1\r\nHost: a\x00b', 400],
    ['a Content-Length that is not a number', 'POST /o HTTP/1.1\r\nContent-Length: 1e3', 400],
    ['a negative Content-Length', 'POST /o HTTP/1.1\r\nContent-Length: -1', 400],
    ['a huge Content-Length', 'POST /o HTTP/1.1\r\nContent-Length: 99999999999', 400],
    ['conflicting Content-Lengths', 'POST /o HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6', 400],
    ['a Transfer-Encoding', 'POST /o HTTP/1.1\r\nTransfer-Encoding: chunked', 501],
    ['HTTP/2.0', 'GET /o HTTP/2.0', 505],
    ['HTTP/1.2', 'GET /o HTTP/1.2', 505],
    ['another Expect', 'POST /o HTTP/1.1\r\nExpect: something', 417],
  ])('refuses %s', (_what, head, status) => {
    expect(statusOf(head)).toBe(status);
  });
});
