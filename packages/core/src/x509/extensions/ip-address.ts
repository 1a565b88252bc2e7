import { fail } from '../../errors/keyline-error.js';

/**
 * Text forms of iPAddress GeneralName values (RFC 5280 4.2.1.6): 4 octets (IPv4) or 16 (IPv6) in
 * subjectAltName; 8 or 32 (address then mask) in name constraints (RFC 5280 4.2.1.10).
 */

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

function badIp(text: string, why: string): never {
  return fail('ERR_X509_BAD_GENERAL_NAME', `"${text.slice(0, 64)}" is not an IP address: ${why}`);
}

function parseIpv4(text: string): Uint8Array | undefined {
  const m = IPV4.exec(text);
  if (m === null) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = m[i + 1]!;
    // A leading zero reads as octal in some parsers; refuse the ambiguity.
    if (part.length > 1 && part.startsWith('0')) badIp(text, 'an IPv4 part has a leading zero');
    const n = Number(part);
    if (n > 255) badIp(text, 'an IPv4 part is above 255');
    out[i] = n;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array {
  const halves = text.split('::');
  if (halves.length > 2) badIp(text, '"::" appears more than once');
  const groupsOf = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const words: number[] = [];
  const pushGroups = (groups: string[], isLastPart: boolean): void => {
    groups.forEach((g, i) => {
      if (isLastPart && i === groups.length - 1 && g.includes('.')) {
        // RFC 4291 2.2 (3): the last 32 bits may be written as an IPv4 address.
        const v4 = parseIpv4(g) ?? badIp(text, 'embedded IPv4 part is malformed');
        words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        return;
      }
      if (!HEX_GROUP.test(g)) badIp(text, `group "${g.slice(0, 8)}" is not 1 to 4 hex digits`);
      words.push(parseInt(g, 16));
    });
  };
  pushGroups(head, halves.length === 1);
  const headWords = words.length;
  pushGroups(tail, true);
  const tailWords = words.length - headWords;
  if (halves.length === 1) {
    if (words.length !== 8) badIp(text, 'IPv6 address does not have 8 groups');
  } else {
    if (words.length > 7) badIp(text, '"::" stands for no groups');
    words.splice(headWords, 0, ...new Array<number>(8 - headWords - tailWords).fill(0));
  }
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** Parses a dotted IPv4 or an RFC 4291 IPv6 address (no zone) into 4 or 16 octets. */
export function parseIpAddress(text: string): Uint8Array {
  if (text.length > 64) badIp(text, 'too long');
  if (text.includes(':')) return parseIpv6(text);
  return parseIpv4(text) ?? badIp(text, 'expected dotted IPv4 or IPv6');
}

/**
 * Parses a name-constraints subnet, `address/prefix` (CIDR) or `address/mask`, into address
 * octets followed by mask octets (8 or 32 octets), the form RFC 5280 4.2.1.10 puts in iPAddress.
 */
export function parseIpSubnet(text: string): Uint8Array {
  const slash = text.indexOf('/');
  if (slash < 0) badIp(text, 'a subnet needs "/prefix" or "/mask"');
  const address = parseIpAddress(text.slice(0, slash));
  const maskText = text.slice(slash + 1);
  let mask: Uint8Array;
  if (/^\d{1,3}$/.test(maskText)) {
    const prefix = Number(maskText);
    if (prefix > address.length * 8) badIp(text, 'prefix length is longer than the address');
    mask = new Uint8Array(address.length);
    for (let bit = 0; bit < prefix; bit++) mask[bit >> 3]! |= 0x80 >> (bit & 7);
  } else {
    mask = parseIpAddress(maskText);
    if (mask.length !== address.length) badIp(text, 'address and mask are of different families');
  }
  const out = new Uint8Array(address.length * 2);
  out.set(address, 0);
  out.set(mask, address.length);
  return out;
}

function formatIpv4(bytes: Uint8Array): string {
  return Array.from(bytes).join('.');
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run of two or more zero groups as "::". */
function formatIpv6(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLength))}`;
}

/** The prefix length of a contiguous mask, or undefined when the mask has holes. */
function prefixLength(mask: Uint8Array): number | undefined {
  let bits = 0;
  let ended = false;
  for (const byte of mask) {
    for (let b = 7; b >= 0; b--) {
      const set = ((byte >> b) & 1) === 1;
      if (set && ended) return undefined;
      if (set) bits++;
      else ended = true;
    }
  }
  return bits;
}

/** Text of an iPAddress value: an address (4 or 16 octets) or `address/prefix` (8 or 32 octets). */
export function formatIpAddress(bytes: Uint8Array): string {
  switch (bytes.length) {
    case 4:
      return formatIpv4(bytes);
    case 16:
      return formatIpv6(bytes);
    case 8:
    case 32: {
      const half = bytes.length / 2;
      const address = bytes.subarray(0, half);
      const mask = bytes.subarray(half);
      const format = half === 4 ? formatIpv4 : formatIpv6;
      const prefix = prefixLength(mask);
      return `${format(address)}/${prefix ?? format(mask)}`;
    }
    default:
      return `#${Buffer.from(bytes).toString('hex')}`;
  }
}
