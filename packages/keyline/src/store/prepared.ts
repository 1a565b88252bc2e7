import type { Compilable, CompiledQuery } from 'kysely';

/**
 * Queries on the issuance path are built and compiled by Kysely once, with named placeholders
 * where the values go, and later bound to values without building anything again (building and
 * compiling a Kysely query costs about as much as running it in SQLite). The SQL text is then the
 * same on every call, so the SQLite driver reuses its prepared statement (sqlite-dialect.ts).
 */

const MARK = '\u0000keyline-param:';

/** A placeholder for the value named `name`, typed as the column expects. */
export function param<T>(name: string): T {
  return `${MARK}${name}` as unknown as T;
}

export class PreparedQuery<A extends Readonly<Record<string, unknown>>, R> {
  readonly #compiled: CompiledQuery<R>;
  /** For each parameter: the name of the argument it takes, or undefined for a constant. */
  readonly #slots: readonly (string | undefined)[];

  constructor(query: Compilable<R>) {
    this.#compiled = query.compile();
    this.#slots = this.#compiled.parameters.map((p) =>
      typeof p === 'string' && p.startsWith(MARK) ? p.slice(MARK.length) : undefined,
    );
  }

  /** The compiled query with the arguments in place of the placeholders. */
  bind(args: A): CompiledQuery<R> {
    const constants = this.#compiled.parameters;
    const parameters = this.#slots.map((name, i) => {
      if (name === undefined) return constants[i];
      const value = args[name];
      if (value === undefined) throw new TypeError(`store: no value for query parameter "${name}"`);
      return value;
    });
    return { ...this.#compiled, parameters };
  }
}

export function prepare<A extends Readonly<Record<string, unknown>>, R>(query: Compilable<R>): PreparedQuery<A, R> {
  return new PreparedQuery<A, R>(query);
}
