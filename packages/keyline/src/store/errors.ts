import { KeylineError } from '@keyline/core';

/**
 * Turns a driver error into the store's error family, or hands it back unchanged when it is a
 * fault of ours (a bug in SQL is not the caller's conflict):
 * - a unique, primary-key, foreign-key or check violation, a serialisation failure or a deadlock
 *   → ERR_STORE_CONFLICT (the change conflicts with stored data or a concurrent change);
 * - a database that is busy, locked, unreadable or unreachable → ERR_STORE_UNAVAILABLE.
 */
export function translateDatabaseError(error: unknown): unknown {
  if (error instanceof KeylineError) return error;
  const code = errorCode(error);
  if (code === undefined) return error;
  if (CONFLICT_CODES.has(code)) {
    return new KeylineError('ERR_STORE_CONFLICT', undefined, { cause: code }, { cause: error });
  }
  if (UNAVAILABLE_CODES.has(code) || code.startsWith('08')) {
    return new KeylineError(
      'ERR_STORE_UNAVAILABLE',
      `the database cannot be used (${code}): check that it is reachable and not locked by another program`,
      { cause: code },
      { cause: error },
    );
  }
  return error;
}

/** SQLite extended result codes (better-sqlite3 `SqliteError.code`) and PostgreSQL SQLSTATEs. */
const CONFLICT_CODES: ReadonlySet<string> = new Set([
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
  'SQLITE_CONSTRAINT_FOREIGNKEY',
  'SQLITE_CONSTRAINT_CHECK',
  '23505', // unique_violation
  '23503', // foreign_key_violation
  '23514', // check_violation
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

const UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_TIMEOUT',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
  'SQLITE_NOTADB',
  'SQLITE_CORRUPT',
  'SQLITE_IOERR',
  'SQLITE_READONLY',
  'SQLITE_FULL',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '28P01', // invalid_password
  '28000', // invalid_authorization_specification
]);

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  // SQLITE_IOERR_* and other extended codes fall back to their primary code.
  if (code.startsWith('SQLITE_IOERR')) return 'SQLITE_IOERR';
  if (code.startsWith('SQLITE_CORRUPT')) return 'SQLITE_CORRUPT';
  if (code.startsWith('SQLITE_CANTOPEN')) return 'SQLITE_CANTOPEN';
  if (code.startsWith('SQLITE_READONLY')) return 'SQLITE_READONLY';
  return code;
}

/** Runs `fn`, translating what it throws. */
export async function translated<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translateDatabaseError(error);
  }
}
