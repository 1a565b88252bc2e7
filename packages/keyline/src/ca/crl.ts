import {
  CertificateRevocationList,
  OID,
  buildCrl,
  decodeSubjectKeyIdentifier,
  fail,
  isKeylineError,
  keyIdentifierFromSpki,
} from '@keyline/core';
import { requireCaWrite } from './authorise.js';
import type { AuthorityContext } from './context.js';
import type { CrlRecord } from './records.js';
import { crlEntries } from './revoked-entries.js';
import type { Actor } from './service-port.js';

/**
 * A delta CRL lists revocations from a little before its base's thisUpdate: a revocation whose
 * time was read just before the base was made but committed just after would otherwise be in
 * neither. Listing a few entries the base has too is harmless (RFC 5280 5.2.4).
 */
const DELTA_OVERLAP_MS = 5 * 60_000;

const NUMBER_ATTEMPTS = 3;

/**
 * Signs and stores a full or delta CRL of a CA (RFC 5280 5): v2, authorityKeyIdentifier = the CA
 * certificate's subjectKeyIdentifier, cRLNumber one above any the CA used before (full and delta
 * share the sequence, 5.2.3), thisUpdate now and nextUpdate after the configured period; a delta
 * CRL carries deltaCRLIndicator = its base's number (5.2.4) and is refused (ERR_CA_NO_BASE_CRL)
 * when the CA has no full CRL yet. Entries: see revoked-entries.ts. Active and retired CAs only;
 * admins and the CA's manufacturer operators (and the system's refresher).
 */
export async function generateCrl(
  ctx: AuthorityContext,
  input: { readonly caId: string; readonly delta?: boolean },
  actor: Actor,
): Promise<CrlRecord> {
  const ca = await ctx.ca(input.caId);
  requireCaWrite(actor, ca, 'sign CRLs');
  if (ca.certificateDer === null) fail('ERR_CA_NOT_ACTIVE', `CA ${ca.id} is ${ca.status} and has no certificate`);
  const caCert = ctx.certificateOf(ca);
  const signer = await ctx.signer(ca.keyUri);
  const keyId =
    caCert.decoded(OID.subjectKeyIdentifier, decodeSubjectKeyIdentifier) ?? keyIdentifierFromSpki(caCert.spki);
  const delta = input.delta === true;
  for (let attempt = 1; ; attempt++) {
    const base = delta ? await ctx.store.crls.latest(ca.id, 'full') : undefined;
    if (delta && base === undefined) fail('ERR_CA_NO_BASE_CRL', `CA ${ca.id} has no full CRL yet`);
    const number = (await ctx.store.crls.lastNumber(ca.id)) + 1n;
    const thisUpdate = ctx.now();
    const nextUpdate = new Date(
      thisUpdate.getTime() + (delta ? ctx.options.deltaCrlValidityMs : ctx.options.crlValidityMs),
    );
    const since = base === undefined ? undefined : new Date(base.thisUpdate.getTime() - DELTA_OVERLAP_MS);
    const entries = await crlEntries(ctx.store, ca.id, since);
    const der = await buildCrl({
      issuer: caCert.subject.der,
      thisUpdate,
      nextUpdate,
      entries,
      crlNumber: number,
      authorityKeyIdentifier: keyId,
      ...(base !== undefined && { deltaCrlIndicator: base.number }),
      signer,
    });
    // What is served must be what Keyline itself accepts.
    CertificateRevocationList.fromDer(der);
    const record: CrlRecord = {
      caId: ca.id,
      number,
      delta,
      baseNumber: base?.number ?? null,
      thisUpdate,
      nextUpdate,
      der,
    };
    try {
      return await ctx.store.transaction(async (tx) => {
        const stored = await tx.crls.insert(record);
        await ctx.audit(tx, actor, 'crl.sign', ca.id, {
          number: number.toString(),
          delta,
          baseNumber: base?.number.toString(),
          entries: entries.length,
          thisUpdate,
          nextUpdate,
        });
        return stored;
      });
    } catch (error) {
      // Another CRL took this number meanwhile: sign again with the next one.
      if (!isKeylineError(error, 'ERR_STORE_CONFLICT') || attempt >= NUMBER_ATTEMPTS) throw error;
    }
  }
}
