import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL for tests: the server on 127.0.0.1:5432 (trust auth) as user postgres, or the one
 * KEYLINE_TEST_PG_URL names (its maintenance database URL). Each run creates its own database
 * `keyline_test_<random>` and drops it afterwards.
 */
export const PG_ADMIN_URL = process.env['KEYLINE_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** When set, a missing service fails the tests instead of skipping them (CI). */
export const SERVICES_REQUIRED = process.env['KEYLINE_REQUIRE_SERVICES'] === '1';

/** Whether the server answers; the reason when it does not. */
export async function probePostgres(): Promise<{ reachable: true } | { reachable: false; reason: string }> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return { reachable: true };
  } catch (error) {
    return { reachable: false, reason: (error as Error).message };
  } finally {
    await client.end().catch(() => undefined);
  }
}

function urlFor(database: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** Empties every Keyline table (between tests sharing the database). */
  truncate(): Promise<void>;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>, url = PG_ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A database name no one else uses; created only when `create` is true. */
export async function testDatabase(create = true): Promise<TestDatabase> {
  const name = `keyline_test_${randomBytes(6).toString('hex')}`;
  if (create) await admin((c) => c.query(`create database ${name}`));
  const url = urlFor(name);
  return {
    name,
    url,
    truncate: () =>
      admin(async (c) => {
        await c.query(
          'truncate audit_log, api_tokens, crls, certificates, cas, products, manufacturers restart identity cascade',
        );
      }, url),
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}
