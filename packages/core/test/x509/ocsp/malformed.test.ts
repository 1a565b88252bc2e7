import { describe, expect, it } from 'vitest';
import { generateSigner } from '../../../src/crypto/signer.js';
import { Tag, contextConstructed, contextPrimitive } from '../../../src/x509/der/tags.js';
import * as der from '../../../src/x509/der/writer.js';
import { OID } from '../../../src/x509/oids.js';
import { buildOcspRequest } from '../../../src/x509/ocsp/build-request.js';
import { buildOcspResponse } from '../../../src/x509/ocsp/build-response.js';
import { certIdFor } from '../../../src/x509/ocsp/cert-id.js';
import { OcspRequest } from '../../../src/x509/ocsp/ocsp-request.js';
import { OcspResponse } from '../../../src/x509/ocsp/ocsp-response.js';
import { codeOf } from '../../crypto/openssl.js';

const NAME = der.seq(der.setOf(der.seq(der.oid(OID.commonName), der.utf8('Responder'))));
const ID = certIdFor(NAME, Uint8Array.of(4, 1, 2, 3), '1234');
const ECDSA = der.seq(der.oid(OID.ecdsaWithSha256));
const gt = (text: string) => der.tlv(Tag.GENERALIZED_TIME, Buffer.from(text));
const T = gt('20250601000000Z');
const GOOD = der.tlv(contextPrimitive(0), new Uint8Array(0));

function ext(oid: string, value: Uint8Array): Uint8Array {
  return der.seq(der.oid(oid), der.octets(value));
}

interface RequestParts {
  version?: Uint8Array;
  list?: Uint8Array[];
  extensions?: Uint8Array[];
}

function request(p: RequestParts = {}): Uint8Array {
  const tbs: Uint8Array[] = [];
  if (p.version) tbs.push(der.explicit(0, p.version));
  tbs.push(der.tlv(Tag.SEQUENCE, der.concat(p.list ?? [der.seq(ID.der)])));
  if (p.extensions) tbs.push(der.explicit(2, der.tlv(Tag.SEQUENCE, der.concat(p.extensions))));
  return der.seq(der.seq(...tbs));
}

interface ResponseParts {
  status?: Uint8Array;
  type?: string;
  version?: Uint8Array;
  responder?: Uint8Array;
  producedAt?: Uint8Array;
  singles?: Uint8Array[];
  extensions?: Uint8Array[];
  noBytes?: boolean;
}

function single(status: Uint8Array = GOOD, thisUpdate: Uint8Array = T, ...rest: Uint8Array[]): Uint8Array {
  return der.seq(ID.der, status, thisUpdate, ...rest);
}

function response(p: ResponseParts = {}): Uint8Array {
  const tbs: Uint8Array[] = [];
  if (p.version) tbs.push(der.explicit(0, p.version));
  tbs.push(p.responder ?? der.explicit(1, NAME), p.producedAt ?? T);
  tbs.push(der.tlv(Tag.SEQUENCE, der.concat(p.singles ?? [single()])));
  if (p.extensions) tbs.push(der.explicit(1, der.tlv(Tag.SEQUENCE, der.concat(p.extensions))));
  const basic = der.seq(der.seq(...tbs), ECDSA, der.bits(Uint8Array.of(1)));
  const status = p.status ?? der.int(0, Tag.ENUMERATED);
  if (p.noBytes) return der.seq(status);
  return der.seq(status, der.explicit(0, der.seq(der.oid(p.type ?? OID.ocspBasic), der.octets(basic))));
}

const parseReq = (bytes: Uint8Array) => () => OcspRequest.fromDer(bytes);
const parseResp = (bytes: Uint8Array) => () => OcspResponse.fromDer(bytes);

