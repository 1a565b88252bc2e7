/**
 * A strict, minimal HTTP/1.x request-head parser for the dedicated OCSP listener (listener.ts).
 * It accepts what OCSP clients send (RFC 6960 A.1, RFC 5019 5): a request line, header fields,
 * a Content-Length body; and refuses the rest with a status, never guessing: obsolete line folding,
 * header names that are not tokens, control characters, a malformed or conflicting Content-Length,
 * any Transfer-Encoding (an OCSP request is small and always sent with a length).
 */

/** What the listener needs of a request head. */
export interface RequestHead {
  readonly method: string;
  /** The request target as sent (origin form: starts with `/`). */
  readonly target: string;
  /** HTTP/1.0: the connection closes after the answer unless the client asked for keep-alive. */
  readonly http10: boolean;
  /** Octets of body that follow the head; 0 when there is no Content-Length. */
  readonly contentLength: number;
  readonly hasContentLength: boolean;
  readonly contentType: string | undefined;
  /** Whether the connection stays open after the answer, by the version and the Connection header. */
  readonly keepAlive: boolean;
  /** `Expect: 100-continue`. */
  readonly expectContinue: boolean;
  /** The client's X-Request-Id header, if any (the listener decides whether to keep it). */
  readonly requestId: string | undefined;
}

/** A head the listener answers with an HTTP error status, then closes the connection. */
export interface RejectedHead {
  readonly status: 400 | 417 | 501 | 505;
  readonly reason: string;
}

const REQUEST_LINE = /^([A-Z]{1,16}) (\/[^\s]*) HTTP\/(\d)\.(\d)$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Field values: visible characters, spaces and tabs (RFC 9110 5.5); no other control characters.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const DIGITS = /^\d{1,9}$/;

/**
 * Parses the head (the text before the blank line, without it) of one request. Header names are
 * case-insensitive; values are trimmed of optional whitespace.
 */
export function parseRequestHead(head: string): RequestHead | RejectedHead {
  const lines = head.split('\r\n');
  const line = REQUEST_LINE.exec(lines[0]!);
  if (line === null) return { status: 400, reason: 'malformed request line' };
  if (line[3] !== '1') return { status: 505, reason: 'only HTTP/1.0 and HTTP/1.1' };
  const http10 = line[4] === '0';
  if (!http10 && line[4] !== '1') return { status: 505, reason: 'only HTTP/1.0 and HTTP/1.1' };
  let contentLength = -1;
  let contentType: string | undefined;
  let connection: string | undefined;
  let expect: string | undefined;
  let requestId: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const field = lines[i]!;
    const colon = field.indexOf(':');
    // A line that starts with whitespace is obsolete folding (RFC 9112 5.2): refused.
    if (colon <= 0) return { status: 400, reason: 'malformed header field' };
    const name = field.slice(0, colon);
    if (!TOKEN.test(name)) return { status: 400, reason: 'malformed header field name' };
    const value = field.slice(colon + 1).trim();
    if (!FIELD_VALUE.test(value)) return { status: 400, reason: 'control character in a header field' };
    switch (name.length) {
      // Dispatch on the length first: most fields are none of these, and the check is cheap.
      case 14:
        if (name.toLowerCase() === 'content-length') {
          if (!DIGITS.test(value)) return { status: 400, reason: 'malformed Content-Length' };
          const n = Number(value);
          if (contentLength >= 0 && contentLength !== n) return { status: 400, reason: 'conflicting Content-Length' };
          contentLength = n;
        }
        break;
      case 12:
        if (name.toLowerCase() === 'content-type') contentType = value;
        else if (name.toLowerCase() === 'x-request-id') requestId = value;
        break;
      case 10:
        if (name.toLowerCase() === 'connection')
          connection = (connection === undefined ? '' : `${connection},`) + value;
        break;
      case 6:
        if (name.toLowerCase() === 'expect') expect = value.toLowerCase();
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') {
          return { status: 501, reason: 'Transfer-Encoding is not supported: send Content-Length' };
        }
        break;
    }
  }
  if (expect !== undefined && expect !== '100-continue') return { status: 417, reason: 'unsupported Expect' };
  const tokens = connection
    ?.toLowerCase()
    .split(',')
    .map((t) => t.trim());
  const keepAlive = http10 ? (tokens?.includes('keep-alive') ?? false) : !(tokens?.includes('close') ?? false);
  return {
    method: line[1]!,
    target: line[2]!,
    http10,
    contentLength: Math.max(contentLength, 0),
    hasContentLength: contentLength >= 0,
    contentType,
    keepAlive,
    expectContinue: expect === '100-continue',
    requestId,
  };
}

export function isRejected(head: RequestHead | RejectedHead): head is RejectedHead {
  return 'reason' in head;
}
