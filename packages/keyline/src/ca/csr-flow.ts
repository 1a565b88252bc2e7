import {
  Certificate,
  CertificationRequest,
  KEYLINE_ATTRIBUTE,
  OID,
  buildCsr,
  fail,
  lint,
  parsePublicKeyInfo,
  signatureAlgorithmOf,
  verifyCsrSignature,
  verifySignature,
  type Profile,
} from '@keyline/core';
import { requireAdmin } from './authorise.js';
import { checkParentKind, checkYears, insertCa } from './ca-setup.js';
import type { AuthorityContext } from './context.js';
import { newId } from './ids.js';
import { chooseLabel } from './labels.js';
import { attributeOf, caSubjectDer, checkDirectoryString, displayName, displayNameDer } from './names.js';
import type { CaRecord, CertificateRecord } from './records.js';
import type { Actor, CertificateAuthorityService, CreateCaInput } from './service-port.js';
import { SUBORDINATE_PROFILE, checkCaInput, issueSubordinateCertificate } from './subordinate.js';

/**
 * A CA whose parent is kept offline (issue 3: `keyline ca csr` → `ca sign-csr` on the offline side
 * → `ca install`): the key is made here and a PKCS #10 request written; the CA stays `pending`
 * until `installCa` checks and installs the certificate the parent signed.
 */
export async function createCaCsr(
  ctx: AuthorityContext,
  input: Omit<CreateCaInput, 'parentId'> & { readonly parentId?: string },
  actor: Actor,
): Promise<{ readonly ca: CaRecord; readonly csrDer: Uint8Array }> {
  requireAdmin(actor, 'create a CA');
  const { name, manufacturerId, productId, curve } = checkCaInput(input);
  let parentId: string | null = null;
  if (input.parentId !== undefined) {
    const parent = await ctx.ca(input.parentId);
    checkParentKind(parent, input.kind, manufacturerId);
    parentId = parent.id;
  }
  if (input.validityYears !== undefined) {
    checkYears(input.validityYears, SUBORDINATE_PROFILE[input.kind].validity.maxYears ?? 15);
  }
  const manufacturer = await ctx.store.manufacturers.get(manufacturerId);
  const organization = checkDirectoryString(input.organization ?? manufacturer?.name ?? name, 'organization');
  const label = await chooseLabel(ctx.store, input.label, name);
  const id = newId('ca', ctx.random);
  const { keyUri, signer } = await ctx.keys.generate({ keyUri: input.keyUri, curve, label });
  ctx.rememberSigner(keyUri, signer);
  const subjectDer = caSubjectDer({ commonName: name, organization, manufacturerId, productId });
  const csrDer = await buildCsr({ subject: subjectDer, signer });
  const ca = await ctx.store.transaction(async (tx) => {
    const record = await insertCa(
      ctx,
      tx,
      actor,
      {
        id,
        label,
        kind: input.kind,
        parentId,
        subject: displayNameDer(subjectDer),
        manufacturerId,
        productId: productId ?? null,
        keyUri,
        certificateDer: null,
        csrDer,
        status: 'pending',
        fingerprint: null,
        ocspSignerDer: null,
        ocspSignerKeyUri: null,
        createdAt: ctx.now(),
      },
      organization,
    );
    await ctx.audit(tx, actor, 'ca.csr', id, { kind: input.kind, subject: record.subject });
    return record;
  });
  return { ca, csrDer };
}

function violation(message: string, id = 'ca.csr'): never {
  return fail('ERR_CA_PROFILE_VIOLATION', message, {
    findings: [{ id, severity: 'error', message, clause: 'KECP 5' }],
  });
}

/** Parses a CSR and checks its proof of possession (ERR_CA_CSR_SIGNATURE) and key (per `profile`). */
export function checkedCsr(csrDer: Uint8Array, profile: Profile): CertificationRequest {
  if (!(csrDer instanceof Uint8Array)) fail('ERR_CA_BAD_INPUT', 'the CSR must be DER bytes');
  const csr = CertificationRequest.fromDer(csrDer);
  if (!verifyCsrSignature(csr)) fail('ERR_CA_CSR_SIGNATURE');
  const key = parsePublicKeyInfo(csr.spki);
  if (key.algorithm !== 'ec' || !(profile.curves as readonly string[]).includes(key.curve)) {
    violation(
      `the ${profile.title} profile needs an ECDSA key on ${profile.curves.join(' or ')} (KECP 4.3); the CSR has ${key.algorithm === 'ec' ? key.curve : key.algorithm}`,
      'kecp.subject-key',
    );
  }
  return csr;
}

/**
 * The offline parent's side: signs a subordinate CA's CSR by the profile of `kind`. The subject's
 * commonName and organizationName come from the CSR; the manufacturer and product ids are the
 * operator's (a CSR that names others is refused). Admins only.
 */
