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
import type { CaRecord } from './records.js';
import type { Actor } from './service-port.js';

const DAY_MS = 86_400_000;

/** A CA's delegated OCSP responder, ready to sign. */
export interface OcspSigner {
  readonly caId: string;
  readonly signer: Signer;
  readonly certificate: Certificate;
  /** ResponderID byKeyHash: SHA-1 of the responder's subjectPublicKey (RFC 6960 4.2.1). */
  readonly keyHash: Uint8Array;
  /** When to make the next one: a third of its life before it expires. */
  readonly renewAt: number;
}

function renewAt(cert: Certificate): number {
  const life = cert.notAfter.getTime() - cert.notBefore.getTime();
  return cert.notAfter.getTime() - life / 3;
}

/**
 * The CA's delegated OCSP signer (RFC 6960 4.2.2.2, KECP 5.6): the one on record when it is still
 * valid and not due for renewal, else a new one, made now: a P-256 key from the key provider, a
 * certificate by the OCSP signer profile (id-kp-OCSPSigning, id-pkix-ocsp-nocheck, short-lived)
 * issued by the CA through the issuance cycle, and recorded on the CA in the cycle's last
 * transaction. `force` makes a new one regardless.
 */
export async function ensureOcspSigner(
  ctx: AuthorityContext,
  caId: string,
  actor: Actor,
  force = false,
): Promise<OcspSigner> {
  const ca = await ctx.ca(caId);
  if (ca.certificateDer === null || ca.status === 'pending') {
    fail('ERR_CA_NOT_ACTIVE', `CA ${ca.id} is ${ca.status}: it has no certificate to answer for`);
  }
  if (!force && ca.ocspSignerDer !== null && ca.ocspSignerKeyUri !== null) {
    const current = Certificate.fromDer(ca.ocspSignerDer);
    const record = await ctx.store.certificates.getBySerial(ca.id, current.serialHex);
    if (record?.status === 'valid' && ctx.clock.now().getTime() < renewAt(current)) {
      return handle(ca, await ctx.signer(ca.ocspSignerKeyUri), current);
    }
  }
  return makeOcspSigner(ctx, ca, actor);
}

function handle(ca: CaRecord, signer: Signer, certificate: Certificate): OcspSigner {
  return {
    caId: ca.id,
    signer,
    certificate,
    keyHash: keyIdentifierFromSpki(certificate.spki),
    renewAt: renewAt(certificate),
  };
}

/** How far a new OCSP signer certificate's notBefore is set back from now. */
const SIGNER_BACKDATE_MS = 5 * 60_000;

async function makeOcspSigner(ctx: AuthorityContext, ca: CaRecord, actor: Actor): Promise<OcspSigner> {
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
      await tx.cas.setOcspSigner(ca.id, made!.certificate.der, keyUri);
      await ctx.audit(tx, actor, 'ca.ocsp-signer', ca.id, {
        serial: made!.record.serialHex,
        fingerprint: made!.certificate.fingerprint,
        keyUri,
        notAfter,
      });
    },
  });
  ctx.emit({ type: 'ca-changed', caId: ca.id });
  return handle(ca, signer, issued!.certificate);
}
