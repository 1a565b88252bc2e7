import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSigner } from '../../../src/crypto/signer.js';
import { KeylineError } from '../../../src/errors/keyline-error.js';
import * as der from '../../../src/x509/der/writer.js';
import { OID } from '../../../src/x509/oids.js';
import { buildOcspRequest } from '../../../src/x509/ocsp/build-request.js';
import { buildOcspResponse } from '../../../src/x509/ocsp/build-response.js';
import { certIdFor } from '../../../src/x509/ocsp/cert-id.js';
import { OcspRequest } from '../../../src/x509/ocsp/ocsp-request.js';
import { OcspResponse } from '../../../src/x509/ocsp/ocsp-response.js';

function mutations(length: number) {
  return fc.array(fc.record({ at: fc.nat({ max: length - 1 }), value: fc.integer({ min: 0, max: 255 }) }), {
    minLength: 1,
    maxLength: 4,
  });
}

function onlyKeylineErrors(good: Uint8Array, decode: (bytes: Uint8Array) => unknown): void {
  fc.assert(
    fc.property(mutations(good.length), (edits) => {
      const bytes = Uint8Array.from(good);
      for (const { at, value } of edits) bytes[at] = value;
      try {
        decode(bytes);
      } catch (error) {
        if (!(error instanceof KeylineError)) throw error;
      }
    }),
    { numRuns: 2000 },
  );
}

describe('OCSP decoding under mutation', () => {
  const name = der.seq(der.setOf(der.seq(der.oid(OID.commonName), der.utf8('Fuzz'))));
  const id = certIdFor(name, Uint8Array.of(4, 5, 6), 0xabcdefn);

  it('requests throw only KeylineErrors', () => {
    onlyKeylineErrors(buildOcspRequest({ certIds: [id, id], nonce: Uint8Array.of(1, 2, 3) }), (b) =>
      OcspRequest.fromDer(b),
    );
  });

  it('responses throw only KeylineErrors', async () => {
    const good = await buildOcspResponse({
      responder: { byName: name },
      producedAt: new Date('2025-01-01T00:00:00Z'),
      responses: [
        {
          certId: id,
          certStatus: { status: 'revoked', revocationTime: new Date('2024-01-01T00:00:00Z'), reason: 'keyCompromise' },
          thisUpdate: new Date('2025-01-01T00:00:00Z'),
          nextUpdate: new Date('2025-01-02T00:00:00Z'),
        },
      ],
      nonce: Uint8Array.of(7, 7),
      signer: generateSigner(),
    });
    expect(OcspResponse.fromDer(good).basic?.responses).toHaveLength(1);
    onlyKeylineErrors(good, (b) => OcspResponse.fromDer(b));
  });
});
