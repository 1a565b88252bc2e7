import {
  OID,
  crlRevocationSource,
  decodeAuthorityInfoAccess,
  decodeCrlDistributionPoints,
  ocspRevocationSource,
  type Certificate,
  type RevocationAnswer,
  type RevocationSource,
} from '@keyline/core';

/** How long one OCSP or CRL request may take. */
const FETCH_TIMEOUT_MS = 10_000;
/** Largest answer read: an OCSP response is a few hundred octets; a CRL of a large CA a few MB. */
const MAX_OCSP_OCTETS = 64 * 1024;
const MAX_CRL_OCTETS = 32 * 1024 * 1024;

/** The HTTP client used (injected by tests; the global `fetch` of Node 20 otherwise). */
export type HttpFetch = typeof fetch;

function httpUris(names: readonly string[]): string[] {
  return names.filter((uri) => /^https?:\/\//i.test(uri));
}

/** The OCSP responder URLs of the certificate's authorityInfoAccess (RFC 5280 4.2.2.1). */
export function ocspUrlsOf(certificate: Certificate): string[] {
  const access = certificate.decoded(OID.authorityInfoAccess, decodeAuthorityInfoAccess) ?? [];
  return httpUris(
    access.flatMap((a) => (a.method === OID.ocsp && a.location.type === 'uri' ? [a.location.value] : [])),
  );
}

/** The full-name URIs of the certificate's CRL distribution points (RFC 5280 4.2.1.13). */
export function crlUrlsOf(certificate: Certificate): string[] {
  const points = certificate.decoded(OID.cRLDistributionPoints, decodeCrlDistributionPoints) ?? [];
  return httpUris(
    points.flatMap((p) => p.fullName?.flatMap((name) => (name.type === 'uri' ? [name.value] : [])) ?? []),
  );
}

async function fetchBytes(http: HttpFetch, url: string, init: RequestInit, limit: number): Promise<Uint8Array> {
  const response = await http(url, { ...init, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
  if (response.status !== 200) throw new Error(`${url} answered HTTP ${response.status}`);
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > limit) throw new Error(`${url} answered more than ${limit} octets`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > limit) throw new Error(`${url} answered more than ${limit} octets`);
  return bytes;
}

/**
 * Revocation fetched from each certificate's own pointers, for `keyline verify-device
 * --revocation ocsp|crl`: `ocsp` POSTs a request (RFC 6960 A.1) to the responder named in the
 * certificate's AIA and has core's `ocspRevocationSource` check the signed answer; `crl` GETs the
 * CRL of its first HTTP distribution point (each URL once per source) and has core's
 * `crlRevocationSource` check it. A certificate without such a pointer, or a pointer that does not
 * answer, is `unknown`: verifyDevice then refuses the device (ERR_ATTEST_REVOCATION_UNKNOWN).
 */
export function fetchedRevocation(how: 'ocsp' | 'crl', http: HttpFetch = fetch): RevocationSource {
  if (how === 'ocsp') {
    return ocspRevocationSource({
      fetch: async (request, certificate) => {
        const [url] = ocspUrlsOf(certificate);
        if (url === undefined) throw new Error('the certificate names no OCSP responder (authorityInfoAccess)');
        return fetchBytes(
          http,
          url,
          { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: request },
          MAX_OCSP_OCTETS,
        );
      },
    });
  }
  const sources = new Map<string, Promise<RevocationSource>>();
  return {
    async check(certificate: Certificate, issuer: Certificate, time: Date): Promise<RevocationAnswer> {
      const [url] = crlUrlsOf(certificate);
      if (url === undefined) return { status: 'unknown', reason: 'the certificate names no CRL distribution point' };
      let source = sources.get(url);
      if (source === undefined) {
        source = fetchBytes(http, url, { method: 'GET' }, MAX_CRL_OCTETS).then((der) => crlRevocationSource(der));
        sources.set(url, source);
      }
      try {
        return await (await source).check(certificate, issuer, time);
      } catch (error) {
        return { status: 'unknown', reason: `the CRL at ${url} is unusable: ${(error as Error).message}` };
      }
    },
  };
}