describe('OcspRequest refuses malformed requests with codes', () => {
  it('accepts the baseline', () => {
    expect(codeOf(parseReq(request()))).toBe('no error');
    expect(codeOf(parseReq(buildOcspRequest({ certIds: [ID, ID], nonce: Uint8Array.of(1) })))).toBe('no error');
  });

  it('refuses any explicit version (v1 is the DEFAULT, DER omits it)', () => {
    expect(codeOf(parseReq(request({ version: der.int(0) })))).toBe('ERR_OCSP_BAD_VERSION');
    expect(codeOf(parseReq(request({ version: der.int(1) })))).toBe('ERR_OCSP_BAD_VERSION');
  });

  it('refuses an empty request list, bad CertIDs and bad serials', () => {
    expect(codeOf(parseReq(request({ list: [] })))).toBe('ERR_X509_BAD_OCSP');
    const shortHash = der.seq(
      der.seq(der.oid(OID.sha1), der.nul()),
      der.octets(new Uint8Array(19)),
      der.octets(new Uint8Array(20)),
      der.int(1),
    );
    expect(codeOf(parseReq(request({ list: [der.seq(shortHash)] })))).toBe('ERR_X509_BAD_OCSP');
    const badParams = der.seq(
      der.seq(der.oid(OID.sha1), der.int(0)),
      der.octets(new Uint8Array(20)),
      der.octets(new Uint8Array(20)),
      der.int(1),
    );
    expect(codeOf(parseReq(request({ list: [der.seq(badParams)] })))).toBe('ERR_X509_BAD_OCSP');
    const negative = der.seq(
      der.seq(der.oid(OID.sha1)),
      der.octets(new Uint8Array(20)),
      der.octets(new Uint8Array(20)),
      der.int(-5),
    );
    expect(codeOf(parseReq(request({ list: [der.seq(negative)] })))).toBe('ERR_X509_BAD_SERIAL');
    // An unknown hash is kept as is (its lengths cannot be checked).
    const unknownHash = der.seq(
      der.seq(der.oid('1.2.3.4')),
      der.octets(new Uint8Array(3)),
      der.octets(new Uint8Array(3)),
      der.int(5),
    );
    const parsed = OcspRequest.fromDer(request({ list: [der.seq(unknownHash)] }));
    expect(parsed.requests[0]!.certId.hash).toBeUndefined();
  });

  it('refuses nonces that are not an OCTET STRING of 1 to 32 octets', () => {
    const withNonce = (value: Uint8Array) => parseReq(request({ extensions: [ext(OID.ocspNonce, value)] }));
    expect(codeOf(withNonce(der.octets(new Uint8Array(32))))).toBe('no error');
    expect(codeOf(withNonce(der.octets(new Uint8Array(33))))).toBe('ERR_OCSP_BAD_NONCE');
    expect(codeOf(withNonce(der.octets(new Uint8Array(0))))).toBe('ERR_OCSP_BAD_NONCE');
    expect(codeOf(withNonce(Uint8Array.of(1, 2, 3, 4)))).toBe('ERR_OCSP_BAD_NONCE'); // raw bytes, no inner OCTET STRING
    expect(codeOf(withNonce(der.int(5)))).toBe('ERR_OCSP_BAD_NONCE');
    expect(() => buildOcspRequest({ certIds: [ID], nonce: new Uint8Array(33) })).toThrow(
      expect.objectContaining({ code: 'ERR_X509_BUILD_INVALID' }),
    );
    expect(() => buildOcspRequest({ certIds: [] })).toThrow(
      expect.objectContaining({ code: 'ERR_X509_BUILD_INVALID' }),
    );
  });

  it('refuses truncation and trailing bytes', () => {
    const good = buildOcspRequest({ certIds: [ID], nonce: Uint8Array.of(9, 9) });
    expect(codeOf(parseReq(Uint8Array.from([...good, 0])))).toBe('ERR_DER_TRAILING_BYTES');
    for (let cut = 0; cut < good.length; cut++) expect(codeOf(parseReq(good.subarray(0, cut)))).toMatch(/^ERR_DER_/);
    expect(codeOf(parseReq(der.seq(der.seq(der.seq(der.seq(ID.der))), der.nul())))).toBe('ERR_DER_TRAILING_BYTES');
  });
});

