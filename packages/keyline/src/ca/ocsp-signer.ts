import {
  Certificate,
  KEYLINE_ATTRIBUTE,
  OID,
  Tag,
  buildTbsCertificate,
  decodeSubjectKeyIdentifier,
  der,
  encodeName,
  encodeSignatureAlgorithm,
  fail,
  keyIdentifierFromSpki,
  knownExtension,
  type NameAttributeInput,
  type Signer,
} from '@keyline/core';
import type { AuthorityContext } from './context.js';
import { runIssuanceCycle } from './issuance-cycle.js';
import { attributeOf, displayNameDer } from './names.js';
import type { CaRecord, CertificateRecord } from './records.js';
import type { Actor } from './service-port.js';

const DAY_MS = 86_400_000;

/** A CA's delegated OCSP responder, ready to sign. */
export interface OcspSigner {
  readonly caId: string;
  readonly signer: Signer;
  readonly certificate: Certificate;
  /** ResponderID byKeyHash: SHA-1 of the responder's subjectPublicKey (RFC 6960 4.2.1). */
  readonly keyHash: Uint8Array;
  /** When to make the next one: a third of its life before it expires, plus a little spread (RENEWAL_SPREAD). */
  readonly renewAt: number;
}

function renewAt(cert: Certificate): number {
  const life = cert.notAfter.getTime() - cert.notBefore.getTime();
  return cert.notAfter.getTime() - life / 3;
}

/**
 * The caller's `renewAt` is later than the due time by a random part of this share of the
 * certificate's life (at most 1/60: half a day of a 30-day signer). Processes serving the same CA
 * (`--ocsp-workers`) all hold the same certificate, so without it they would all come back for a
 * new one at the same moment and each make one; spread out, the first makes it and the others find
 * it on record. Only the compare-and-set below makes a second one harmless; this makes it rare.
 */
const RENEWAL_SPREAD = 1 / 60;

/** Rounds of make-and-compare before giving up (each lost round means another process just recorded one). */
const ATTEMPTS = 3;

/**
 * The CA's delegated OCSP signer (RFC 6960 4.2.2.2, KECP 5.6): the one on record when it is still
 * valid and not due for renewal, else a new one, made now: a P-256 key from the key provider, a
 * certificate by the OCSP signer profile (id-kp-OCSPSigning, id-pkix-ocsp-nocheck, short-lived)
 * issued by the CA through the issuance cycle, and recorded on the CA in the cycle's last
 * transaction. `force` makes a new one regardless.
 *
 * Several processes share a CA (`keyline serve --ocsp-workers`, the CLI beside a server) and each
 * may find the signer missing or due at the same time. A CA keeps exactly one signer: the new one
 * is recorded by compare-and-set against the signer this call read (`replaceOcspSigner`). When
 * another process recorded one first, ours is revoked (superseded) in that same transaction, with
 * its audit entry, so it is never valid and unaccounted for, and was never used to sign; the
 * caller gets the winner's signer (checked like any on record).
 */
export async function ensureOcspSigner(
  ctx: AuthorityContext,
  caId: string,
  actor: Actor,
  force = false,
): Promise<OcspSigner> {
  for (let attempt = 1; ; attempt++) {
    const ca = await ctx.ca(caId);
    if (ca.certificateDer === null || ca.status === 'pending') {
      fail('ERR_CA_NOT_ACTIVE', `CA ${ca.id} is ${ca.status}: it has no certificate to answer for`);
    }
    // After a lost round, the winner's signer is new: that satisfies `force` too.
    if (!force || attempt > 1) {
      const current = await onRecord(ctx, ca);
      if (current !== undefined) return current;
    }
    const made = await makeOcspSigner(ctx, ca, actor);
    if (made !== undefined) return made;
    if (attempt >= ATTEMPTS) {
      fail('ERR_STORE_CONFLICT', `CA ${ca.id}: other processes kept replacing its OCSP signer meanwhile`, {
        caId: ca.id,
      });
    }
  }
}

/** The signer on record, when it is valid and not due for renewal. */
async function onRecord(ctx: AuthorityContext, ca: CaRecord): Promise<OcspSigner | undefined> {
  if (ca.ocspSignerDer === null || ca.ocspSignerKeyUri === null) return undefined;
  const current = Certificate.fromDer(ca.ocspSignerDer);
  const record = await ctx.store.certificates.getBySerial(ca.id, current.serialHex);
  if (record?.status !== 'valid' || ctx.clock.now().getTime() >= renewAt(current)) return undefined;
  return handle(ctx, ca, await ctx.signer(ca.ocspSignerKeyUri), current);
}

function handle(ctx: AuthorityContext, ca: CaRecord, signer: Signer, certificate: Certificate): OcspSigner {
  const life = certificate.notAfter.getTime() - certificate.notBefore.getTime();
  const [a = 0, b = 0] = ctx.random.bytes(2);
  const spread = (((a << 8) | b) / 0x10000) * life * RENEWAL_SPREAD;
  return {
    caId: ca.id,
    signer,
    certificate,
    keyHash: keyIdentifierFromSpki(certificate.spki),
    renewAt: renewAt(certificate) + spread,
  };
}

/**
 * The key of a signer certificate revoked before its first use signs nothing ever again, so it is
 * destroyed (and the destruction audited) rather than left behind in keys/ or on the token. A
 * failure is reported, not thrown: the race's outcome is already committed, and the key stays
 * only as an unused key of a revoked certificate, as it did before.
 */
