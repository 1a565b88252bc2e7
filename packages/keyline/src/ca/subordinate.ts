import {
  ISSUING_CA_PROFILE,
  MANUFACTURER_CA_PROFILE,
  buildTbsCertificate,
  deriveSignerSerial,
  encodeSignatureAlgorithm,
  fail,
  subordinateCaFields,
  type CertificateFields,
} from '@keyline/core';
import { requireAdmin } from './authorise.js';
import {
  checkCurve,
  checkManufacturerId,
  checkParentKind,
  checkProductId,
  checkYears,
  insertCa,
  wholeYearsUntil,
} from './ca-setup.js';
import type { AuthorityContext } from './context.js';
import { newId } from './ids.js';
import { runIssuanceCycle, type IssuedCertificate } from './issuance-cycle.js';
import { chooseLabel } from './labels.js';
import { caSubjectDer, checkDirectoryString, displayNameDer } from './names.js';
import type { CaRecord } from './records.js';
import type { Actor, CreateCaInput } from './service-port.js';
import type { AllocatedSerial } from './serial.js';
import type { Store } from './store-port.js';

/** The profile of each subordinate kind. */
export const SUBORDINATE_PROFILE = {
  manufacturer: MANUFACTURER_CA_PROFILE,
  issuing: ISSUING_CA_PROFILE,
} as const;

/** What a subordinate CA certificate says. */
export interface SubordinateRequest {
  readonly parent: CaRecord;
  readonly kind: 'manufacturer' | 'issuing';
  readonly commonName: string;
  readonly organization: string;
  readonly manufacturerId: string;
  readonly productId?: string | undefined;
  /** DER SubjectPublicKeyInfo of the new CA's key. */
  readonly spki: Uint8Array;
  /** Explicit validity; default: the kind's default, shortened to what the parent has left. */
  readonly validityYears?: number | undefined;
  readonly actor: Actor;
  readonly before?: (tx: Store) => Promise<void>;
  readonly after?: (tx: Store, issued: IssuedCertificate) => Promise<void>;
}

/**
 * Issues a manufacturer CA (KECP 5.2, pathLen 1) or issuing CA (KECP 5.3, pathLen 0) certificate
 * with `parent`'s key through the issuance cycle; the record belongs to the parent (it lists it in
 * its CRLs and answers OCSP for it).
 */
export async function issueSubordinateCertificate(
  ctx: AuthorityContext,
  request: SubordinateRequest,
): Promise<IssuedCertificate> {
  const { parent, kind } = request;
  const profile = SUBORDINATE_PROFILE[kind];
  const parentCert = ctx.certificateOf(parent);
  // An issuing CA's certificate is made compressible (docs/compressed-certificates.md, "Signer"):
  // notBefore on the whole UTC hour, whole years, serial derived from the key and the dates, so the
  // factory can store it in a chip's 72 octets and devices rebuild it byte-exact. The hour may start
  // before the parent's notBefore: a warning of KECP 4.4's lint, not an error (RFC 5280 has no such rule).
  const compressible = kind === 'issuing';
  const notBefore = compressible ? wholeHour(ctx.now()) : ctx.now();
  const maxYears = profile.validity.maxYears ?? 15;
  let validityYears: number;
  if (request.validityYears !== undefined) {
    validityYears = checkYears(request.validityYears, maxYears);
  } else {
    const fits = wholeYearsUntil(notBefore, parentCert.notAfter);
    if (fits < 1) {
      fail(
        'ERR_CA_PROFILE_VIOLATION',
        `CA ${parent.id} expires within a year: a CA may not outlive its issuer (KECP 4.4)`,
      );
    }
    validityYears = Math.min(fits, maxYears, ctx.options.validityYears[kind]);
  }
  const signer = await ctx.signer(parent.keyUri);
  const algorithm = encodeSignatureAlgorithm(signer.algorithm);
  const url = ctx.options.publicUrl;
  const fields = (serial: Uint8Array): CertificateFields =>
    subordinateCaFields({
      kind: kind === 'manufacturer' ? 'manufacturer-ca' : 'issuing-ca',
      issuer: parentCert,
      commonName: request.commonName,
      organization: request.organization,
      manufacturerId: request.manufacturerId,
      ...(request.productId !== undefined && { productId: request.productId }),
      serial,
      notBefore,
      validityYears,
      spki: request.spki,
      ...(url !== undefined && { crlUrl: `${url}/crl/${parent.id}.crl`, ocspUrl: `${url}/ocsp/${parent.id}` }),
    });
  const subject = displayNameDer(caSubjectDer(request));
  let serial: AllocatedSerial | undefined;
  if (compressible) {
    const notAfter = new Date(notBefore.getTime());
    notAfter.setUTCFullYear(notAfter.getUTCFullYear() + validityYears);
    const bytes = deriveSignerSerial(request.spki, notBefore, notAfter);
    serial = { bytes, hex: Buffer.from(bytes).toString('hex') };
  }
  const [issued] = await runIssuanceCycle(ctx, {
    caId: parent.id,
    issuer: parentCert,
    signer,
    actor: request.actor,
    plans: [
      {
        profile: profile.name,
        subject,
        buildTbs: (serial) => buildTbsCertificate({ ...fields(serial.bytes), signatureAlgorithm: algorithm }),
        details: { kind, ...(compressible && { compressible: true }) },
        ...(serial !== undefined && { serial }),
      },
    ],
    ...(request.before !== undefined && { before: request.before }),
    ...(request.after !== undefined && { after: (tx, list) => request.after!(tx, list[0]!) }),
  });
  return issued!;
}

