import { createHash } from 'node:crypto';
import { KeylineError, encodeCertsOnly, namesEqual, OID, type CertificationRequest } from '@keyline/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CaRecord } from '../../../ca/records.js';
import type { Actor } from '../../../ca/service-port.js';
import { requireCaUse } from '../../auth/authorise.js';
import { actorOf, type RouteConfig, type ServerContext } from '../../context.js';
import { requireMediaType } from '../../http/content-types.js';
import { csrFromEstBody } from '../../http/csr-body.js';
import type { RouteDoc } from '../../openapi/route-doc.js';
import { peerCertificate, validateClientCertificate } from './client-certificate.js';
import { csrAttrsFor } from './csr-attrs.js';

/** RFC 7030 4.1.3 and 4.2.3 (with RFC 8551 3.2.2's smime-type). */
const CERTS_ONLY_TYPE = 'application/pkcs7-mime; smime-type=certs-only';
const CSRATTRS_TYPE = 'application/csrattrs';
const PKCS10_TYPE = 'application/pkcs10';
const EST_PREFIX = '/.well-known/est';

type LabelParams = { label?: string };

/**
 * EST (RFC 7030) for every CA at /.well-known/est/<ca-label>/ and for the default CA at
 * /.well-known/est/ (CaDirectory.estDefault):
 *
 * - `cacerts` (4.1): the CA's chain up to the root, certs-only PKCS #7, base64. Public (4.1.1).
 * - `simpleenroll` (4.2.1): a base64 PKCS #10 request; the client authenticates with an API token,
 *   as `Authorization: Bearer <token>` or HTTP Basic with the token as password (3.2.3); admin
 *   tokens and operator tokens of the CA's manufacturer may enrol.
 * - `simplereenroll` (4.2.2): authenticated by the client's current certificate in the TLS
 *   handshake (3.3.2), which must be a valid certificate of this CA; the CSR must name the same
 *   subject (and, when it carries one, the same subjectAltName). Needs `--tls`.
 * - `csrattrs` (4.5): what the CSR should contain, for the EST profile. Public.
 *
 * Certificates are issued with the server's EST profile; the same CSR sent twice (a retry) gets
 * the same certificate back (requestId = `est:` + SHA-256 of the CSR).
 */
