import { fail } from '@keyline/core';
import type { FoundToken } from './find-token.js';
import { pkcs11Failure } from './failure.js';
import type { Pkcs11Module } from './module-registry.js';
import { ckrName } from './pkcs11js.js';

interface PooledSession {
  readonly handle: Buffer;
  readonly generation: number;
}

// The token dropped our sessions or our login (restart, removal and reinsertion, another user of the
// library calling C_CloseAllSessions): reopen, log in again and retry once.
const LOST = new Set([
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_USER_NOT_LOGGED_IN',
  'CKR_OBJECT_HANDLE_INVALID',
  'CKR_KEY_HANDLE_INVALID',
]);

/**
 * The sessions of one provider with one token (PKCS#11 v2.40 5.6). A session carries one operation
 * at a time, so:
 * - the primary read/write session serves every synchronous call (object search, key generation,
 *   `signSync`); JavaScript runs them one at a time, so they never overlap;
 * - asynchronous signatures (run by pkcs11js on libuv worker threads) each take a session of their
 *   own from a small pool, opened on demand up to `poolSize`, and wait when all are busy.
 * The login (C_Login) is shared by every session of the application with the token, so it happens
 * once, on the primary session. The PIN is kept (as octets, zeroed on close) to log in again when
 * the token loses the login.
 */
export class TokenSessions {
  /** Increases each time the sessions are reopened; object handles found before may be stale. */
  generation = 0;
  private primary: Buffer | undefined;
  private idle: PooledSession[] = [];
  private pooled = 0;
  private busy = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly drainWaiters: Array<() => void> = [];
  private closing = false;
  private closed = false;

  constructor(
    readonly module: Pkcs11Module,
    readonly token: FoundToken,
    private readonly pin: Buffer | undefined,
    private readonly poolSize: number,
  ) {
    if (!Number.isInteger(poolSize) || poolSize < 1) throw new TypeError('poolSize must be a positive integer');
  }

  /** Opens the primary session and logs in (when the token requires a login). */
  open(): void {
    this.primary = this.openPrimary();
  }

  /** The primary session, for synchronous calls. */
  session(): Buffer {
    if (this.closed || this.primary === undefined) fail('ERR_KEY_PROVIDER_CLOSED');
    return this.primary;
  }

  /**
   * Runs a synchronous call on the primary session, reopening once and calling again if the token
   * lost the session (`retry` false: for calls that must not run twice, such as key generation).
   */
  runSync<T>(operation: string, call: (session: Buffer) => T, retry = true): T {
    try {
      try {
        return call(this.session());
      } catch (error) {
        if (!retry || !LOST.has(ckrName(error) ?? '')) throw error;
        this.reopen();
        return call(this.session());
      }
    } catch (error) {
      throw pkcs11Failure(error, operation);
    }
  }

  /** Runs an asynchronous call on a pooled session of its own, reopening once if the token lost it. */
  async runAsync<T>(operation: string, call: (session: Buffer) => Promise<T>): Promise<T> {
    try {
      try {
        return await this.withPooled(call);
      } catch (error) {
        if (!LOST.has(ckrName(error) ?? '')) throw error;
        if (this.closed) fail('ERR_KEY_PROVIDER_CLOSED');
        this.reopen();
        return await this.withPooled(call);
      }
    } catch (error) {
      throw pkcs11Failure(error, operation);
    }
  }

  /**
   * Lets every call already made finish (those waiting for a session too), then closes every session,
   * which ends the login (v2.40 5.6 C_CloseSession). The provider refuses new calls from the start.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    while (this.busy > 0 || this.waiters.length > 0) {
      await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    }
    this.closed = true;
    this.closeQuietly(this.idle.map((s) => s.handle));
    this.idle = [];
    this.pooled = 0;
    if (this.primary !== undefined) this.closeQuietly([this.primary]);
    this.primary = undefined;
    this.pin?.fill(0);
  }

  private async withPooled<T>(call: (session: Buffer) => Promise<T>): Promise<T> {
    const session = await this.acquire();
    try {
      return await call(session.handle);
    } finally {
      this.release(session);
    }
  }

  private async acquire(): Promise<PooledSession> {
    for (;;) {
      if (this.closed) fail('ERR_KEY_PROVIDER_CLOSED');
      const idle = this.idle.pop();
      if (idle !== undefined) {
        this.busy++;
        return idle;
      }
      if (this.pooled < this.poolSize) {
        const { api, lib } = this.module;
        // Signing needs no write access: a read-only session (CKF_SERIAL_SESSION is mandatory).
        const handle = api.C_OpenSession(this.token.slot, lib.CKF_SERIAL_SESSION);
        this.pooled++;
        this.busy++;
        return { handle, generation: this.generation };
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private release(session: PooledSession): void {
    this.busy--;
    if (this.closed || session.generation !== this.generation) {
      this.pooled = Math.max(0, this.pooled - 1);
      this.closeQuietly([session.handle]);
    } else {
      this.idle.push(session);
    }
    this.waiters.shift()?.();
    if (this.busy === 0 && this.waiters.length === 0) for (const wake of this.drainWaiters.splice(0)) wake();
  }

  private reopen(): void {
    if (this.closed) fail('ERR_KEY_PROVIDER_CLOSED');
    this.generation++;
    this.closeQuietly(this.idle.map((s) => s.handle));
    this.pooled -= this.idle.length;
    this.idle = [];
    if (this.primary !== undefined) this.closeQuietly([this.primary]);
    this.primary = undefined;
    this.primary = this.openPrimary();
  }

  private openPrimary(): Buffer {
    const { api, lib } = this.module;
    const session = api.C_OpenSession(this.token.slot, lib.CKF_SERIAL_SESSION | lib.CKF_RW_SESSION);
    if ((this.token.flags & lib.CKF_LOGIN_REQUIRED) === 0) return session;
    try {
      if (this.pin === undefined) fail('ERR_KEY_NO_PIN');
      api.C_Login(session, lib.CKU_USER, this.pin.toString('utf8'));
    } catch (error) {
      // Another provider in this process may have logged in to the same token already.
      if (ckrName(error) !== 'CKR_USER_ALREADY_LOGGED_IN') {
        this.closeQuietly([session]);
        throw pkcs11Failure(error, 'login');
      }
    }
    return session;
  }

  private closeQuietly(sessions: readonly Buffer[]): void {
    for (const session of sessions) {
      try {
        this.module.api.C_CloseSession(session);
      } catch {
        // Already closed by the token: nothing left to release.
      }
    }
  }
}