/** The start of the UTC hour `at` falls in. */
function wholeHour(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000);
}

/** Checks a CreateCaInput's own fields (not yet against the parent). */
export function checkCaInput(input: Omit<CreateCaInput, 'parentId'>): {
  name: string;
  manufacturerId: string;
  productId: string | undefined;
  curve: 'P-256' | 'P-384';
} {
  if (input.kind !== 'manufacturer' && input.kind !== 'issuing') {
    fail('ERR_CA_BAD_INPUT', 'kind must be manufacturer or issuing');
  }
  const name = checkDirectoryString(input.name, 'name');
  const manufacturerId = checkManufacturerId(input.manufacturerId);
  let productId: string | undefined;
  if (input.productId !== undefined) {
    if (input.kind !== 'issuing') fail('ERR_CA_BAD_INPUT', 'only an issuing CA carries a product id (KECP 5.3)');
    productId = checkProductId(input.productId);
  }
  // A manufacturer CA signs rarely and long (P-384); an issuing CA signs devices at line rate (P-256).
  const curve = checkCurve(
    input.curve ?? (input.kind === 'manufacturer' ? 'P-384' : 'P-256'),
    SUBORDINATE_PROFILE[input.kind].curves,
  );
  return { name, manufacturerId, productId, curve };
}

/**
 * A CA under a parent that is online in this deployment: its key made where `keyUri` says, its
 * certificate issued by the parent through the cycle, its record inserted pending in the cycle's
 * first transaction and activated in the last. Admins only.
 */
export async function createCa(ctx: AuthorityContext, input: CreateCaInput, actor: Actor): Promise<CaRecord> {
  requireAdmin(actor, 'create a CA');
  const { name, manufacturerId, productId, curve } = checkCaInput(input);
  const parent = await ctx.activeCa(input.parentId);
  checkParentKind(parent, input.kind, manufacturerId);
  const manufacturer = await ctx.store.manufacturers.get(manufacturerId);
  const organization = checkDirectoryString(input.organization ?? manufacturer?.name ?? name, 'organization');
  if (input.validityYears !== undefined)
    checkYears(input.validityYears, SUBORDINATE_PROFILE[input.kind].validity.maxYears ?? 15);
  const label = await chooseLabel(ctx.store, input.label, name);
  const id = newId('ca', ctx.random);
  const { keyUri, signer } = await ctx.keys.generate({ keyUri: input.keyUri, curve, label });
  ctx.rememberSigner(keyUri, signer);
  const createdAt = ctx.now();
  let installed: CaRecord | undefined;
  await issueSubordinateCertificate(ctx, {
    parent,
    kind: input.kind,
    commonName: name,
    organization,
    manufacturerId,
    productId,
    spki: signer.publicKeySpki,
    validityYears: input.validityYears,
    actor,
    before: async (tx) => {
      await insertCa(
        ctx,
        tx,
        actor,
        {
          id,
          label,
          kind: input.kind,
          parentId: parent.id,
          subject: displayNameDer(caSubjectDer({ commonName: name, organization, manufacturerId, productId })),
          manufacturerId,
          productId: productId ?? null,
          keyUri,
          certificateDer: null,
          csrDer: null,
          status: 'pending',
          fingerprint: null,
          ocspSignerDer: null,
          ocspSignerKeyUri: null,
          createdAt,
        },
        organization,
      );
    },
    after: async (tx, issued) => {
      installed = await tx.cas.install(id, issued.certificate.der, issued.certificate.fingerprint);
      await ctx.audit(tx, actor, 'ca.activate', id, {
        fingerprint: issued.certificate.fingerprint,
        serial: issued.record.serialHex,
      });
    },
  });
  ctx.emit({ type: 'ca-changed', caId: id });
  return installed!;
}
