import { fail } from '@keyline/core';
import type { CaRecord, CertificateRecord } from '../ca/records.js';
import type { Store } from '../ca/store-port.js';

/**
 * Finds a CA by its id or, for people typing commands, by its label (`keyline ca list` shows
 * both). An unknown CA is a negative answer (ERR_CA_NOT_FOUND, exit 1).
 */
export async function findCa(store: Store, ref: string): Promise<CaRecord> {
  const ca = (await store.cas.get(ref)) ?? (await store.cas.getByLabel(ref));
  if (ca === undefined)
    fail('ERR_CA_NOT_FOUND', `no CA "${ref}" here: keyline ca list shows the CAs of this data directory`);
  return ca;
}

/**
 * Finds a certificate by serial, at one CA when `caId` is given, otherwise at whichever CA issued
 * it. Two CAs may have issued the same serial; then the caller must name the CA with --ca.
 */
export async function findCertificate(store: Store, serialHex: string, caId?: string): Promise<CertificateRecord> {
  if (caId !== undefined) {
    const cert = await store.certificates.getBySerial(caId, serialHex);
    if (cert === undefined) {
      fail(
        'ERR_CA_CERTIFICATE_NOT_FOUND',
        `CA ${caId} has no certificate with serial ${serialHex}: see keyline cert list --ca ${caId}`,
      );
    }
    return cert;
  }
  const page = await store.certificates.search({ serialHex }, { limit: 2 });
  const [first, second] = page.items;
  if (first === undefined) {
    fail('ERR_CA_CERTIFICATE_NOT_FOUND', `no certificate with serial ${serialHex}: see keyline cert list`);
  }
  if (second !== undefined) {
    fail('ERR_CLI_BAD_OPTION', `serial ${serialHex} was issued by more than one CA: name the CA with --ca`, {
      option: '--ca',
    });
  }
  return first;
}
