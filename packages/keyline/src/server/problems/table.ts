import {
  ERROR_REGISTRY,
  isErrorCode,
  type ErrorCode,
  type ErrorKind,
  type OcspErrorStatus,
  type OcspResponseStatus,
} from '@keyline/core';

/**
 * How one error is answered on each face of the server: the REST API (an RFC 9457 problem
 * document), EST (RFC 7030 4.2.3: an HTTP error status with a body; the same problem document)
 * and OCSP (RFC 6960 4.2.1: an unsigned OCSPResponse carrying only an error status).
 */
export interface ErrorMapping {
  /** HTTP status of the problem document on /api/v1 and elsewhere. */
  readonly status: number;
  /** Short, fixed summary of the problem type (RFC 9457 3.1.3). */
  readonly title: string;
  /** HTTP status on EST paths (RFC 7030 has no 422; refusals on their merits are 400 there). */
  readonly estStatus: number;
  /** The OCSPResponseStatus answered on /ocsp (its HTTP status: OCSP_HTTP_STATUS). */
  readonly ocspStatus: OcspErrorStatus;
}

/**
 * HTTP status of an OCSP response by its OCSPResponseStatus. RFC 6960 A.1 defines none; a
 * malformed request is the client's fault (400) and our failures are 5xx, while `unauthorized`
 * (this responder does not serve that CA, RFC 6960 2.3) is an ordinary answer (200).
 */
export const OCSP_HTTP_STATUS: Readonly<Record<OcspResponseStatus, number>> = {
  successful: 200,
  malformedRequest: 400,
  internalError: 500,
  tryLater: 503,
  sigRequired: 200,
  unauthorized: 200,
};

/** The default per kind of error (packages/core/src/errors/spec.ts describes the kinds). */
const BY_KIND: Readonly<Record<ErrorKind, ErrorMapping>> = {
  input: { status: 400, title: 'Bad request', estStatus: 400, ocspStatus: 'malformedRequest' },
  invalid: {
    status: 422,
    title: 'Request refused',
    estStatus: 400,
    ocspStatus: 'malformedRequest',
  },
  state: { status: 409, title: 'Conflict', estStatus: 409, ocspStatus: 'unauthorized' },
  auth: { status: 403, title: 'Forbidden', estStatus: 403, ocspStatus: 'unauthorized' },
  internal: {
    status: 500,
    title: 'Internal error',
    estStatus: 500,
    ocspStatus: 'internalError',
  },
};

/**
 * THE table: every error code whose answer differs from its kind's default. Everything the server
 * answers with an error goes through `mappingFor` (routes never pick statuses themselves).
 */
const BY_CODE: Partial<Readonly<Record<ErrorCode, Partial<ErrorMapping>>>> = {
  // Authentication missing or failed: 401 (RFC 9110 15.5.2); the role not enough: 403 (the kind's default).
  ERR_SERVER_UNAUTHENTICATED: { status: 401, title: 'Unauthenticated', estStatus: 401 },
  ERR_SERVER_BAD_TOKEN: { status: 401, title: 'Unauthenticated', estStatus: 401 },
  ERR_SERVER_CLIENT_CERT_REQUIRED: { status: 401, title: 'Client certificate required', estStatus: 401 },
  ERR_SERVER_CLIENT_CERT_INVALID: { title: 'Client certificate refused' },
  // Lookups of what the URL names: 404. RFC 6960 2.3: a CA this responder does not serve is `unauthorized`.
  ERR_SERVER_NOT_FOUND: {
    status: 404,
    title: 'Not found',
    estStatus: 404,
    ocspStatus: 'unauthorized',
  },
  ERR_CA_NOT_FOUND: {
    status: 404,
    title: 'Not found',
    estStatus: 404,
    ocspStatus: 'unauthorized',
  },
  ERR_CA_CERTIFICATE_NOT_FOUND: { status: 404, title: 'Not found', estStatus: 404 },
  ERR_SERVER_EST_NO_DEFAULT_CA: { status: 404, title: 'Not found', estStatus: 404 },
  ERR_CA_NOT_ACTIVE: { title: 'CA not active', ocspStatus: 'unauthorized' },
  // The body itself: RFC 9110 15.5.14 (413) and 15.5.16 (415).
  ERR_SERVER_BODY_TOO_LARGE: { status: 413, title: 'Content too large', estStatus: 413 },
  ERR_SERVER_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', estStatus: 415 },
  // Refusals of a CSR on its merits.
  ERR_CA_CSR_SIGNATURE: { title: 'CSR signature invalid' },
  ERR_CA_PROFILE_VIOLATION: { title: 'Profile violation' },
  ERR_SERVER_REENROLL_MISMATCH: { title: 'Re-enrolment mismatch' },
  // A CRL that cannot be produced now is a temporary condition (RFC 9110 15.6.4).
  ERR_SERVER_CRL_UNAVAILABLE: { status: 503, title: 'CRL unavailable', estStatus: 503 },
  ERR_STORE_UNAVAILABLE: {
    status: 503,
    title: 'Database unavailable',
    estStatus: 503,
    ocspStatus: 'tryLater',
  },
  ERR_CA_FORBIDDEN: { title: 'Forbidden' },
  ERR_SERVER_FORBIDDEN: { title: 'Forbidden' },
  ERR_STORE_CONFLICT: { title: 'Conflict' },
  ERR_CA_ALREADY_REVOKED: { title: 'Already revoked' },
};

const FALLBACK = BY_KIND.internal;

/** The mapping of an error code (unknown codes are internal errors). */
export function mappingFor(code: string): ErrorMapping {
  if (!isErrorCode(code)) return FALLBACK;
  const base = BY_KIND[ERROR_REGISTRY[code].kind];
  const own = BY_CODE[code];
  return own === undefined ? base : { ...base, ...own };
}

/** The problem `type` URI of a code (RFC 9457 3.1.1); docs/errors.md lists the codes. */
export function problemType(code: string): string {
  return `urn:keyline:error:${code}`;
}
