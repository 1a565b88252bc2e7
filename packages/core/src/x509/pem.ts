import { fail } from '../errors/keyline-error.js';

/** One PEM block (RFC 7468): its label and the DER it carries. */
export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Every PEM block in `text`, in order. Text between blocks is ignored (RFC 7468 section 5.2). */
export function decodePemAll(text: string, maxBlocks = 10_000): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const [, label, body, endLabel] = match;
    if (label !== endLabel) fail('ERR_PEM_MALFORMED', `PEM block BEGIN ${label} ends with END ${endLabel}`);
    const compact = body!.replace(/\s+/g, '');
    if (!BASE64.test(compact) || compact.length % 4 !== 0)
      fail('ERR_PEM_MALFORMED', `PEM block ${label} is not valid base64`);
    blocks.push({ label: label!, der: new Uint8Array(Buffer.from(compact, 'base64')) });
    if (blocks.length > maxBlocks) fail('ERR_PEM_MALFORMED', `more than ${maxBlocks} PEM blocks`);
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
