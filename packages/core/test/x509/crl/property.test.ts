import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSigner } from '../../../src/crypto/signer.js';
import { buildCrl } from '../../../src/x509/crl/build.js';
import { CertificateRevocationList } from '../../../src/x509/crl/certificate-revocation-list.js';
import { CRL_REASONS, type CrlReason } from '../../../src/x509/crl/reason.js';
import { verifyCrlSignature } from '../../../src/x509/crl/verify.js';
import * as der from '../../../src/x509/der/writer.js';
import { OID } from '../../../src/x509/oids.js';

const signer = generateSigner();
const issuer = der.seq(der.setOf(der.seq(der.oid(OID.commonName), der.utf8('Property CA'))));
const thisUpdate = new Date('2025-01-01T00:00:00Z');
const nextUpdate = new Date('2025-01-08T00:00:00Z');
/** Serials that fit 20 octets with their sign octet: 1 .. 2^159 - 1. */
const serialArb = fc.bigInt({ min: 1n, max: (1n << 159n) - 1n });
const reasons = (Object.keys(CRL_REASONS) as CrlReason[]).filter((r) => r !== 'removeFromCRL');

describe('CRL property: isRevoked finds exactly the serials listed', () => {
  it('holds for random serial sets', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.record({ serial: serialArb, reason: fc.option(fc.constantFrom(...reasons), { nil: undefined }) }),
          {
            maxLength: 200,
            selector: (e) => e.serial,
          },
        ),
        fc.array(serialArb, { maxLength: 50 }),
        async (entries, probes) => {
          const crlDer = await buildCrl({
            issuer,
            thisUpdate,
            nextUpdate,
            crlNumber: 1n,
            entries: entries.map((e, i) => ({
              serial: e.serial,
              revocationDate: new Date(thisUpdate.getTime() - i * 1000),
              reason: e.reason,
            })),
            signer,
          });
          const crl = CertificateRevocationList.fromDer(crlDer);
          expect(crl.revokedCount).toBe(entries.length);
          for (const [i, e] of entries.entries()) {
            const hit = crl.isRevoked(e.serial);
            expect(hit?.serialHex).toBe(der.integerContent(e.serial).length > 0 ? BigIntHex(e.serial) : '');
            expect(hit?.reason).toBe(e.reason === 'unspecified' ? undefined : e.reason);
            expect(hit?.revocationDate.getTime()).toBe(thisUpdate.getTime() - i * 1000);
          }
          const listed = new Set(entries.map((e) => e.serial));
          for (const probe of probes) expect(crl.isRevoked(probe) !== undefined).toBe(listed.has(probe));
          expect(verifyCrlSignature(crl, signer.publicKeySpki)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('indexes a CRL of 100 000 entries quickly and answers lookups in O(1)', async () => {
    const entries = Array.from({ length: 100_000 }, (_, i) => ({
      serial: BigInt(i) * 7919n + 1n,
      revocationDate: thisUpdate,
      reason: 'keyCompromise' as const,
    }));
    const crlDer = await buildCrl({ issuer, thisUpdate, nextUpdate, crlNumber: 9n, entries, signer });
    const start = performance.now();
    const crl = CertificateRevocationList.fromDer(crlDer);
    expect(crl.isRevoked(1n)?.reason).toBe('keyCompromise');
    const indexed = performance.now();
    for (let i = 0; i < 10_000; i++) expect(crl.isRevoked(BigInt(i) * 7919n + 1n)).toBeDefined();
    expect(crl.isRevoked(2n)).toBeUndefined();
    const looked = performance.now();
    expect(indexed - start).toBeLessThan(5_000);
    expect(looked - indexed).toBeLessThan(2_000);
  });
});

function BigIntHex(n: bigint): string {
  const hex = n.toString(16);
  return hex.length % 2 === 1 ? `0${hex}` : hex;
}
