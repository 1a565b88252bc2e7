/**
 * The canonical JSON the audit log hashes and signs: RFC 8785 (JSON Canonicalization Scheme) over
 * the values an audit entry holds. Object members sorted by their names as UTF-16 code units
 * (RFC 8785 3.2.3), no whitespace, strings and numbers serialised as ECMAScript's JSON.stringify
 * does (RFC 8785 3.2.2.2 and 3.2.2.3). Any implementation of RFC 8785 reproduces these bytes.
 */

/** How deep details may nest; deeper (or cyclic) values are a programming error. */
export const MAX_DETAIL_DEPTH = 32;

/** A JSON value as the audit log stores it. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * RFC 8785 serialisation of a JSON value. Throws a TypeError for anything that is not a JSON
 * value: undefined, functions, symbols, bigints, non-finite numbers, class instances, cycles.
 * Callers that hold richer values first pass them through `toAuditJson`.
 */
export function canonicalJson(value: unknown): string {
  return serialise(value, 0);
}

function serialise(value: unknown, depth: number): string {
  if (depth > MAX_DETAIL_DEPTH) throw new TypeError(`audit details nest deeper than ${MAX_DETAIL_DEPTH}`);
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // RFC 8785 3.2.2.3: ECMAScript Number serialisation; NaN and infinities are not JSON.
      if (!Number.isFinite(value)) throw new TypeError(`audit details hold a non-finite number (${value})`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((item) => serialise(item, depth + 1)).join(',')}]`;
      if (!isPlainObject(value)) throw new TypeError('audit details hold a non-plain object');
      // RFC 8785 3.2.3: members sorted by name compared as arrays of UTF-16 code units, which is
      // what the default string comparison of ECMAScript does.
      const keys = Object.keys(value).sort();
      const members = keys.map((key) => `${JSON.stringify(key)}:${serialise(value[key], depth + 1)}`);
      return `{${members.join(',')}}`;
    }
    default:
      throw new TypeError(`audit details hold a ${typeof value}, which JSON cannot carry`);
  }
}

/**
 * Turns the details an operation records into the JSON value the log stores, so that what is
 * hashed is exactly what the store gives back:
 * bigint → decimal string; Uint8Array (and Buffer) → lower-case hex; Date → ISO 8601 string
 * (`toISOString`); object members whose value is undefined are left out and undefined array
 * items become null (as JSON.stringify does). Anything else that is not JSON (functions, symbols,
 * NaN, Map, class instances, cycles, nesting deeper than MAX_DETAIL_DEPTH) is a TypeError.
 */
export function toAuditJson(value: unknown, depth = 0): JsonValue {
  if (depth > MAX_DETAIL_DEPTH) throw new TypeError(`audit details nest deeper than ${MAX_DETAIL_DEPTH}`);
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`audit details hold a non-finite number (${value})`);
      // -0 is serialised as 0 (RFC 8785 3.2.2.3); store it as 0 so the round trip is exact.
      return value === 0 ? 0 : value;
    case 'bigint':
      return value.toString(10);
    case 'object': {
      if (value === null) return null;
      if (value instanceof Uint8Array)
        return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new TypeError('audit details hold an invalid Date');
        return value.toISOString();
      }
      if (Array.isArray(value))
        return value.map((item: unknown) => (item === undefined ? null : toAuditJson(item, depth + 1)));
      if (!isPlainObject(value)) throw new TypeError('audit details hold a non-plain object');
      const out: Record<string, JsonValue> = {};
      for (const [key, member] of Object.entries(value)) {
        // defineProperty, not assignment: a member named `__proto__` must stay a member.
        if (member !== undefined) {
          Object.defineProperty(out, key, {
            value: toAuditJson(member, depth + 1),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
      }
      return out;
    }
    default:
      throw new TypeError(`audit details hold a ${typeof value}, which JSON cannot carry`);
  }
}
