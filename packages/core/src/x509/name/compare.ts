import { isStringTag } from '../der/strings.js';
import type { Name, NameAttribute } from './types.js';

/** Ranges RFC 4518 section 2.2 maps to nothing: soft hyphens, joiners, variation selectors, controls, format characters. */
const MAPPED_TO_NOTHING: ReadonlyArray<readonly [number, number]> = [
  [0x0000, 0x0008],
  [0x000e, 0x001f],
  [0x007f, 0x0084],
  [0x0086, 0x009f],
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x06dd, 0x06dd],
  [0x070f, 0x070f],
  [0x1806, 0x1806],
  [0x180b, 0x180e],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x2063],
  [0x206a, 0x206f],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xfff9, 0xfffc],
  [0x1d173, 0x1d17a],
  [0xe0001, 0xe0001],
  [0xe0020, 0xe007f],
];
const SEPARATOR = /^[\p{Zs}\p{Zl}\p{Zp}]$/u;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function mapCharacter(ch: string): string {
  const cp = ch.codePointAt(0)!;
  for (const [low, high] of MAPPED_TO_NOTHING) if (cp >= low && cp <= high) return '';
  // Tab, line feed, vertical tab, form feed, carriage return, NEL, and every separator map to SPACE.
  if ((cp >= 0x09 && cp <= 0x0d) || cp === 0x85 || SEPARATOR.test(ch)) return ' ';
  return ch;
}

/**
 * Prepares a string attribute value for caseIgnoreMatch, after RFC 4518 (which RFC 5280 7.1 points
 * to): map (drop ignorable characters, turn whitespace controls and space separators into SPACE),
 * case fold, NFKC-normalize, then insignificant space handling (trim, and collapse inner runs of
 * spaces to one). The prohibit and bidi steps are not applied, and case folding is approximated with
 * JavaScript's full case mappings (upper then lower, so "ß" folds to "ss").
 */
export function prepareString(value: string): string {
  // Printable ASCII needs no mapping or normalization: only folding and space handling.
  if (PRINTABLE_ASCII.test(value)) return value.toLowerCase().trim().replace(/ {2,}/g, ' ');
  const mapped = Array.from(value, mapCharacter).join('');
  const folded = mapped.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
  return folded.trim().replace(/ {2,}/g, ' ');
}

function attributeKey(a: NameAttribute): string {
  // String values compare after preparation whatever their string type; other values compare by
  // their DER (held as '#hex'). The first character keeps the two kinds apart.
  return JSON.stringify([a.type, isStringTag(a.tag) ? `s${prepareString(a.value)}` : `d${a.value.toLowerCase()}`]);
}

/**
 * A string that is equal for two names exactly when {@link namesEqual} says they match: for use as
 * a map key when indexing certificates by subject. The attributes of a multi-valued RDN are sorted,
 * since an RDN is a set.
 */
export function canonicalNameKey(name: Pick<Name, 'rdns'>): string {
  // Memoised per RDN list (a decoded Name's is never changed): path building and name chaining ask
  // for the same names' keys again and again.
  const rdns = name.rdns;
  let key = nameKeys.get(rdns);
  if (key === undefined) {
    key = JSON.stringify(rdns.map((rdn) => rdn.map(attributeKey).sort()));
    nameKeys.set(rdns, key);
  }
  return key;
}

/** canonicalNameKey's answers, by the RDN list they were computed from (entries go with the names). */
const nameKeys = new WeakMap<object, string>();

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Distinguished name matching as RFC 5280 7.1 describes: equal DER matches at once; otherwise the
 * names need the same number of RDNs, and each RDN the same set of attribute types and values,
 * string values compared after {@link prepareString} (case-insensitive, insignificant whitespace
 * ignored, whatever the string type), other values by their DER.
 */
export function namesEqual(a: Name, b: Name): boolean {
  if (bytesEqual(a.der, b.der)) return true;
  if (a.rdns.length !== b.rdns.length) return false;
  for (let i = 0; i < a.rdns.length; i++) if (a.rdns[i]!.length !== b.rdns[i]!.length) return false;
  return canonicalNameKey(a) === canonicalNameKey(b);
}

/** True when the name has no RDNs (an empty SEQUENCE), as a subject may be when subjectAltName carries the identity. */
export function nameIsEmpty(name: Pick<Name, 'rdns'>): boolean {
  return name.rdns.length === 0;
}
