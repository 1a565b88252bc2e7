import {
  OcspRequest,
  OcspResponse,
  buildOcspErrorResponse,
  isKeylineError,
  type OcspResponseStatus,
} from '@keyline/core';
import type { OcspCachedAnswer } from '../../ca/service-port.js';
import type { ServerContext } from '../context.js';
import { asKeylineError } from '../problems/problem.js';
import { OCSP_HTTP_STATUS, mappingFor } from '../problems/table.js';
import { ocspStatusesOf } from './response-status.js';
import { simpleRequestCertId } from './simple-request.js';

/** One answer of the OCSP endpoint, whichever HTTP layer carries it (routes/ocsp.ts, fast-path.ts). */
export interface OcspAnswer {
  readonly httpStatus: number;
  /** The DER OCSPResponse. */
  readonly body: Uint8Array;
  /** For a request that did not decode or failed: the KeylineError code (X-Keyline-Error-Code). */
  readonly errorCode?: string;
  /** An error of ours, for the log. */
  readonly failure?: unknown;
  /** For the metrics: the responseStatus and, for a successful response, the first certStatus. */
  readonly responseStatus: OcspResponseStatus | 'unparsable';
  readonly certStatus: string;
}

/** Where an answer came from: the cache of pre-signed responses, or the responder (for the log). */
export type OcspAnswerSource = 'cache' | 'responder';

/** An answer and where it came from. */
export type SourcedOcspAnswer = OcspAnswer & { readonly source: OcspAnswerSource };

/**
 * Answers one OCSP request for `caId`. A request of one CertID without nonce is looked up in the
 * responder's cache of pre-signed responses first (`ocspCached`: synchronous, no query, no
 * signature); everything else, and every miss, goes through `ca.ocspRespond`. `readRequest` may
 * throw (a GET path that is not base64): that and a request that does not decode become an unsigned
 * `malformedRequest` with the error code (the body can only say malformedRequest); failures of ours
 * `internalError` or `tryLater`, through the one error table. Never throws.
 */
export async function answerOcsp(
  ctx: Pick<ServerContext, 'ca'>,
  caId: string,
  readRequest: () => Uint8Array,
): Promise<SourcedOcspAnswer> {
  return answerOcspNow(ctx, caId, readRequest);
}

/**
 * `answerOcsp` for the lean HTTP layers (fast-path.ts, listener.ts): the answer itself when it is
 * known at once (a cache hit, a request that cannot be read), a promise only when the responder
 * has to work, so the common case costs no promise and no tick.
 */
export function answerOcspNow(
  ctx: Pick<ServerContext, 'ca'>,
  caId: string,
  readRequest: () => Uint8Array,
): SourcedOcspAnswer | Promise<SourcedOcspAnswer> {
  let der: Uint8Array;
  try {
    der = readRequest();
  } catch (error) {
    return { ...errorAnswer(error), source: 'responder' };
  }
  return cachedAnswer(ctx, caId, der) ?? respond(ctx, caId, der);
}

async function respond(ctx: Pick<ServerContext, 'ca'>, caId: string, der: Uint8Array): Promise<SourcedOcspAnswer> {
  let body: Uint8Array;
  try {
    body = await ctx.ca.ocspRespond(caId, der);
  } catch (error) {
    return { ...errorAnswer(error), source: 'responder' };
  }
  const status = inspect(body);
  if (status.response === 'malformedRequest') {
    // The responder decodes the request itself and says only malformedRequest: decoding it again
    // here, on this path alone, names the defect for the X-Keyline-Error-Code header.
    try {
      OcspRequest.fromDer(der);
    } catch (error) {
      if (isKeylineError(error)) return { ...errorAnswer(error), source: 'responder' };
    }
  }
  return {
    httpStatus: status.response === 'unparsable' ? 500 : OCSP_HTTP_STATUS[status.response],
    body,
    responseStatus: status.response,
    certStatus: status.cert,
    source: 'responder',
  };
}

/** The cached answer to a simple request (one CertID, no nonce), if the responder has it now. */
export function cachedAnswer(
  ctx: Pick<ServerContext, 'ca'>,
  caId: string,
  der: Uint8Array,
): SourcedOcspAnswer | undefined {
  const hit = cachedHit(ctx, caId, der);
  if (hit === undefined) return undefined;
  return { httpStatus: 200, body: hit.der, responseStatus: 'successful', certStatus: hit.certStatus, source: 'cache' };
}

/**
 * The responder's cached answer itself (see `cachedAnswer`), for the listener, which keeps the HTTP
 * bytes of each by its identity (answer-bytes.ts).
 */
export function cachedHit(ctx: Pick<ServerContext, 'ca'>, caId: string, der: Uint8Array): OcspCachedAnswer | undefined {
  if (ctx.ca.ocspCached === undefined) return undefined;
  const certId = simpleRequestCertId(der);
  return certId === undefined ? undefined : ctx.ca.ocspCached(caId, certId);
}

function errorAnswer(error: unknown): OcspAnswer {
  const keylineError = asKeylineError(error);
  const mapping = mappingFor(keylineError.code);
  return {
    httpStatus: OCSP_HTTP_STATUS[mapping.ocspStatus],
    body: buildOcspErrorResponse(mapping.ocspStatus),
    errorCode: keylineError.code,
    ...(mapping.ocspStatus === 'internalError' && { failure: error }),
    responseStatus: mapping.ocspStatus,
    certStatus: 'none',
  };
}

/** The statuses of a response the responder made, for the HTTP status and the metrics. */
function inspect(der: Uint8Array): { response: OcspResponseStatus | 'unparsable'; cert: string } {
  const quick = ocspStatusesOf(der);
  if (quick !== undefined) return quick;
  try {
    const response = OcspResponse.fromDer(der);
    return { response: response.status, cert: response.basic?.responses[0]?.certStatus.status ?? 'none' };
  } catch {
    return { response: 'unparsable', cert: 'none' };
  }
}
