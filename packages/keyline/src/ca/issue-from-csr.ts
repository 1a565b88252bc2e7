import {
  Certificate,
  DEVICE_ID_PATTERN,
  DEVICE_PROFILE,
  KEYLINE_POLICY,
  LDEVID_PROFILE,
  OID,
  buildTbsCertificate,
  decodeKeyUsage,
  decodeSubjectKeyIdentifier,
  encodeSignatureAlgorithm,
  fail,
  isKeylineError,
  keyIdentifierFromSpki,
  knownExtension,
  crlDistributionPointsFromUris,
  type CertificationRequest,
  type Extension,
  type KeyUsageName,
} from '@keyline/core';
import { requireCaWrite } from './authorise.js';
import type { AuthorityContext } from './context.js';
import { checkedCsr } from './csr-flow.js';
import { deviceFieldsFromSubject, devicePlan, requireEndEntityIssuer } from './device-issue.js';
import { runIssuanceCycle, type CyclePlan } from './issuance-cycle.js';
import { attributeOf, displayName, hasControlCharacters } from './names.js';
import type { CaRecord, CertificateRecord } from './records.js';
import type { Actor, IssueInput, IssueResult } from './service-port.js';

const DAY_MS = 86_400_000;

/** A request id: 1–200 printable characters. */
export function checkRequestId(requestId: unknown): string | undefined {
  if (requestId === undefined) return undefined;
  if (
    typeof requestId !== 'string' ||
    requestId.length < 1 ||
    requestId.length > 200 ||
    hasControlCharacters(requestId)
  ) {
    fail('ERR_CA_BAD_INPUT', 'a request id is 1–200 printable characters');
  }
  return requestId;
}

/**
 * The answer to a request id used before at this CA: the same certificate when the request is for
 * the same key (`reused`), else ERR_CA_REQUEST_ID_CONFLICT; an unfinished one is
 * ERR_CA_REQUEST_PENDING, a failed one ERR_CA_REQUEST_FAILED.
 */
export function reuse(existing: CertificateRecord, spki: Uint8Array): IssueResult {
  if (existing.status === 'reserved' || existing.status === 'signing') {
    fail('ERR_CA_REQUEST_PENDING', undefined, { requestId: existing.requestId, serial: existing.serialHex });
  }
  if (existing.status === 'failed' || existing.der === null) {
    fail('ERR_CA_REQUEST_FAILED', undefined, { requestId: existing.requestId, serial: existing.serialHex });
  }
  if (Buffer.compare(Certificate.fromDer(existing.der).spki, spki) !== 0) {
    fail('ERR_CA_REQUEST_ID_CONFLICT', `request id "${existing.requestId ?? ''}" was used for another key at this CA`);
  }
  return { record: existing, reused: true };
}

/**
 * Issues a device IDevID or an operational LDevID from a PKCS #10 request (issue 3, `keyline
 * issue`): the CSR's signature is the proof of possession (ERR_CA_CSR_SIGNATURE), its key must fit
 * the profile, the certificate is built by the profile (the CSR's requested extensions are not
 * copied, except an LDevID's subjectAltName), linted and issued through the cycle. A request id used
 * before at the CA returns that certificate without signing.
 */
export async function issueFromCsr(ctx: AuthorityContext, input: IssueInput, actor: Actor): Promise<IssueResult> {
  if (input === null || typeof input !== 'object') fail('ERR_CA_BAD_INPUT', 'an issue request is needed');
  if (input.profile !== 'device' && input.profile !== 'ldevid') {
    fail('ERR_CA_BAD_INPUT', 'profile must be device or ldevid');
  }
  const requestId = checkRequestId(input.requestId);
  if (input.validityDays !== undefined && (!Number.isInteger(input.validityDays) || input.validityDays < 1)) {
    fail('ERR_CA_BAD_INPUT', 'validityDays must be a positive whole number');
  }
  const ca = await ctx.ca(input.caId);
  requireCaWrite(actor, ca, 'issue certificates');
  const csr = checkedCsr(input.csrDer, input.profile === 'device' ? DEVICE_PROFILE : LDEVID_PROFILE);
  if (requestId === undefined) return issueChecked(ctx, ca, csr, input, actor);

  const existing = await ctx.store.certificates.getByRequestId(ca.id, requestId);
  if (existing !== undefined) return reuse(existing, csr.spki);
  const key = `${ca.id}\n${requestId}`;
  const running = ctx.pendingRequests.get(key) as Promise<IssueResult> | undefined;
  if (running !== undefined) {
    const first = await running;
    return reuse(first.record, csr.spki);
  }
  const promise = issueChecked(ctx, ca, csr, { ...input, requestId }, actor);
  ctx.pendingRequests.set(key, promise);
  try {
    return await promise;
  } catch (error) {
    // Another process took the id meanwhile: once it has finished, its certificate is the answer.
    if (isKeylineError(error, 'ERR_CA_REQUEST_PENDING')) {
      const taken = await ctx.store.certificates.getByRequestId(ca.id, requestId);
      if (taken !== undefined) return reuse(taken, csr.spki);
    }
    throw error;
  } finally {
    ctx.pendingRequests.delete(key);
  }
}

