import type { CrlReason, Signer } from '@keyline/core';
import type { CaRecord, CertificateRecord, CrlRecord, TokenRole } from './records.js';

/**
 * Who is acting: the CLI (full rights, `cli`), an API token (`token:<id>` with its role and, for
 * operators, its manufacturer), or the system itself (`system`: CRL refresh, recovery).
 * The CA core checks authorisation against this (an operator may use only its manufacturer's CAs;
 * an auditor may change nothing) and records it in the audit log.
 */
export interface Actor {
  readonly id: string;
  readonly role: TokenRole;
  readonly manufacturerId: string | null;
}

export const CLI_ACTOR: Actor = { id: 'cli', role: 'admin', manufacturerId: null };
export const SYSTEM_ACTOR: Actor = { id: 'system', role: 'admin', manufacturerId: null };

export type CaCurve = 'P-256' | 'P-384';

/**
 * Most signing threads a CA may sign with (a request's `signingThreads`, a signing pool's size):
 * more than the cores only adds switching.
 */
export const MAX_SIGNING_THREADS = 64;

/**
 * Where CA keys are made and opened (keys/ implements it). `file:<path>` keys are encrypted PKCS#8
 * under a passphrase; `pkcs11:` keys (RFC 7512) are generated on the token, sensitive and
 * non-extractable, and every signature goes through the token.
 */
export interface KeyProvider {
  /**
   * Makes a new key where `keyUri` says; with no URI, a `file:` key in the data directory's keys/
   * folder named after `label`. Returns the URI to record and a signer for it.
   */
  generate(request: { readonly keyUri?: string; readonly curve: CaCurve; readonly label: string }): Promise<{
    readonly keyUri: string;
    readonly signer: Signer;
  }>;
  /** Opens an existing key for signing. */
  open(keyUri: string): Promise<Signer>;
  /**
   * Deletes a key the authority made and will never use (the key of an OCSP signer certificate
   * revoked before its first use). Optional: a provider without it leaves such keys in place.
   */
  destroy?(keyUri: string): Promise<void>;
}

export interface CreateRootInput {
  readonly name: string;
  readonly organization?: string;
  readonly curve?: CaCurve;
  readonly keyUri?: string;
  readonly validityYears?: number;
  readonly label?: string;
}

export interface CreateCaInput {
  readonly parentId: string;
  readonly name: string;
  readonly kind: 'manufacturer' | 'issuing';
  readonly manufacturerId: string;
  readonly productId?: string;
  readonly organization?: string;
  readonly curve?: CaCurve;
  readonly keyUri?: string;
  readonly validityYears?: number;
  readonly label?: string;
}

export interface IssueInput {
  readonly caId: string;
  /** DER of a PKCS#10 request; its signature is the proof of possession. */
  readonly csrDer: Uint8Array;
  readonly profile: 'device' | 'ldevid';
  /** Idempotency key: the same id at the same CA returns the same certificate. */
  readonly requestId?: string;
  /** Days of validity (ldevid; device defaults to 802.1AR no-expiration). */
  readonly validityDays?: number;
}

export interface IssueResult {
  readonly record: CertificateRecord;
  /** True when `requestId` matched an earlier issuance and nothing new was signed. */
  readonly reused: boolean;
}

/**
 * The certificate authority as the CLI and the server use it (ca/ implements it over the Store,
 * KeyProvider, Clock, RandomSource and the audit log). Every method that changes state follows the
 * issuance cycle where it signs, appends to the audit log in the same transaction, and throws
 * KeylineError with ERR_CA_* codes (refusals) or the core's codes (malformed input).
 */
export interface CertificateAuthorityService {
  createRoot(input: CreateRootInput, actor: Actor): Promise<CaRecord>;
  /** A CA whose parent is online in this deployment: key made, certificate issued by the parent. */
  createCa(input: CreateCaInput, actor: Actor): Promise<CaRecord>;
  /** For an offline parent: makes the key and a CSR; the CA stays `pending` until `installCa`. */
  createCaCsr(
    input: Omit<CreateCaInput, 'parentId'> & { readonly parentId?: string },
    actor: Actor,
  ): Promise<{
    readonly ca: CaRecord;
    readonly csrDer: Uint8Array;
  }>;
  /** The offline parent's side: signs a subordinate CA's CSR by the profile of `kind`. */
  signCaCsr(
    input: {
      readonly parentId: string;
      readonly csrDer: Uint8Array;
      readonly kind: 'manufacturer' | 'issuing';
      readonly manufacturerId: string;
      readonly productId?: string;
      readonly validityYears?: number;
    },
    actor: Actor,
  ): Promise<CertificateRecord>;
  /** Installs the certificate of a `pending` CA (checked against its key and chain) and activates it. */
  installCa(caId: string, certificateDer: Uint8Array, actor: Actor): Promise<CaRecord>;
  issue(input: IssueInput, actor: Actor): Promise<IssueResult>;
  revoke(
    input: { readonly caId: string; readonly serialHex: string; readonly reason: CrlReason },
    actor: Actor,
  ): Promise<CertificateRecord>;
  /** Signs a new full or delta CRL (cRLNumber strictly increasing) and stores it. */
  generateCrl(input: { readonly caId: string; readonly delta?: boolean }, actor: Actor): Promise<CrlRecord>;
  /** Answers an OCSP request (DER) for certificates of `caId`; pre-signed and cached. */
  ocspRespond(caId: string, requestDer: Uint8Array): Promise<Uint8Array>;
  /**
   * The cached pre-signed answer to a request of exactly one CertID (its DER) without nonce, when
   * `ocspRespond` would give that very answer now; otherwise undefined (then call `ocspRespond`).
   * Synchronous: the hot path of the OCSP endpoint. Optional for implementations without a cache.
   */
  ocspCached?(caId: string, certIdDer: Uint8Array): OcspCachedAnswer | undefined;
  /**
   * Finishes or fails every `reserved`/`signing` record left by a crash; with a scope, only those of
   * one CA, of the given request ids, or last updated before a time (ca/recovery.ts).
   */
  recover(
    actor: Actor,
    scope?: {
      readonly caId?: string;
      readonly requestIds?: ReadonlySet<string>;
      readonly unfinishedBefore?: Date;
    },
  ): Promise<{ readonly completed: number; readonly failed: number }>;
}

/** A pre-signed OCSP response the responder's cache answers with at once (`ocspCached`). */
export interface OcspCachedAnswer {
  readonly der: Uint8Array;
  /** The certStatus it carries (for metrics): good or revoked (unknown is never cached). */
  readonly certStatus: 'good' | 'revoked' | 'unknown';
}
