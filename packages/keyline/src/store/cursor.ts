import { fail } from '@keyline/core';

/**
 * Keyset pagination (no OFFSET, so page N costs what page 1 costs): a cursor carries the
 * insertion sequence number of the last item handed out, and the next page starts after it.
 * Cursors are opaque to callers (base64url of a versioned text) and checked when they come back,
 * since they arrive from outside (query strings, CLI options).
 */
const PREFIX = 'k1:';
const CURSOR_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;
const POSITION_SHAPE = /^k1:([1-9][0-9]{0,15})$/;

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

export function encodeCursor(position: number): string {
  return Buffer.from(`${PREFIX}${position}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number {
  if (typeof cursor !== 'string' || !CURSOR_SHAPE.test(cursor)) {
    fail('ERR_STORE_BAD_PAGE', 'the page cursor is not one this store issued: start from the first page');
  }
  const match = POSITION_SHAPE.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const position = match?.[1] === undefined ? NaN : Number(match[1]);
  if (!Number.isSafeInteger(position)) {
    fail('ERR_STORE_BAD_PAGE', 'the page cursor is not one this store issued: start from the first page');
  }
  return position;
}

/** The page size: 1..1000, default 100. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    fail('ERR_STORE_BAD_PAGE', `the page size must be an integer from 1 to ${MAX_PAGE_LIMIT}`, { limit });
  }
  return limit;
}
