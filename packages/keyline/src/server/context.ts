import type { Clock, RandomSource } from '@keyline/core';
import type { Actor, CertificateAuthorityService } from '../ca/service-port.js';
import type { Store } from '../ca/store-port.js';
import type { AuditAppender } from '../ca/audit-port.js';
import type { CaDirectory } from './ca-directory.js';
import type { CrlPublisher } from './crl-publisher.js';
import type { ServerMetrics } from './observability/metrics.js';
import type { RouteDoc } from './openapi/route-doc.js';
import type { EstProfile } from './options.js';

/** What every route works with: the core behind its ports, and the server's own helpers. */
export interface ServerContext {
  readonly store: Store;
  readonly ca: CertificateAuthorityService;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly metrics: ServerMetrics;
  readonly cas: CaDirectory;
  readonly crls: CrlPublisher;
  readonly est: { readonly defaultCa: string | undefined; readonly profile: EstProfile };
  readonly audit: AuditAppender;
  /** Whether the server speaks TLS (EST simplereenroll needs it). */
  readonly tls: boolean;
}

/** How a route is authenticated (enforced in an onRequest hook, before the body is read). */
export type RouteAuth = 'none' | 'token' | 'est';

/** Per-route configuration the server's hooks read (Fastify `config`). */
export interface RouteConfig {
  readonly face?: 'api' | 'est';
  readonly auth?: RouteAuth;
  /** Documentation of the route for the OpenAPI document (openapi/document.ts). */
  readonly openapi?: RouteDoc;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated actor (routes with `auth: 'token'`/`'est'`); null elsewhere. */
    actor: Actor | null;
  }
}

/** The actor of an authenticated route (the onRequest hook has set it). */
export function actorOf(request: { actor: Actor | null }): Actor {
  if (request.actor === null) throw new TypeError('route is not authenticated: set config.auth');
  return request.actor;
}