async function destroySupersededKey(ctx: AuthorityContext, ca: CaRecord, actor: Actor, keyUri: string): Promise<void> {
  ctx.forgetSigner(keyUri);
  if (ctx.keys.destroy === undefined) return;
  try {
    await ctx.keys.destroy(keyUri);
    await ctx.store.transaction((tx) =>
      ctx.audit(tx, actor, 'key.destroy', ca.id, {
        keyUri,
        why: 'the key of an OCSP signer certificate superseded before its first use',
      }),
    );
  } catch (error) {
    ctx.reportError(error, `destroying the superseded OCSP signer key ${keyUri}`);
  }
}

/** How far a new OCSP signer certificate's notBefore is set back from now. */
const SIGNER_BACKDATE_MS = 5 * 60_000;

/**
 * Makes a signer and records it if the CA's signer is still the one `ca` holds; undefined when
 * another process recorded one first (ours then revoked, see ensureOcspSigner).
 */
async function makeOcspSigner(ctx: AuthorityContext, ca: CaRecord, actor: Actor): Promise<OcspSigner | undefined> {
  const caCert = ctx.certificateOf(ca);
  const caSigner = await ctx.signer(ca.keyUri);
  const suffix = Buffer.from(ctx.random.bytes(4)).toString('hex');
  const { keyUri, signer } = await ctx.keys.generate({ curve: 'P-256', label: `${ca.label}-ocsp-${suffix}` });
  ctx.rememberSigner(keyUri, signer);
  const now = ctx.now();
  // Backdated a little (never before the CA's own notBefore): a verifier whose clock is a moment
  // behind ours must not see the responder of a fresh answer as not yet valid.
  const notBefore = new Date(Math.max(now.getTime() - SIGNER_BACKDATE_MS, caCert.notBefore.getTime()));
  const notAfter = new Date(
    Math.min(now.getTime() + ctx.options.ocspSignerValidityDays * DAY_MS, caCert.notAfter.getTime()),
  );
  const caName = attributeOf(caCert.subject, OID.commonName) ?? ca.label;
  const rdns: NameAttributeInput[] = [];
  const organization = attributeOf(caCert.subject, OID.organizationName);
  if (organization !== undefined) rdns.push({ type: OID.organizationName, value: organization });
  if (ca.manufacturerId !== null) {
    rdns.push({ type: KEYLINE_ATTRIBUTE.manufacturerId, value: ca.manufacturerId, tag: Tag.UTF8_STRING });
  }
  rdns.push({ type: OID.commonName, value: `${caName.slice(0, 48)} OCSP Responder` });
  const subject = encodeName(rdns.map((a) => [a]));
  const issuerKeyId =
    caCert.decoded(OID.subjectKeyIdentifier, decodeSubjectKeyIdentifier) ?? keyIdentifierFromSpki(caCert.spki);
  const extensions = [
    knownExtension('keyUsage', new Set(['digitalSignature'] as const), true),
    knownExtension('extKeyUsage', [OID.ocspSigning]),
    // RFC 6960 4.2.2.2.1: clients need not check this certificate's revocation status; value NULL.
    { oid: OID.ocspNoCheck, critical: false, value: der.nul() },
    knownExtension('subjectKeyIdentifier', keyIdentifierFromSpki(signer.publicKeySpki)),
    knownExtension('authorityKeyIdentifier', { keyIdentifier: issuerKeyId }),
  ];
  const algorithm = encodeSignatureAlgorithm(caSigner.algorithm);
  let superseded: CertificateRecord | undefined;
  const [issued] = await runIssuanceCycle(ctx, {
    caId: ca.id,
    issuer: caCert,
    signer: caSigner,
    actor,
    plans: [
      {
        profile: 'ocsp-signer',
        subject: displayNameDer(subject),
        buildTbs: (serial) =>
          buildTbsCertificate({
            serial: serial.bytes,
            issuer: caCert.subject.der,
            subject,
            notBefore,
            notAfter,
            spki: signer.publicKeySpki,
            extensions,
            signatureAlgorithm: algorithm,
          }),
      },
    ],
    after: async (tx, [made]) => {
      superseded = undefined;
      const swap = await tx.cas.replaceOcspSigner(ca.id, ca.ocspSignerDer, made!.certificate.der, keyUri);
      if (swap.replaced) {
        await ctx.audit(tx, actor, 'ca.ocsp-signer', ca.id, {
          serial: made!.record.serialHex,
          fingerprint: made!.certificate.fingerprint,
          keyUri,
          notAfter,
        });
        return;
      }
      // Lost the race: this certificate is signed and on record, so it is revoked here, in the
      // transaction that records it valid, under the same audit action as any revocation.
      const serial = made!.record.serialHex;
      superseded = await tx.certificates.revoke(made!.record.id, 'superseded', ctx.now());
      await ctx.audit(tx, actor, 'cert.revoke', `${ca.id}:${serial}`, {
        serial,
        reason: 'superseded',
        subject: made!.record.subject,
        profile: made!.record.profile,
        why: 'another process recorded an OCSP signer for the CA first',
        keyUri,
      });
    },
  });
  ctx.emit({ type: 'ca-changed', caId: ca.id });
  if (superseded !== undefined) {
    ctx.emit({ type: 'revoked', caId: ca.id, record: superseded });
    await destroySupersededKey(ctx, ca, actor, keyUri);
    return undefined;
  }
  return handle(ctx, ca, signer, issued!.certificate);
}
