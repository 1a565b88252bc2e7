import { requireCaWrite } from './authorise.js';
import { AuthorityContext, type AuthorityEvent } from './context.js';
import { CrlRefresher, type CrlRefresherOptions } from './crl-refresher.js';
import { generateCrl } from './crl.js';
import { createCaCsr, installCa, signCaCsr, type InstallCaOptions } from './csr-flow.js';
import { issueDevices, type DeviceRequest, type IssueDevicesOptions } from './issue-devices.js';
import { issueFromCsr } from './issue-from-csr.js';
import { OcspResponder } from './ocsp-responder.js';
import { ensureOcspSigner } from './ocsp-signer.js';
import type { AuthorityDeps } from './options.js';
import type { CaRecord } from './records.js';
import { recover, type RecoveryResult, type RecoveryScope } from './recovery.js';
import { revokeCertificate } from './revoke.js';
import { createRoot } from './root.js';
import type { Actor, CertificateAuthorityService, IssueResult } from './service-port.js';
import { createCa } from './subordinate.js';

/** The authority: the service port plus what the server, the factory and the benchmarks need besides. */
export interface CertificateAuthority extends CertificateAuthorityService {
  /** As the port's, with the parent's certificate for a parent outside this deployment. */
  installCa(caId: string, certificateDer: Uint8Array, actor: Actor, options?: InstallCaOptions): Promise<CaRecord>;
  /** Counts as the port's, plus how many of the failed records are now listed as revoked. */
  recover(actor: Actor, scope?: RecoveryScope): Promise<RecoveryResult>;
  /** Factory-line issuance of device IDevIDs in one batch through the cycle (no CSR). */
  issueDevices(
    input: { readonly caId: string; readonly devices: readonly DeviceRequest[] },
    actor: Actor,
    options?: IssueDevicesOptions,
  ): Promise<IssueResult[]>;
  /** Makes (or renews when due; `force` always) the CA's delegated OCSP signer; returns the CA record. */
  ensureOcspSigner(caId: string, actor: Actor, options?: { readonly force?: boolean }): Promise<CaRecord>;
  /** Signs and caches OCSP responses for every certificate of the CA; returns how many. */
  prewarmOcsp(caId: string): Promise<number>;
  /** A CRL refresher over this authority (the server starts it). */
  crlRefresher(options?: CrlRefresherOptions): CrlRefresher;
  /** Subscribes to revocations and CA changes; returns the unsubscribe function. */
  onEvent(listener: (event: AuthorityEvent) => void): () => void;
  /** Stops listening to events (the OCSP cache); the store stays open (its owner closes it). */
  close(): void;
}

/**
 * The certificate authority over a store, a key provider, a clock, a random source and the audit
 * log. Every signature goes through the issuance cycle (issuance-cycle.ts); every state change
 * appends to the audit log in the same transaction; refusals are KeylineErrors with ERR_CA_* codes.
 */
export function createCertificateAuthority(deps: AuthorityDeps): CertificateAuthority {
  const ctx = new AuthorityContext(deps);
  const ocsp = new OcspResponder(ctx);
  return {
    createRoot: (input, actor) => createRoot(ctx, input, actor),
    createCa: (input, actor) => createCa(ctx, input, actor),
    createCaCsr: (input, actor) => createCaCsr(ctx, input, actor),
    signCaCsr: (input, actor) => signCaCsr(ctx, input, actor),
    installCa: (caId, certificateDer, actor, options) => installCa(ctx, caId, certificateDer, actor, options),
    issue: (input, actor) => issueFromCsr(ctx, input, actor),
    issueDevices: (input, actor, options) => issueDevices(ctx, input, actor, options),
    revoke: (input, actor) => revokeCertificate(ctx, input, actor),
    generateCrl: (input, actor) => generateCrl(ctx, input, actor),
    ocspRespond: (caId, requestDer) => ocsp.respond(caId, requestDer),
    ocspCached: (caId, certIdDer) => ocsp.cachedResponse(caId, certIdDer),
    prewarmOcsp: (caId) => ocsp.prewarm(caId),
    ensureOcspSigner: async (caId, actor, options) => {
      requireCaWrite(actor, await ctx.ca(caId), 'make OCSP signers');
      await ensureOcspSigner(ctx, caId, actor, options?.force === true);
      return ctx.ca(caId);
    },
    recover: (actor, scope) => recover(ctx, actor, scope),
    crlRefresher: (options) => new CrlRefresher(ctx, options),
    onEvent: (listener) => ctx.on(listener),
    close: () => ocsp.close(),
  };
}