export function registerEstRoutes(app: FastifyInstance, ctx: ServerContext): void {
  for (const withLabel of [false, true]) {
    const base = withLabel ? `${EST_PREFIX}/:label` : EST_PREFIX;
    const where = withLabel ? 'the CA labelled {label}' : 'the default CA';
    const params = withLabel
      ? {
          type: 'object',
          required: ['label'],
          properties: { label: { type: 'string', minLength: 1, maxLength: 128 } },
        }
      : undefined;
    const doc = (d: Omit<RouteDoc, 'tags'>): RouteDoc => ({ ...d, tags: ['EST'] });

    app.get<{ Params: LabelParams }>(
      `${base}/cacerts`,
      {
        ...(params === undefined ? {} : { schema: { params } }),
        config: {
          face: 'est',
          openapi: doc({
            summary: `EST cacerts (${where})`,
            description: 'RFC 7030 4.1: the CA certificate and its issuers up to the root.',
            rawResponses: { 200: { type: CERTS_ONLY_TYPE, description: 'base64 DER certs-only CMS SignedData' } },
            errors: [404],
          }),
        } satisfies RouteConfig,
      },
      async (request, reply) => {
        const ca = await estCa(ctx, request);
        const chain = await ctx.cas.chain(ca);
        return sendCertsOnly(
          reply,
          chain.flatMap((c) => (c.certificateDer === null ? [] : [c.certificateDer])),
        );
      },
    );

    app.get<{ Params: LabelParams }>(
      `${base}/csrattrs`,
      {
        ...(params === undefined ? {} : { schema: { params } }),
        config: {
          face: 'est',
          openapi: doc({
            summary: `EST csrattrs (${where})`,
            description:
              'RFC 7030 4.5: the signature algorithm, key type and curve, and subject attributes the EST profile requires.',
            rawResponses: { 200: { type: CSRATTRS_TYPE, description: 'base64 DER CsrAttrs' } },
            errors: [404],
          }),
        } satisfies RouteConfig,
      },
      async (request, reply) => {
        await estCa(ctx, request);
        return sendBase64(reply, CSRATTRS_TYPE, csrAttrsFor(ctx.est.profile));
      },
    );

    app.post<{ Params: LabelParams }>(
      `${base}/simpleenroll`,
      {
        ...(params === undefined ? {} : { schema: { params } }),
        config: {
          face: 'est',
          auth: 'est',
          openapi: doc({
            summary: `EST simpleenroll (${where})`,
            description:
              'RFC 7030 4.2.1: a base64 DER PKCS#10 request; answers the new certificate. Authenticate with the API token as Bearer, or as the password of HTTP Basic.',
            roles: ['admin', 'operator'],
            security: ['bearer', 'basic'],
            rawBody: { [PKCS10_TYPE]: 'base64 DER PKCS#10 CertificationRequest' },
            rawResponses: {
              200: {
                type: CERTS_ONLY_TYPE,
                description: 'base64 DER certs-only CMS SignedData with the new certificate',
              },
            },
            errors: [400, 401, 403, 404, 409, 413, 415],
          }),
        } satisfies RouteConfig,
      },
      async (request, reply) => {
        // parse
        requireMediaType(request, [PKCS10_TYPE]);
        const csr = csrFromEstBody(bodyOf(request));
        // validate + authorise
        const actor = actorOf(request);
        const ca = await estCa(ctx, request);
        requireCaUse(actor, ca, true);
        await ctx.cas.requireIssuing(ca);
        return enrol(ctx, reply, ca, csr, ctx.est.profile, actor, 'est');
      },
    );

    app.post<{ Params: LabelParams }>(
      `${base}/simplereenroll`,
      {
        ...(params === undefined ? {} : { schema: { params } }),
        config: {
          face: 'est',
          openapi: doc({
            summary: `EST simplereenroll (${where})`,
            description:
              'RFC 7030 4.2.2: renews the certificate the client presents in the TLS handshake (needs --tls). The CSR keeps its subject.',
            security: ['mutualTLS'],
            rawBody: { [PKCS10_TYPE]: 'base64 DER PKCS#10 CertificationRequest' },
            rawResponses: {
              200: {
                type: CERTS_ONLY_TYPE,
                description: 'base64 DER certs-only CMS SignedData with the new certificate',
              },
            },
            errors: [400, 401, 403, 404, 409, 413, 415],
          }),
        } satisfies RouteConfig,
      },
      async (request, reply) => {
        // authenticate: the TLS client certificate (RFC 7030 3.3.2)
        const presented = peerCertificate(request);
        if (presented === undefined) {
          throw new KeylineError(
            'ERR_SERVER_CLIENT_CERT_REQUIRED',
            ctx.tls
              ? 'present your current certificate as the TLS client certificate'
              : 'simplereenroll needs TLS: this server runs without --tls',
          );
        }
        // parse
        requireMediaType(request, [PKCS10_TYPE]);
        const csr = csrFromEstBody(bodyOf(request));
        // validate + authorise
        const ca = await estCa(ctx, request);
        const chain = await ctx.cas.requireIssuing(ca);
        const record = await validateClientCertificate(presented, ca, chain, ctx.store, ctx.clock);
        if (!namesEqual(csr.subject, presented.subject)) {
          throw new KeylineError(
            'ERR_SERVER_REENROLL_MISMATCH',
            'the CSR subject differs from the certificate being renewed',
          );
        }
        const csrSan = csr.extension(OID.subjectAltName);
        const certSan = presented.extensions.find((e) => e.oid === OID.subjectAltName);
        if (csrSan !== undefined && (certSan === undefined || Buffer.compare(csrSan.value, certSan.value) !== 0)) {
          throw new KeylineError(
            'ERR_SERVER_REENROLL_MISMATCH',
            'the CSR subjectAltName differs from the certificate being renewed',
          );
        }
        if (record.profile !== 'device' && record.profile !== 'ldevid') {
          throw new KeylineError(
            'ERR_SERVER_FORBIDDEN',
            `a ${record.profile} certificate cannot be renewed through EST`,
          );
        }
        // The certificate speaks for itself, with no more rights than an operator of this CA.
        const actor: Actor = {
          id: `cert:${ca.id}:${record.serialHex}`,
          role: 'operator',
          manufacturerId: ca.manufacturerId,
        };
        return enrol(ctx, reply, ca, csr, record.profile, actor, 'est-reenroll');
      },
    );
  }
}

async function estCa(ctx: ServerContext, request: FastifyRequest<{ Params: LabelParams }>): Promise<CaRecord> {
  const label = request.params.label;
  const ca = label === undefined ? await ctx.cas.estDefault(ctx.est.defaultCa) : await ctx.cas.getByLabel(label);
  if (ca.certificateDer === null) throw new KeylineError('ERR_CA_NOT_ACTIVE', `CA ${ca.label} has no certificate yet`);
  return ca;
}

async function enrol(
  ctx: ServerContext,
  reply: FastifyReply,
  ca: CaRecord,
  csr: CertificationRequest,
  profile: 'device' | 'ldevid',
  actor: Actor,
  via: string,
): Promise<FastifyReply> {
  const requestId = `est:${createHash('sha256').update(csr.der).digest('hex')}`;
  const result = await ctx.ca.issue({ caId: ca.id, csrDer: csr.der, profile, requestId }, actor);
  if (!result.reused) ctx.metrics.issued.inc({ ca: ca.id, profile, via });
  const der = result.record.der;
  if (der === null) throw new KeylineError('ERR_SERVER_INTERNAL', 'the issued record has no certificate');
  return sendCertsOnly(reply, [der]);
}

function bodyOf(request: FastifyRequest): Uint8Array | string {
  const body = request.body;
  if (body instanceof Uint8Array || typeof body === 'string') return body;
  throw new KeylineError('ERR_SERVER_BAD_REQUEST', 'the request has no body: send a base64 PKCS#10 request');
}

function sendCertsOnly(reply: FastifyReply, certificates: readonly Uint8Array[]): FastifyReply {
  return sendBase64(reply, CERTS_ONLY_TYPE, encodeCertsOnly(certificates));
}

/** RFC 7030 4.1.3 / RFC 8951 3: the DER in base64 (lines of 64), with the legacy transfer-encoding header. */
function sendBase64(reply: FastifyReply, type: string, body: Uint8Array): FastifyReply {
  const base64 = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return reply
    .type(type)
    .header('content-transfer-encoding', 'base64')
    .send(`${lines.join('\r\n')}\r\n`);
}
