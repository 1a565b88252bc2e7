import type { ChallengeStore, Clock, RandomSource } from '@keyline/core';
import type { Logger } from 'pino';
import type { CertificateAuthorityService } from '../ca/service-port.js';
import type { Store } from '../ca/store-port.js';
import type { AuditAppender } from '../ca/audit-port.js';
import type { ServerMetrics } from './observability/metrics.js';

/** The EST profile certificates are issued with (ca/service-port IssueInput.profile). */
export type EstProfile = 'device' | 'ldevid';

/** TLS for `keyline serve --tls` (see tls/server-certificate.ts for where the files come from). */
export interface ServerTlsOptions {
  /** PEM private key and certificate chain of the server. */
  readonly key: string | Uint8Array;
  readonly cert: string | Uint8Array;
}

/** What `createServer` needs. Time, randomness and the store are injected (DESIGN.md, Habits). */
export interface ServerOptions {
  readonly store: Store;
  readonly ca: CertificateAuthorityService;
  readonly clock: Clock;
  /** Token secrets and ids; default the system CSPRNG. */
  readonly random?: RandomSource;
  /** A pino logger for structured JSON logs; default silent. */
  readonly logger?: Logger;
  /** Serve HTTPS, requesting (not requiring) client certificates for EST simplereenroll. */
  readonly tls?: ServerTlsOptions;
  /** Largest request body accepted, bytes; default 64 KiB (a CSR is under 2 KiB, an OCSP request under 1 KiB). */
  readonly bodyLimit?: number;
  readonly est?: {
    /** The CA (id or label) served at /.well-known/est/ without a label; default see CaDirectory.estDefault. */
    readonly defaultCa?: string;
    /** The profile of certificates enrolled through EST; default `device`. */
    readonly profile?: EstProfile;
  };
  /** Metrics to record into; default a fresh registry. */
  readonly metrics?: ServerMetrics;
  /**
   * Appends the server's own state changes (API tokens, manufacturers, products) to the audit log,
   * in the transaction of the change. Default: audit/'s `appendAudit` (no checkpoints); `keyline
   * serve` passes the CLI's appender, which also writes the signed checkpoints when due. The CA
   * service audits its own changes through its own appender.
   */
  readonly audit?: AuditAppender;
  /** Nonces of POST /api/v1/challenges, consumed by POST /api/v1/verify; default a fresh in-memory store. */
  readonly challenges?: ChallengeStore;
  /**
   * Worker threads of the DeviceVerifierPool that POST /api/v1/verify verifies tokens on; default
   * 0: on the event loop (verifyDevice). The same answers either way; the pool needs the built
   * JavaScript (its workers load dist/).
   */
  readonly verifyThreads?: number;
}
