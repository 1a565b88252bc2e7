import { Certificate, fail, type Clock, type RandomSource, type Signer } from '@keyline/core';
import { appendAudit } from '../audit/index.js';
import type { AuditAppender, AuditInput } from './audit-port.js';
import { resolveOptions, type AuthorityDeps, type ResolvedOptions } from './options.js';
import type { CaRecord, CertificateRecord } from './records.js';
import type { Actor, KeyProvider } from './service-port.js';
import type { Store } from './store-port.js';

/** What happened that caches and the CRL refresher care about. */
export type AuthorityEvent =
  | { readonly type: 'revoked'; readonly caId: string; readonly record: CertificateRecord }
  | { readonly type: 'failed'; readonly caId: string; readonly record: CertificateRecord }
  | { readonly type: 'ca-changed'; readonly caId: string };

/**
 * The state one authority instance shares between its operations: the ports, resolved options,
 * opened signers (a key is opened once: a passphrase prompt or an HSM login is not repeated), the
 * decoded CA certificates, the records being issued right now (which recovery must not touch) and
 * the listeners of revocations.
 */
export class AuthorityContext {
  readonly store: Store;
  readonly keys: KeyProvider;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly options: ResolvedOptions;
  private readonly appendAudit: AuditAppender;
  private readonly signers = new Map<string, Promise<Signer>>();
  private readonly certificates = new Map<string, Certificate>();
  /** Certificate record ids between their `signing` commit and their final state, in this process. */
  readonly inFlight = new Set<string>();
  private readonly listeners = new Set<(event: AuthorityEvent) => void>();
  /** Issuances under a request id running in this process, by `<caId>\n<requestId>` (a retry waits for them). */
  readonly pendingRequests = new Map<string, Promise<unknown>>();
  /** Compiled device templates, by CA, certificate and the per-product options (see device-issue.ts). */
  readonly templates = new Map<string, unknown>();

  /** Where failures that are answered rather than thrown are reported (see AuthorityDeps.onError). */
  readonly reportError: (error: unknown, where: string) => void;

  constructor(deps: AuthorityDeps) {
    this.reportError = (error, where) => {
      try {
        deps.onError?.(error, where);
      } catch {
        // A logger's fault must not change an answer.
      }
    };
    this.store = deps.store;
    this.keys = deps.keys;
    this.clock = deps.clock;
    this.random = deps.random;
    this.options = resolveOptions(deps.options);
    const checkpoint =
      deps.auditSigner === undefined ? undefined : { signer: deps.auditSigner, every: this.options.checkpointEvery };
    this.appendAudit =
      deps.audit ??
      ((store, input, clock) => appendAudit(store, input, clock, checkpoint === undefined ? {} : { checkpoint }));
  }

  /** The current time, in whole seconds (X.509 times have no fractions, RFC 5280 4.1.2.5). */
  now(): Date {
    const ms = this.clock.now().getTime();
    return new Date(Math.floor(ms / 1000) * 1000);
  }

  /** Appends to the audit log through `tx`, so the entry commits with the change it records. */
  audit(tx: Store, actor: Actor, action: string, target: string, details: Record<string, unknown>): Promise<unknown> {
    const input: AuditInput = { actor: actor.id, action, target, details };
    return this.appendAudit(tx, input, this.clock);
  }

  /** The CA with `id`, or ERR_CA_NOT_FOUND. */
  async ca(id: string, store: Store = this.store): Promise<CaRecord> {
    if (typeof id !== 'string' || id.length === 0 || id.length > 200) fail('ERR_CA_BAD_INPUT', 'a CA id is needed');
    const ca = await store.cas.get(id);
    if (ca === undefined) fail('ERR_CA_NOT_FOUND', `no CA with id "${id.slice(0, 80)}"`);
    return ca;
  }

  /** An active CA (ERR_CA_NOT_ACTIVE otherwise). */
  async activeCa(id: string): Promise<CaRecord> {
    const ca = await this.ca(id);
    if (ca.status !== 'active' || ca.certificateDer === null) {
      fail('ERR_CA_NOT_ACTIVE', `CA ${ca.id} is ${ca.status}; only an active CA may sign`);
    }
    return ca;
  }

  /**
   * Refuses (ERR_CA_NOT_ACTIVE) to issue from a CA whose own certificate, or an ancestor's, its
   * parent has revoked: what it signed could not validate (RFC 5280 6.3), and the revocation means
   * the key must not be used. Walks the CA records up to the root (bounded).
   */
  async requireUnrevokedChain(ca: CaRecord): Promise<void> {
    let child = ca;
    for (let depth = 0; child.parentId !== null && depth < 16; depth++) {
      const parent = await this.store.cas.get(child.parentId);
      if (parent === undefined) return;
      if (child.certificateDer !== null) {
        const record = await this.store.certificates.getBySerial(parent.id, this.certificateOf(child).serialHex);
        if (record?.status === 'revoked') {
          fail(
            'ERR_CA_NOT_ACTIVE',
            child.id === ca.id
              ? `the certificate of CA ${ca.label} was revoked by its parent; it may not issue`
              : `the certificate of CA ${child.label}, an issuer of ${ca.label}, was revoked; ${ca.label} may not issue`,
          );
        }
      }
      child = parent;
    }
  }

  /** The decoded certificate of an installed CA, decoded once per certificate. */
  certificateOf(ca: CaRecord): Certificate {
    if (ca.certificateDer === null) fail('ERR_CA_NOT_ACTIVE', `CA ${ca.id} has no certificate yet`);
    const key = `${ca.id}:${ca.fingerprint ?? ''}`;
    let cert = this.certificates.get(key);
    if (cert === undefined) {
      cert = Certificate.fromDer(ca.certificateDer);
      this.certificates.set(key, cert);
    }
    return cert;
  }

  /** The signer of a key URI, opened once (a failed open is not cached, so it can be retried). */
  signer(keyUri: string): Promise<Signer> {
    let signer = this.signers.get(keyUri);
    if (signer === undefined) {
      signer = this.keys.open(keyUri);
      this.signers.set(keyUri, signer);
      signer.catch(() => this.signers.delete(keyUri));
    }
    return signer;
  }

  /** Keeps a signer just generated, so its first use does not open the key again. */
  rememberSigner(keyUri: string, signer: Signer): void {
    this.signers.set(keyUri, Promise.resolve(signer));
  }

  /** Drops a signer this context keeps (its key is about to be destroyed). */
  forgetSigner(keyUri: string): void {
    this.signers.delete(keyUri);
  }

  /** Subscribes to revocations and other changes; returns the unsubscribe function. */
  on(listener: (event: AuthorityEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: AuthorityEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's fault must not undo a committed change; listeners log their own errors.
      }
    }
  }
}
