import type { Clock, RandomSource, Signer } from '@keyline/core';
import type { AuditAppender } from './audit-port.js';
import type { KeyProvider } from './service-port.js';
import type { Store } from './store-port.js';

/** Tunables of the authority; every one has a default. */
export interface AuthorityOptions {
  /**
   * The server's public base URL (e.g. `https://pki.example.com`). When set, certificates issued
   * afterwards point to `<url>/crl/<caId>.crl` (cRLDistributionPoints) and `<url>/ocsp/<caId>`
   * (authorityInfoAccess) of their issuer.
   */
  readonly publicUrl?: string;
  /** nextUpdate of a full CRL after its thisUpdate. Default 7 days. */
  readonly crlValidityHours?: number;
  /** nextUpdate of a delta CRL after its thisUpdate. Default 24 hours. */
  readonly deltaCrlValidityHours?: number;
  /** nextUpdate of an OCSP response after its thisUpdate. Default 24 hours. */
  readonly ocspValidityHours?: number;
  /** Validity of a delegated OCSP signer certificate (KECP 5.6 allows at most 90 days). Default 30. */
  readonly ocspSignerValidityDays?: number;
  /** Default validity of an LDevID (KECP 5.5 allows at most 397 days). Default 365. */
  readonly ldevidValidityDays?: number;
  /** Default validity of CA certificates by kind, in years. Defaults: root 20, manufacturer 15, issuing 10. */
  readonly rootValidityYears?: number;
  readonly manufacturerValidityYears?: number;
  readonly issuingValidityYears?: number;
  /** Most single requests one OCSP request may carry (more is `malformedRequest`). Default 16. */
  readonly ocspMaxRequests?: number;
  /** Most cached OCSP responses per CA (oldest dropped first). Default 200 000. */
  readonly ocspCacheSize?: number;
  /**
   * How often, at most, the OCSP responder asks the store whether anything changed (a revocation
   * made by another process, e.g. the CLI). Default 200 ms.
   */
  readonly ocspRecheckMs?: number;
  /** Entries between signed audit checkpoints (with `auditSigner`). Default 100. */
  readonly checkpointEvery?: number;
}

/** What the authority is built over. */
export interface AuthorityDeps {
  readonly store: Store;
  readonly keys: KeyProvider;
  readonly clock: Clock;
  readonly random: RandomSource;
  /**
   * The audit key: with it, a signed checkpoint is appended every `checkpointEvery` entries
   * (audit/'s `appendAudit` policy), in the same transaction as the entry that makes it due.
   */
  readonly auditSigner?: Signer;
  /** Replaces audit/'s `appendAudit` (tests); `auditSigner` is then unused. */
  readonly audit?: AuditAppender;
  readonly options?: AuthorityOptions;
  /**
   * Told of failures the authority answers without throwing (an OCSP `internalError`, a CRL
   * refresh that failed in the background): the server logs them.
   */
  readonly onError?: (error: unknown, where: string) => void;
}

export interface ResolvedOptions {
  readonly publicUrl: string | undefined;
  readonly crlValidityMs: number;
  readonly deltaCrlValidityMs: number;
  readonly ocspValidityMs: number;
  readonly ocspSignerValidityDays: number;
  readonly ldevidValidityDays: number;
  readonly validityYears: { readonly root: number; readonly manufacturer: number; readonly issuing: number };
  readonly ocspMaxRequests: number;
  readonly ocspCacheSize: number;
  readonly ocspRecheckMs: number;
  readonly checkpointEvery: number;
}

const HOUR_MS = 3_600_000;

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`authority option ${name} must be a positive number`);
  }
  return value;
}

export function resolveOptions(options: AuthorityOptions = {}): ResolvedOptions {
  const publicUrl = options.publicUrl?.replace(/\/+$/, '');
  if (publicUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(publicUrl)) {
    throw new TypeError('authority option publicUrl must be an http(s) URL');
  }
  return {
    publicUrl,
    crlValidityMs: positive(options.crlValidityHours, 7 * 24, 'crlValidityHours') * HOUR_MS,
    deltaCrlValidityMs: positive(options.deltaCrlValidityHours, 24, 'deltaCrlValidityHours') * HOUR_MS,
    ocspValidityMs: positive(options.ocspValidityHours, 24, 'ocspValidityHours') * HOUR_MS,
    ocspSignerValidityDays: Math.min(90, positive(options.ocspSignerValidityDays, 30, 'ocspSignerValidityDays')),
    ldevidValidityDays: Math.min(397, positive(options.ldevidValidityDays, 365, 'ldevidValidityDays')),
    validityYears: {
      root: positive(options.rootValidityYears, 20, 'rootValidityYears'),
      manufacturer: positive(options.manufacturerValidityYears, 15, 'manufacturerValidityYears'),
      issuing: positive(options.issuingValidityYears, 10, 'issuingValidityYears'),
    },
    ocspMaxRequests: positive(options.ocspMaxRequests, 16, 'ocspMaxRequests'),
    ocspCacheSize: positive(options.ocspCacheSize, 200_000, 'ocspCacheSize'),
    ocspRecheckMs: positive(options.ocspRecheckMs, 200, 'ocspRecheckMs'),
    checkpointEvery: Math.max(2, Math.floor(positive(options.checkpointEvery, 100, 'checkpointEvery'))),
  };
}