describe('OcspResponse refuses malformed responses with codes', () => {
  it('accepts the baseline, and GeneralizedTime with fractional seconds', () => {
    expect(codeOf(parseResp(response()))).toBe('no error');
    const parsed = OcspResponse.fromDer(
      response({ producedAt: gt('20250601000000.5Z'), singles: [single(GOOD, gt('20250601000000.125Z'))] }),
    );
    expect(parsed.basic!.producedAt.toISOString()).toBe('2025-06-01T00:00:00.500Z');
    expect(parsed.basic!.responses[0]!.thisUpdate.toISOString()).toBe('2025-06-01T00:00:00.125Z');
    expect(codeOf(parseResp(response({ producedAt: gt('20250601000000.50Z') })))).toBe('ERR_DER_BAD_TIME');
    expect(codeOf(parseResp(response({ producedAt: gt('20250601000000+0100') })))).toBe('ERR_DER_BAD_TIME');
    expect(codeOf(parseResp(response({ producedAt: der.utcTime(new Date()) })))).toBe('ERR_DER_UNEXPECTED_TAG');
  });

  it('refuses undefined statuses and status/responseBytes combinations RFC 6960 forbids', () => {
    expect(codeOf(parseResp(response({ status: der.int(4, Tag.ENUMERATED), noBytes: true })))).toBe(
      'ERR_OCSP_BAD_STATUS',
    );
    expect(codeOf(parseResp(response({ status: der.int(7, Tag.ENUMERATED), noBytes: true })))).toBe(
      'ERR_OCSP_BAD_STATUS',
    );
    expect(codeOf(parseResp(response({ status: der.int(0), noBytes: true })))).toBe('ERR_DER_UNEXPECTED_TAG');
    expect(codeOf(parseResp(response({ noBytes: true })))).toBe('ERR_X509_BAD_OCSP');
    expect(codeOf(parseResp(response({ status: der.int(3, Tag.ENUMERATED) })))).toBe('ERR_X509_BAD_OCSP');
    expect(codeOf(parseResp(response({ type: '1.3.6.1.5.5.7.48.1.99' })))).toBe('ERR_OCSP_UNSUPPORTED_RESPONSE_TYPE');
  });

  it('refuses an explicit version, bad responder IDs and empty response lists', () => {
    expect(codeOf(parseResp(response({ version: der.int(0) })))).toBe('ERR_OCSP_BAD_VERSION');
    expect(codeOf(parseResp(response({ responder: der.explicit(2, der.octets(new Uint8Array(19))) })))).toBe(
      'ERR_X509_BAD_OCSP',
    );
    expect(codeOf(parseResp(response({ responder: der.explicit(3, NAME) })))).toBe('ERR_X509_BAD_OCSP');
    expect(
      codeOf(parseResp(response({ responder: der.tlv(contextConstructed(1), der.octets(Uint8Array.of(1))) }))),
    ).toBe('ERR_DER_UNEXPECTED_TAG');
    expect(codeOf(parseResp(response({ singles: [] })))).toBe('ERR_X509_BAD_OCSP');
  });

  it('refuses bad certStatus encodings and revocation reason 7', () => {
    const revoked = (...inner: Uint8Array[]) => der.tlv(contextConstructed(1), der.concat(inner));
    const reason = (code: number) => der.explicit(0, der.int(code, Tag.ENUMERATED));
    expect(codeOf(parseResp(response({ singles: [single(revoked(T, reason(1)))] })))).toBe('no error');
    expect(codeOf(parseResp(response({ singles: [single(revoked(T, reason(7)))] })))).toBe('ERR_CRL_BAD_REASON');
    expect(codeOf(parseResp(response({ singles: [single(revoked(T, reason(11)))] })))).toBe('ERR_CRL_BAD_REASON');
    expect(codeOf(parseResp(response({ singles: [single(revoked())] })))).toBe('ERR_DER_TRUNCATED');
    expect(codeOf(parseResp(response({ singles: [single(der.tlv(contextPrimitive(0), Uint8Array.of(0)))] })))).toBe(
      'ERR_DER_BAD_NULL',
    );
    expect(codeOf(parseResp(response({ singles: [single(der.tlv(contextPrimitive(3), new Uint8Array(0)))] })))).toBe(
      'ERR_X509_BAD_OCSP',
    );
    const withNext = single(GOOD, T, der.explicit(0, gt('20250602000000Z')));
    expect(OcspResponse.fromDer(response({ singles: [withNext] })).basic!.responses[0]!.nextUpdate?.toISOString()).toBe(
      '2025-06-02T00:00:00.000Z',
    );
    expect(codeOf(parseResp(response({ singles: [single(GOOD, T, der.explicit(0, T), der.nul())] })))).toBe(
      'ERR_DER_TRAILING_BYTES',
    );
  });

  it('refuses a bad response nonce and a malformed inner BasicOCSPResponse', () => {
    expect(codeOf(parseResp(response({ extensions: [ext(OID.ocspNonce, der.octets(new Uint8Array(40)))] })))).toBe(
      'ERR_OCSP_BAD_NONCE',
    );
    const inner = der.seq(
      der.int(0, Tag.ENUMERATED),
      der.explicit(0, der.seq(der.oid(OID.ocspBasic), der.octets(Uint8Array.of(0x30, 0x05)))),
    );
    expect(codeOf(parseResp(inner))).toMatch(/^ERR_DER_/);
  });

  it('refuses builder input that cannot form a response', async () => {
    const signer = generateSigner();
    const base = {
      responder: { byName: NAME },
      producedAt: new Date('2025-06-01T00:00:00Z'),
      responses: [
        { certId: ID, certStatus: { status: 'good' as const }, thisUpdate: new Date('2025-06-01T00:00:00Z') },
      ],
      signer,
    };
    await expect(buildOcspResponse(base)).resolves.toBeInstanceOf(Uint8Array);
    const bad = [
      { ...base, responses: [] },
      { ...base, responder: { byKeyHash: new Uint8Array(19) } },
      { ...base, responder: { byName: Uint8Array.of(1) } },
      { ...base, nonce: new Uint8Array(0) },
      { ...base, producedAt: new Date(Number.NaN) },
      { ...base, certs: [Uint8Array.of(2, 1, 0)] },
      { ...base, responses: [{ ...base.responses[0]!, nextUpdate: new Date('2025-05-01T00:00:00Z') }] },
      {
        ...base,
        responses: [
          {
            ...base.responses[0]!,
            certStatus: { status: 'revoked' as const, revocationTime: new Date(), reason: 'bogus' as never },
          },
        ],
      },
    ];
    for (const input of bad)
      await expect(buildOcspResponse(input)).rejects.toMatchObject({ code: 'ERR_X509_BUILD_INVALID' });
  });
});
