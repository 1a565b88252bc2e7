import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSigner } from '../../../src/crypto/signer.js';
import { KeylineError } from '../../../src/errors/keyline-error.js';
import { buildCrl } from '../../../src/x509/crl/build.js';
import { CertificateRevocationList } from '../../../src/x509/crl/certificate-revocation-list.js';
import * as der from '../../../src/x509/der/writer.js';
import { OID } from '../../../src/x509/oids.js';

/** Mutated valid CRLs either decode (and answer lookups) or fail with a KeylineError, never anything else. */
describe('CRL decoding under mutation', () => {
  it('throws only KeylineErrors', async () => {
    const good = await buildCrl({
      issuer: der.seq(der.setOf(der.seq(der.oid(OID.commonName), der.utf8('Fuzz CA')))),
      thisUpdate: new Date('2025-01-01T00:00:00Z'),
      nextUpdate: new Date('2025-01-02T00:00:00Z'),
      crlNumber: 77n,
      issuingDistributionPoint: {
        distributionPoint: { fullName: [{ type: 'uri', value: 'http://x/c.crl' }] },
        onlyContainsCACerts: true,
      },
      entries: [
        {
          serial: '01',
          revocationDate: new Date('2024-12-01T00:00:00Z'),
          reason: 'keyCompromise',
          invalidityDate: new Date('2024-11-30T00:00:00Z'),
        },
        { serial: '0203', revocationDate: new Date('2024-12-02T00:00:00Z') },
      ],
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
            const crl = CertificateRevocationList.fromDer(bytes);
            crl.isRevoked('01');
            expect(crl.revoked.length).toBe(crl.revokedCount);
          } catch (error) {
            if (!(error instanceof KeylineError)) throw error;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
