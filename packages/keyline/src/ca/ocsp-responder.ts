import { createHash } from 'node:crypto';
import {
  OcspRequest,
  buildOcspErrorResponse,
  buildOcspResponse,
  certIdFor,
  isKeylineError,
  type CertId,
  type Certificate,
  type OcspCertStatus,
  type OcspSingleResponseInput,
} from '@keyline/core';
import type { AuthorityContext, AuthorityEvent } from './context.js';
import { ensureOcspSigner, type OcspSigner } from './ocsp-signer.js';
import type { CaRecord } from './records.js';
import { ocspStatusOf } from './revoked-entries.js';
import { SYSTEM_ACTOR, type OcspCachedAnswer } from './service-port.js';

/** Unsigned error responses (RFC 6960 4.2.1): constant bytes. */
const MALFORMED = buildOcspErrorResponse('malformedRequest');
const INTERNAL_ERROR = buildOcspErrorResponse('internalError');
const UNAUTHORIZED = buildOcspErrorResponse('unauthorized');

/** Node's names of the CertID hashes core knows. */
const NODE_HASH = { sha1: 'sha1', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' } as const;

/** A signed response kept for reuse (RFC 5019 2.2: pre-produced responses). */
interface CachedResponse {
  readonly der: Uint8Array;
  readonly certId: CertId;
  readonly serialHex: string;
  readonly status: OcspCertStatus;
  /** Serve until then; afterwards sign a fresh one (half the validity, so a cached copy is never near stale). */
  readonly refreshAt: number;
  /** The record's state when signed, to tell whether another process changed it. */
  readonly fingerprint: string;
  /**
   * What `cachedResponse` hands out, made once: the same object for as long as this response is
   * served, so a caller may keep what it derives from it (the listener's HTTP bytes) by identity.
   */
  readonly answer: OcspCachedAnswer;
  /** The store change marker the entry was last checked against. */
  checkedMarker: number;
}

/** What the responder keeps per CA. */
interface CaState {
  readonly ca: CaRecord;
  readonly caCert: Certificate;
  /** issuerNameHash and issuerKeyHash per CertID hash, computed once (RFC 6960 4.1.1). */
  readonly issuerHashes: Map<string, { readonly name: Uint8Array; readonly key: Uint8Array }>;
  signer: OcspSigner | undefined;
  signerPromise: Promise<OcspSigner> | undefined;
  /** By CertID DER (latin1), oldest first (a Map keeps insertion order: the LRU order). */
  readonly cache: Map<string, CachedResponse>;
  readonly keysBySerial: Map<string, Set<string>>;
}

/**
 * The OCSP responder (RFC 6960) of every CA of the authority, signing with each CA's delegated
 * OCSP signer (made on first need, see ocsp-signer.ts).
 *
 * - A CertID whose issuerNameHash/issuerKeyHash are not this CA's gets `unknown`; a request none
 *   of whose CertIDs is this CA's gets `unauthorized` (RFC 6960 2.3), unsigned, as does a CA that
 *   does not exist or has no certificate.
 * - A serial the CA never issued is `unknown`, never `good`; a revoked one `revoked` with its time
 *   and reason; see revoked-entries.ts for records that failed.
 * - A request with a nonce (RFC 8954) gets a freshly signed response echoing it. A request without
 *   one, for one certificate, is answered from a cache of signed responses keyed by the exact
 *   CertID, reused until half their validity has passed (RFC 5019's pre-produced responses); the
 *   path for a cached answer does no signing and no database query.
 * - The cache follows revocations: in this process at once (the entries of that serial are
 *   re-signed right away); made by another process (the CLI), within `ocspRecheckMs`, by watching
 *   the audit log's length, which every state change extends, and re-reading the records of
 *   entries checked before the change.
 * - Malformed requests get `malformedRequest`; a failure of ours `internalError`; never an exception.
 */
export class OcspResponder {
  private readonly states = new Map<string, Promise<CaState | undefined>>();
  /** The states loaded so far, for the synchronous cache look-up (`cachedResponse`). */
  private readonly loaded = new Map<string, CaState>();
  private marker = -1;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private markerPromise: Promise<void> | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly ctx: AuthorityContext) {
    this.unsubscribe = ctx.on((event) => this.onEvent(event));
  }

  close(): void {
    this.unsubscribe();
  }

  /** Answers one DER OCSPRequest for certificates of `caId` with a DER OCSPResponse. */
  async respond(caId: string, requestDer: Uint8Array): Promise<Uint8Array> {
    let request: OcspRequest;
    try {
      request = OcspRequest.fromDer(requestDer);
    } catch (error) {
      if (isKeylineError(error) || error instanceof TypeError) return MALFORMED;
      this.ctx.reportError(error, `ocsp ${caId}`);
      return INTERNAL_ERROR;
    }
    if (request.requests.length > this.ctx.options.ocspMaxRequests) return MALFORMED;
    try {
      const state = await this.state(caId);
      if (state === undefined) return UNAUTHORIZED;
      await this.watchStore();
      // Records read below are at least as new as this marker: new cache entries are stamped with it.
      const marker = this.marker;
      const now = this.ctx.clock.now().getTime();
      const only = request.requests.length === 1 ? request.requests[0]! : undefined;
      const cacheable = only !== undefined && request.nonce === undefined;
      const singles: { certId: CertId; status: OcspCertStatus; fingerprint: string }[] = [];
      let ours = false;
      for (const { certId } of request.requests) {
        if (!this.matchesIssuer(state, certId)) {
          singles.push({ certId, status: { status: 'unknown' }, fingerprint: '' });
          continue;
        }
        ours = true;
        // A cached answer is the response itself, or (with a nonce, which needs a fresh signature)
        // at least the status, sparing the database.
        const hit = await this.cached(state, certId, now);
        if (hit !== undefined) {
          if (cacheable) return hit.der;
          singles.push({ certId, status: hit.status, fingerprint: hit.fingerprint });
          continue;
        }
        const record = await this.ctx.store.certificates.getBySerial(state.ca.id, certId.serialHex);
        singles.push({ certId, status: ocspStatusOf(record), fingerprint: recordFingerprint(record) });
      }
      if (!ours) return UNAUTHORIZED;
      const der = await this.sign(state, singles, request.nonce, now);
      const single = singles[0]!;
      if (cacheable && single.status.status !== 'unknown') {
        this.remember(state, single.certId, der, single.status, single.fingerprint, now, marker);
      }
      return der;
    } catch (error) {
      this.ctx.reportError(error, `ocsp ${caId}`);
      return INTERNAL_ERROR;
    }
  }

  /**
   * The pre-signed response for a request that is exactly one CertID without nonce (the DER of the
   * CertID, as the request carries it), when `respond` would answer it from the cache right now;
   * otherwise undefined, and the caller goes through `respond`. Synchronous, no database query, no
   * signature: the hot path of the OCSP endpoint (RFC 5019 clients, browsers). It answers only
   * what the cache holds, which only `respond`, `prewarm` and revocations put there, so it never
   * answers for a serial the CA did not issue; and it declines whenever the store is due to be
   * re-checked for changes of other processes, or an entry was signed before the last change seen,
   * so `respond` does those checks first.
   */
  cachedResponse(caId: string, certIdDer: Uint8Array): OcspCachedAnswer | undefined {
    const state = this.loaded.get(caId);
    if (state === undefined || state.cache.size === 0) return undefined;
    const now = this.ctx.clock.now().getTime();
    if (now - this.checkedAt >= this.ctx.options.ocspRecheckMs) return undefined;
    const hit = state.cache.get(latin1(certIdDer));
    if (hit === undefined || now >= hit.refreshAt || hit.checkedMarker !== this.marker) return undefined;
    return hit.answer;
  }

  /**
   * Signs and caches the responses for every certificate of `caId` with SHA-1 CertIDs (what OpenSSL
   * and most clients send), so the first request for each is already fast. Returns how many.
   */
  async prewarm(caId: string): Promise<number> {
    const state = await this.state(caId);
    if (state === undefined) return 0;
    await this.watchStore();
    const marker = this.marker;
    let count = 0;
    for (const status of ['valid', 'revoked'] as const) {
      let cursor: string | null = null;
      do {
        const page = await this.ctx.store.certificates.search({ caId, status }, { limit: 1000, cursor });
        for (const record of page.items) {
          const certId = certIdFor(state.caCert.subject.der, state.caCert.publicKey, record.serialHex, 'sha1');
          const now = this.ctx.clock.now().getTime();
          const fingerprint = recordFingerprint(record);
          const status = ocspStatusOf(record);
          const der = await this.sign(state, [{ certId, status }], undefined, now);
          this.remember(state, certId, der, status, fingerprint, now, marker);
          count++;
        }
        cursor = page.next;
      } while (cursor !== null);
    }
    return count;
  }

  /** The cached response for a CertID, when fresh and (if the store changed since) still true. */
  private async cached(state: CaState, certId: CertId, now: number): Promise<CachedResponse | undefined> {
    const key = cacheKey(certId);
    const hit = state.cache.get(key);
    if (hit === undefined) return undefined;
    if (now >= hit.refreshAt) {
      this.forget(state, key, hit.serialHex);
      return undefined;
    }
    if (hit.checkedMarker !== this.marker) {
      const marker = this.marker;
      const record = await this.ctx.store.certificates.getBySerial(state.ca.id, hit.serialHex);
      if (recordFingerprint(record) !== hit.fingerprint) {
        this.forget(state, key, hit.serialHex);
        return undefined;
      }
      hit.checkedMarker = marker;
    }
    return hit;
  }

  private remember(
    state: CaState,
    certId: CertId,
    der: Uint8Array,
    status: OcspCertStatus,
    fingerprint: string,
    now: number,
    marker: number,
  ): void {
    const key = cacheKey(certId);
    state.cache.delete(key);
    state.cache.set(key, {
      der,
      certId,
      serialHex: certId.serialHex,
      status,
      refreshAt: now + this.ctx.options.ocspValidityMs / 2,
      fingerprint,
      answer: { der, certStatus: status.status },
      checkedMarker: marker,
    });
    let keys = state.keysBySerial.get(certId.serialHex);
    if (keys === undefined) state.keysBySerial.set(certId.serialHex, (keys = new Set()));
    keys.add(key);
    while (state.cache.size > this.ctx.options.ocspCacheSize) {
      const [oldestKey, oldest] = state.cache.entries().next().value as [string, CachedResponse];
      this.forget(state, oldestKey, oldest.serialHex);
    }
  }

  private forget(state: CaState, key: string, serialHex: string): void {
    state.cache.delete(key);
    const keys = state.keysBySerial.get(serialHex);
    keys?.delete(key);
    if (keys?.size === 0) state.keysBySerial.delete(serialHex);
  }

  private async sign(
    state: CaState,
    singles: readonly { certId: CertId; status: OcspCertStatus }[],
    nonce: Uint8Array | undefined,
    now: number,
  ): Promise<Uint8Array> {
    const signer = await this.signerOf(state, now);
    const thisUpdate = new Date(Math.floor(now / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + this.ctx.options.ocspValidityMs);
    const responses: OcspSingleResponseInput[] = singles.map((s) => ({
      certId: s.certId,
      certStatus: s.status,
      thisUpdate,
      nextUpdate,
    }));
    return buildOcspResponse({
      responder: { byKeyHash: signer.keyHash },
      producedAt: thisUpdate,
      responses,
      ...(nonce !== undefined && { nonce }),
      signer: signer.signer,
      certs: [signer.certificate.der],
    });
  }

  /** The CA's OCSP signer, made or renewed when needed (one at a time per CA). */
  private async signerOf(state: CaState, now: number): Promise<OcspSigner> {
    if (state.signer !== undefined && now < state.signer.renewAt) return state.signer;
    state.signerPromise ??= ensureOcspSigner(this.ctx, state.ca.id, SYSTEM_ACTOR).finally(() => {
      state.signerPromise = undefined;
    });
    state.signer = await state.signerPromise;
    return state.signer;
  }

  private matchesIssuer(state: CaState, certId: CertId): boolean {
    if (certId.hash === undefined) return false;
    let hashes = state.issuerHashes.get(certId.hash);
    if (hashes === undefined) {
      const algorithm = NODE_HASH[certId.hash];
      hashes = {
        name: createHash(algorithm).update(state.caCert.subject.der).digest(),
        key: createHash(algorithm).update(state.caCert.publicKey).digest(),
      };
      state.issuerHashes.set(certId.hash, hashes);
    }
    return (
      Buffer.compare(hashes.name, certId.issuerNameHash) === 0 && Buffer.compare(hashes.key, certId.issuerKeyHash) === 0
    );
  }

  /** The responder state of a CA, loaded once; a CA that is missing or pending is looked up again next time. */
  private async state(caId: string): Promise<CaState | undefined> {
    let promise = this.states.get(caId);
    if (promise === undefined) {
      promise = this.load(caId);
      this.states.set(caId, promise);
    }
    let state: CaState | undefined;
    try {
      state = await promise;
    } catch (error) {
      if (this.states.get(caId) === promise) this.states.delete(caId);
      throw error;
    }
    if (state === undefined && this.states.get(caId) === promise) this.states.delete(caId);
    if (state !== undefined && this.states.get(caId) === promise) this.loaded.set(caId, state);
    return state;
  }

  private async load(caId: string): Promise<CaState | undefined> {
    if (typeof caId !== 'string' || caId.length === 0 || caId.length > 200) return undefined;
    const ca = await this.ctx.store.cas.get(caId);
    if (ca === undefined || ca.certificateDer === null || ca.status === 'pending') return undefined;
    return {
      ca,
      caCert: this.ctx.certificateOf(ca),
      issuerHashes: new Map(),
      signer: undefined,
      signerPromise: undefined,
      cache: new Map(),
      keysBySerial: new Map(),
    };
  }

  /**
   * Every `ocspRecheckMs` at most, reads the audit log's length: every state change of any process
   * appends to it, so a different length means cached entries must be checked against their
   * records before they are served again.
   */
  private async watchStore(): Promise<void> {
    const now = this.ctx.clock.now().getTime();
    if (now - this.checkedAt < this.ctx.options.ocspRecheckMs) return;
    this.markerPromise ??= (async () => {
      try {
        const last = await this.ctx.store.audit.last();
        const marker = last?.seq ?? 0;
        if (marker !== this.marker) this.marker = marker;
        this.checkedAt = this.ctx.clock.now().getTime();
      } finally {
        this.markerPromise = undefined;
      }
    })();
    await this.markerPromise;
  }

  private onEvent(event: AuthorityEvent): void {
    if (event.type === 'ca-changed') {
      // A new OCSP signer (or status) on record: take it up at the next signature.
      void this.states.get(event.caId)?.then((state) => {
        if (state !== undefined && state.signerPromise === undefined) state.signer = undefined;
      });
      return;
    }
    // A revocation (or a failed record listed as revoked) in this process: drop its cached answers
    // and sign the new ones now, so the next request is already fast.
    void this.states.get(event.caId)?.then(async (state) => {
      if (state === undefined) return;
      if (state.signer?.certificate.serialHex === event.record.serialHex) state.signer = undefined;
      const keys = state.keysBySerial.get(event.record.serialHex);
      if (keys === undefined) return;
      const certIds = [...keys].map((k) => state.cache.get(k)?.certId).filter((c): c is CertId => c !== undefined);
      for (const key of [...keys]) this.forget(state, key, event.record.serialHex);
      for (const certId of certIds) {
        try {
          const now = this.ctx.clock.now().getTime();
          const fingerprint = recordFingerprint(event.record);
          const status = ocspStatusOf(event.record);
          const der = await this.sign(state, [{ certId, status }], undefined, now);
          // The event's record is the newest state there is.
          this.remember(state, certId, der, status, fingerprint, now, this.marker);
        } catch (error) {
          // The next request signs it instead.
          this.ctx.reportError(error, `ocsp ${event.caId}`);
        }
      }
    });
  }
}

function cacheKey(certId: CertId): string {
  return latin1(certId.der);
}

function latin1(bytes: Uint8Array): string {
  // The listener hands in a Buffer (a slice of the request): no view to make then.
  if (Buffer.isBuffer(bytes)) return bytes.toString('latin1');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** What of a record an OCSP answer depends on. */
function recordFingerprint(record: { status: string; revokedAt: Date | null; updatedAt: Date } | undefined): string {
  if (record === undefined) return 'none';
  return `${record.status}|${record.revokedAt?.getTime() ?? ''}|${record.status === 'valid' ? '' : record.updatedAt.getTime()}`;
}