export async function signCaCsr(
  ctx: AuthorityContext,
  input: Parameters<CertificateAuthorityService['signCaCsr']>[0],
  actor: Actor,
): Promise<CertificateRecord> {
  requireAdmin(actor, 'sign a CA certificate');
  const { manufacturerId, productId } = checkCaInput({ ...input, name: 'placeholder' });
  const parent = await ctx.activeCa(input.parentId);
  checkParentKind(parent, input.kind, manufacturerId);
  const csr = checkedCsr(input.csrDer, SUBORDINATE_PROFILE[input.kind]);
  const commonName = attributeOf(csr.subject, OID.commonName);
  const organization = attributeOf(csr.subject, OID.organizationName);
  if (commonName === undefined || organization === undefined) {
    violation('a CA CSR names the CA with commonName and organizationName (KECP 5.2, 5.3)');
  }
  const asked = attributeOf(csr.subject, KEYLINE_ATTRIBUTE.manufacturerId);
  if (asked !== undefined && asked !== manufacturerId) {
    violation(`the CSR names manufacturer "${asked}", not "${manufacturerId}"`, 'kecp.manufacturer-matches-issuer');
  }
  const askedProduct = attributeOf(csr.subject, KEYLINE_ATTRIBUTE.productId);
  if (askedProduct !== undefined && askedProduct !== productId) {
    violation(`the CSR names product "${askedProduct}", not "${productId ?? '(none)'}"`);
  }
  const issued = await issueSubordinateCertificate(ctx, {
    parent,
    kind: input.kind,
    commonName: checkDirectoryString(commonName, 'the CSR commonName'),
    organization: checkDirectoryString(organization, 'the CSR organizationName'),
    manufacturerId,
    productId,
    spki: csr.spki,
    validityYears: input.validityYears,
    actor,
  });
  return issued.record;
}

/** Options of `installCa` beyond the port's. */
export interface InstallCaOptions {
  /**
   * The parent's certificate (DER), when the parent is not a CA of this deployment (an offline root
   * kept elsewhere). Not needed when the pending CA names a local parent.
   */
  readonly parentCertificateDer?: Uint8Array;
}

/**
 * Installs the certificate of a `pending` CA and activates it, after checking that it certifies the
 * pending CA's own key (ERR_CA_CERTIFICATE_MISMATCH), is issued by and verifies under the parent's
 * certificate, and lints clean by the kind's profile with that parent (ERR_CA_PROFILE_VIOLATION).
 */
export async function installCa(
  ctx: AuthorityContext,
  caId: string,
  certificateDer: Uint8Array,
  actor: Actor,
  options: InstallCaOptions = {},
): Promise<CaRecord> {
  requireAdmin(actor, 'install a CA certificate');
  const ca = await ctx.ca(caId);
  if (ca.status !== 'pending' || ca.kind === 'root') fail('ERR_CA_NOT_PENDING', `CA ${ca.id} is ${ca.status}`);
  if (!(certificateDer instanceof Uint8Array)) fail('ERR_CA_BAD_INPUT', 'the certificate must be DER bytes');
  const cert = Certificate.fromDer(certificateDer);
  const expectedSpki =
    ca.csrDer !== null ? CertificationRequest.fromDer(ca.csrDer).spki : (await ctx.signer(ca.keyUri)).publicKeySpki;
  if (Buffer.compare(cert.spki, expectedSpki) !== 0) {
    fail('ERR_CA_CERTIFICATE_MISMATCH', `the certificate is not for the key of CA ${ca.id}`);
  }
  let parentCert: Certificate;
  if (ca.parentId !== null) {
    parentCert = ctx.certificateOf(await ctx.ca(ca.parentId));
  } else if (options.parentCertificateDer !== undefined) {
    parentCert = Certificate.fromDer(options.parentCertificateDer);
  } else {
    return fail('ERR_CA_BAD_INPUT', `CA ${ca.id} names no parent here: give the parent's certificate`);
  }
  const signedByParent =
    Buffer.compare(cert.issuer.der, parentCert.subject.der) === 0 &&
    verifySignature({
      algorithm: signatureAlgorithmOf(cert.signatureAlgorithm),
      publicKey: parentCert.spki,
      data: cert.tbs,
      signature: cert.signatureValue,
    });
  if (!signedByParent)
    fail('ERR_CA_CERTIFICATE_MISMATCH', `the certificate was not issued by the parent of CA ${ca.id}`);
  const now = ctx.now();
  if (cert.notAfter.getTime() <= now.getTime()) fail('ERR_CA_CERTIFICATE_MISMATCH', 'the certificate has expired');
  if (attributeOf(cert.subject, KEYLINE_ATTRIBUTE.manufacturerId) !== (ca.manufacturerId ?? undefined)) {
    fail('ERR_CA_CERTIFICATE_MISMATCH', `the certificate does not name manufacturer "${ca.manufacturerId ?? ''}"`);
  }
  const profile = SUBORDINATE_PROFILE[ca.kind];
  const errors = lint(cert, profile, { issuer: parentCert }).filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    fail(
      'ERR_CA_PROFILE_VIOLATION',
      `the certificate is not a valid ${profile.title}: ${errors.map((f) => `${f.id}: ${f.message}`).join('; ')}`,
      { findings: errors },
    );
  }
  const installed = await ctx.store.transaction(async (tx) => {
    const record = await tx.cas.install(ca.id, cert.der, cert.fingerprint);
    await ctx.audit(tx, actor, 'ca.install', ca.id, {
      fingerprint: cert.fingerprint,
      serial: cert.serialHex,
      subject: displayName(cert.subject),
    });
    return record;
  });
  ctx.emit({ type: 'ca-changed', caId: ca.id });
  return installed;
}
