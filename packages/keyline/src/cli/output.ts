import type { CliIo } from './io.js';

/**
 * How the CA commands render answers: one JSON document on stdout with `--json`, otherwise aligned
 * `field: value` lines or a table. Messages about the answer (hints, next cursor) go to stderr so
 * that stdout stays what a script pipes on.
 */
export interface Output {
  readonly json: boolean;
  /** Prints a JSON document (with `--json`). */
  data(value: unknown): void;
  /** Prints `label: value` lines with aligned values; null/undefined values are skipped. */
  fields(rows: ReadonlyArray<readonly [string, string | number | boolean | null | undefined]>): void;
  /** Prints a table with a header row; empty tables print `none`. */
  table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): void;
  line(text: string): void;
  /** A note for the human operator (stderr), e.g. what to do next. */
  note(text: string): void;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  return value;
}

/** Serialises for `--json`: Dates as ISO 8601, bigints as numbers (as decimal strings when too big). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, jsonReplacer, 2);
}

export function createOutput(io: CliIo, json: boolean): Output {
  return {
    json,
    data: (value) => io.out(toJson(value)),
    fields(rows) {
      const present = rows.filter(([, v]) => v !== null && v !== undefined);
      const width = Math.max(0, ...present.map(([k]) => k.length + 1));
      for (const [k, v] of present) io.out(`${`${k}:`.padEnd(width)} ${String(v)}`);
    },
    table(headers, rows) {
      if (rows.length === 0) {
        io.out('none');
        return;
      }
      const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
      const render = (cells: readonly string[]) =>
        cells
          .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd();
      io.out(render(headers));
      for (const row of rows) io.out(render(row));
    },
    line: (text) => io.out(text),
    note: (text) => io.err(text),
  };
}
