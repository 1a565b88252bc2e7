import type { Certificate, RevocationAnswer, RevocationSource } from '@keyline/core';
import type { CaRecord } from '../../ca/records.js';
import type { Store } from '../../ca/store-port.js';

/**
 * Revocation from the data directory's own records ("local"), a RevocationSource for
 * verifyDevice: a certificate is `revoked` when the CA that issued it here recorded it as revoked,
 * `good` when that CA recorded it as valid with the same fingerprint, and `unknown` otherwise (an
 * issuer that is not a CA of this store, or a certificate its CA never recorded), which
 * verifyDevice refuses. This is the source the server's OCSP responder and CRLs answer from, read
 * directly, so a revocation counts at once, before any CRL is published.
 */
export class LocalRevocation implements RevocationSource {
  readonly #store: Store;
  /** CAs by certificate fingerprint: a CA's certificate never changes once installed, so this only grows. */
  #cas = new Map<string, CaRecord>();

  constructor(store: Store) {
    this.#store = store;
  }

  async check(certificate: Certificate, issuer: Certificate): Promise<RevocationAnswer> {
    const ca = await this.#caOf(issuer);
    if (ca === undefined) return { status: 'unknown', reason: 'its issuer is not a CA of this data directory' };
    const record = await this.#store.certificates.getBySerial(ca.id, certificate.serialHex);
    if (record === undefined) return { status: 'unknown', reason: `CA ${ca.label} has no record of it` };
    if (record.status === 'revoked') {
      const when = record.revokedAt === null ? '' : ` on ${record.revokedAt.toISOString()}`;
      return {
        status: 'revoked',
        reason: `revoked by CA ${ca.label}${when} (${record.revocationReason ?? 'unspecified'})`,
      };
    }
    if (record.status !== 'valid' || record.fingerprint !== certificate.fingerprint) {
      return { status: 'unknown', reason: `CA ${ca.label} records it as ${record.status}, not this certificate` };
    }
    return { status: 'good' };
  }

  /**
   * The CA of this store whose certificate is `issuer` (by fingerprint). The CAs are listed again
   * only for a fingerprint not seen yet (a CA made since), so a device costs no CA lookup.
   */
  async #caOf(issuer: Certificate): Promise<CaRecord | undefined> {
    const known = this.#cas.get(issuer.fingerprint);
    if (known !== undefined) return known;
    // A store holds a handful of CAs: one listing is cheaper than an index it does not have.
    const cas = await this.#store.cas.list();
    this.#cas = new Map(cas.flatMap((ca) => (ca.fingerprint === null ? [] : [[ca.fingerprint, ca] as const])));
    return this.#cas.get(issuer.fingerprint);
  }
}
