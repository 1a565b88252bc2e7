import fc from 'fast-check';
import { describe, it } from 'vitest';
import { generateSigner } from '../../../src/crypto/signer.js';
import { KeylineError } from '../../../src/errors/keyline-error.js';
import { buildCsr } from '../../../src/x509/csr/build.js';
import { CertificationRequest } from '../../../src/x509/csr/certification-request.js';
import { verifyCsrSignature } from '../../../src/x509/csr/verify.js';
import * as der from '../../../src/x509/der/writer.js';
import { OID } from '../../../src/x509/oids.js';

describe('CSR decoding under mutation', () => {
  it('throws only KeylineErrors, also when checking the signature', async () => {
    const good = await buildCsr({
      subject: der.seq(der.setOf(der.seq(der.oid(OID.commonName), der.utf8('fuzz')))),
      extensions: [{ oid: OID.subjectAltName, critical: false, value: der.seq(der.ia5('fuzz.example', 0x82)) }],
      challengePassword: 'pw',
      signer: generateSigner(),
    });
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat({ max: good.length - 1 }), value: fc.integer({ min: 0, max: 255 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        (edits) => {
          const bytes = Uint8Array.from(good);
          for (const { at, value } of edits) bytes[at] = value;
          try {
            verifyCsrSignature(CertificationRequest.fromDer(bytes));
          } catch (error) {
            if (!(error instanceof KeylineError)) throw error;
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
