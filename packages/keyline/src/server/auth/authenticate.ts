import { KeylineError } from '@keyline/core';
import type { ApiTokenRecord } from '../../ca/records.js';
import type { Actor } from '../../ca/service-port.js';
import type { Store } from '../../ca/store-port.js';
import { hashTokenSecret } from './token-secret.js';

/** The longest Authorization header considered; a token is ~46 characters. */
const MAX_HEADER = 1024;

/**
 * The token secret carried by an Authorization header: `Bearer <secret>` (RFC 6750 2.1), or,
 * where `basic` is allowed (EST, RFC 7030 3.2.3), `Basic base64(user:secret)` with any user
 * name. Undefined when the header is absent; ERR_SERVER_BAD_TOKEN when it is malformed.
 */
export function tokenSecretFrom(header: string | undefined, basic: boolean): string | undefined {
  if (header === undefined || header.length === 0) return undefined;
  if (header.length > MAX_HEADER)
    throw new KeylineError('ERR_SERVER_BAD_TOKEN', 'the Authorization header is too long');
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const value = space < 0 ? '' : header.slice(space + 1).trim();
  if (scheme === 'bearer' && /^[A-Za-z0-9._~+/-]+=*$/.test(value)) return value;
  if (scheme === 'basic' && basic) {
    const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon >= 0 && colon < decoded.length - 1) return decoded.slice(colon + 1);
  }
  throw new KeylineError(
    'ERR_SERVER_BAD_TOKEN',
    basic
      ? 'the Authorization header is not Bearer <token> or Basic with the token as password'
      : 'the Authorization header is not Bearer <token>',
  );
}

/** The actor a token acts as (service-port.ts: `token:<id>`). */
export function actorOf(token: ApiTokenRecord): Actor {
  return { id: `token:${token.id}`, role: token.role, manufacturerId: token.manufacturerId };
}

/**
 * Authenticates a request by its token: ERR_SERVER_UNAUTHENTICATED without credentials,
 * ERR_SERVER_BAD_TOKEN for a malformed header or an unknown or revoked token. The secret is only
 * hashed and looked up; it is never logged or kept.
 */
export async function authenticate(store: Store, header: string | undefined, basic: boolean): Promise<Actor> {
  const secret = tokenSecretFrom(header, basic);
  if (secret === undefined) throw new KeylineError('ERR_SERVER_UNAUTHENTICATED');
  const token = await store.tokens.getByHash(hashTokenSecret(secret));
  if (token === undefined || token.revokedAt !== null) throw new KeylineError('ERR_SERVER_BAD_TOKEN');
  return actorOf(token);
}
