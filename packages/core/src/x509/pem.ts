import { fail } from '../errors/keyline-error.js';

/** One PEM block (RFC 7468): its label and the DER it carries. */
export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const DASHES = '-----';
const LABEL = /^[A-Z0-9 ]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Every PEM block in `text`, in order. Text between blocks is ignored (RFC 7468 section 5.2).
 * A linear scan with indexOf (a backtracking regular expression is quadratic on many unmatched
 * BEGIN lines, which a hostile input can provide).
 */
export function decodePemAll(text: string, maxBlocks = 10_000): PemBlock[] {
  const blocks: PemBlock[] = [];
  let pos = 0;
  for (;;) {
    const begin = text.indexOf(BEGIN, pos);
    if (begin < 0) break;
    const labelEnd = text.indexOf(DASHES, begin + BEGIN.length);
    if (labelEnd < 0) break;
    const label = text.slice(begin + BEGIN.length, labelEnd);
    if (!LABEL.test(label)) {
      pos = begin + BEGIN.length;
      continue;
    }
    const bodyStart = labelEnd + DASHES.length;
    const endMarker = `${END}${label}${DASHES}`;
    const end = text.indexOf(END, bodyStart);
    if (end < 0) fail('ERR_PEM_MALFORMED', `PEM block ${label} has no END line`);
    if (!text.startsWith(endMarker, end))
      fail('ERR_PEM_MALFORMED', `PEM block BEGIN ${label} ends with a different END line`);
    const compact = text.slice(bodyStart, end).replace(/\s+/g, '');
    if (!BASE64.test(compact) || compact.length % 4 !== 0)
      fail('ERR_PEM_MALFORMED', `PEM block ${label} is not valid base64`);
    blocks.push({ label, der: new Uint8Array(Buffer.from(compact, 'base64')) });
    if (blocks.length > maxBlocks) fail('ERR_PEM_MALFORMED', `more than ${maxBlocks} PEM blocks`);
    pos = end + endMarker.length;
  }
  return blocks;
}

/** The DER of every block with `label` (e.g. all CERTIFICATE blocks of a bundle). */
export function decodePem(text: string, label: string): Uint8Array[] {
  return decodePemAll(text)
    .filter((b) => b.label === label)
    .map((b) => b.der);
}

export function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Accepts PEM text or raw DER bytes and returns the DER for blocks with `label`. */
export function toDerList(input: string | Uint8Array, label: string): Uint8Array[] {
  if (typeof input === 'string') {
    const list = decodePem(input, label);
    if (list.length === 0) fail('ERR_PEM_MALFORMED', `no ${label} PEM block found`);
    return list;
  }
  if (input instanceof Uint8Array) {
    const text = looksLikePem(input) ? Buffer.from(input).toString('latin1') : undefined;
    return text === undefined ? [input] : toDerList(text, label);
  }
  throw new TypeError(`expected PEM text or DER bytes for ${label}`);
}

function looksLikePem(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  return head.includes('-----BEGIN ');
}
