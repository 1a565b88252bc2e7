/**
 * The JSON objects of a JWS (RFC 7515 4, RFC 7519 4): parsed by `JSON.parse`, which alone would
 * silently keep the last of two members with the same name. RFC 7515 4 lets a JWS parser either
 * reject duplicates or use the last one; two parsers that chose differently read different tokens
 * from the same bytes, so Keyline rejects them.
 */

/** What went wrong with a JSON object text. */
export type JsonObjectFailure = 'json' | 'duplicate';

/**
 * The object `text` holds, or why not: `'json'` for text that is not JSON or a JSON value that is
 * not an object, `'duplicate'` for an object (at any depth) naming a member twice.
 */
export function parseJsonObject(text: string): Record<string, unknown> | JsonObjectFailure {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'json';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'json';
  return findDuplicateMember(text) !== undefined ? 'duplicate' : (value as Record<string, unknown>);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** End index (the closing quote) of the JSON string whose opening quote is at `start`. */
function stringEnd(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    let slashes = 0;
    for (let i = quote - 1; text.charCodeAt(i) === BACKSLASH; i--) slashes++;
    if (slashes % 2 === 0) return quote;
    from = quote + 1;
  }
}

/**
 * The first member name that an object of valid JSON `text` names twice (after unescaping: `"a"`
 * and `"\u0061"` are the same name), or undefined. One pass over the structure; string contents
 * are skipped with `indexOf`, so a long x5c string costs little. `text` must be valid JSON (parse
 * it first): on other text the answer means nothing.
 */
export function findDuplicateMember(text: string): string | undefined {
  const stack: (Set<string> | null)[] = [];
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (expectName) {
        const raw = text.slice(i + 1, end);
        const name = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        const names = stack[stack.length - 1]!;
        if (names.has(name)) return name;
        names.add(name);
        expectName = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectName = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
      expectName = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectName = false;
    } else if (c === 0x2c /* , */) {
      expectName = stack[stack.length - 1] !== null;
    }
  }
  return undefined;
}