async function issueChecked(
  ctx: AuthorityContext,
  ca: CaRecord,
  csr: CertificationRequest,
  input: IssueInput,
  actor: Actor,
): Promise<IssueResult> {
  if (ca.status !== 'active') fail('ERR_CA_NOT_ACTIVE', `CA ${ca.id} is ${ca.status}; only an active CA issues`);
  requireEndEntityIssuer(ca, input.profile);
  await ctx.requireUnrevokedChain(ca);
  const signer = await ctx.signer(ca.keyUri);
  const plan =
    input.profile === 'device'
      ? await devicePlan(ctx, ca, {
          ...deviceFieldsFromSubject(ca, csr.subject.rdns),
          publicKey: csr.spki,
          keyAgreement: requestedKeyUsage(csr).has('keyAgreement'),
          validityDays: input.validityDays,
          requestId: input.requestId ?? null,
        })
      : ldevidPlan(ctx, ca, csr, input, encodeSignatureAlgorithm(signer.algorithm));
  const [issued] = await runIssuanceCycle(ctx, {
    caId: ca.id,
    issuer: ctx.certificateOf(ca),
    signer,
    actor,
    plans: [plan],
  });
  return { record: issued!.record, reused: false };
}

/** The keyUsage bits a CSR asks for (PKCS #9 extensionRequest), empty when it asks none. */
function requestedKeyUsage(csr: CertificationRequest): ReadonlySet<KeyUsageName> {
  const ext = csr.extension(OID.keyUsage);
  return ext === undefined ? new Set() : decodeKeyUsage(ext.value);
}

/**
 * An operational certificate (KECP 5.5): the CSR's subject as it is (the linter refuses attributes
 * the profile does not allow), digitalSignature (and keyAgreement when asked), clientAuth, the
 * operational policy, the subjectAltName the CSR asks for; validity `validityDays` (default 365,
 * at most 397), never past the CA's own notAfter.
 */
function ldevidPlan(
  ctx: AuthorityContext,
  ca: CaRecord,
  csr: CertificationRequest,
  input: IssueInput,
  signatureAlgorithm: Uint8Array,
): CyclePlan {
  const issuer = ctx.certificateOf(ca);
  const days = input.validityDays ?? ctx.options.ldevidValidityDays;
  const maxDays = LDEVID_PROFILE.validity.maxDays ?? 397;
  if (days > maxDays) fail('ERR_CA_BAD_INPUT', `an LDevID is valid for at most ${maxDays} days (KECP 5.5)`);
  const notBefore = ctx.now();
  const notAfter = new Date(Math.min(notBefore.getTime() + days * DAY_MS, issuer.notAfter.getTime()));
  const issuerKeyId = issuer.decoded(OID.subjectKeyIdentifier, decodeSubjectKeyIdentifier);
  const usage = new Set<KeyUsageName>(['digitalSignature']);
  if (requestedKeyUsage(csr).has('keyAgreement')) usage.add('keyAgreement');
  const extensions: Extension[] = [
    knownExtension('keyUsage', usage, true),
    knownExtension('extKeyUsage', [OID.clientAuth]),
    knownExtension('subjectKeyIdentifier', keyIdentifierFromSpki(csr.spki)),
    knownExtension('authorityKeyIdentifier', { keyIdentifier: issuerKeyId ?? keyIdentifierFromSpki(issuer.spki) }),
  ];
  const san = csr.extension(OID.subjectAltName);
  if (san !== undefined) extensions.push({ oid: OID.subjectAltName, critical: false, value: san.value });
  extensions.push(knownExtension('certificatePolicies', [{ policyId: KEYLINE_POLICY.operationalV1 }]));
  const url = ctx.options.publicUrl;
  if (url !== undefined) {
    extensions.push(
      knownExtension('cRLDistributionPoints', crlDistributionPointsFromUris([`${url}/crl/${ca.id}.crl`])),
    );
    extensions.push(
      knownExtension('authorityInfoAccess', [
        { method: OID.ocsp, location: { type: 'uri', value: `${url}/ocsp/${ca.id}` } },
      ]),
    );
  }
  const cn = attributeOf(csr.subject, OID.commonName);
  return {
    profile: 'ldevid',
    subject: displayName(csr.subject),
    deviceId: cn !== undefined && DEVICE_ID_PATTERN.test(cn) ? cn : null,
    requestId: input.requestId ?? null,
    buildTbs: (serial) =>
      buildTbsCertificate({
        serial: serial.bytes,
        issuer: issuer.subject.der,
        subject: csr.subject.der,
        notBefore,
        notAfter,
        spki: csr.spki,
        extensions,
        signatureAlgorithm,
      }),
  };
}
