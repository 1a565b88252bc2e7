import { Certificate } from '@keyline/core';
import type { CaRecord, CertificateRecord, CrlRecord } from '../ca/records.js';
import { certificatePem, csrPem } from './files.js';

/**
 * The JSON shapes the CA commands print (`--json`). Field names are a contract (issue 3, section 3):
 * a command that makes a CA or a certificate prints at least `id`, `serial` (lower-case hex) and
 * `certificatePem`; certificate listings carry `serial`, `deviceId`, `status` and `chipSerial`.
 * Times are ISO 8601 strings, absent values null.
 */

export interface CaView {
  readonly id: string;
  readonly label: string;
  readonly kind: CaRecord['kind'];
  readonly status: CaRecord['status'];
  readonly parentId: string | null;
  readonly subject: string;
  readonly manufacturerId: string | null;
  readonly productId: string | null;
  /** The CA certificate's serial (hex); null while pending. */
  readonly serial: string | null;
  readonly fingerprint: string | null;
  readonly notBefore: string | null;
  readonly notAfter: string | null;
  readonly keyUri: string;
  readonly createdAt: string;
}

export interface CaDetailView extends CaView {
  readonly certificatePem: string | null;
  /** The CSR a pending CA waits on (offline parent). */
  readonly csrPem: string | null;
  readonly ocspSignerPem: string | null;
}

export function caView(ca: CaRecord): CaView {
  const certificate = ca.certificateDer === null ? undefined : Certificate.fromDer(ca.certificateDer);
  return {
    id: ca.id,
    label: ca.label,
    kind: ca.kind,
    status: ca.status,
    parentId: ca.parentId,
    subject: ca.subject,
    manufacturerId: ca.manufacturerId,
    productId: ca.productId,
    serial: certificate?.serialHex ?? null,
    fingerprint: ca.fingerprint,
    notBefore: certificate?.notBefore.toISOString() ?? null,
    notAfter: certificate?.notAfter.toISOString() ?? null,
    keyUri: ca.keyUri,
    createdAt: ca.createdAt.toISOString(),
  };
}

export function caDetailView(ca: CaRecord): CaDetailView {
  return {
    ...caView(ca),
    certificatePem: ca.certificateDer === null ? null : certificatePem(ca.certificateDer),
    csrPem: ca.csrDer === null ? null : csrPem(ca.csrDer),
    ocspSignerPem: ca.ocspSignerDer === null ? null : certificatePem(ca.ocspSignerDer),
  };
}

export interface CertificateView {
  readonly id: string;
  readonly caId: string;
  readonly serial: string;
  readonly profile: CertificateRecord['profile'];
  readonly status: CertificateRecord['status'];
  readonly subject: string;
  readonly deviceId: string | null;
  /** The secure element's serial; null unless the certificate was made on the factory line. */
  readonly chipSerial: string | null;
  readonly requestId: string | null;
  readonly notBefore: string | null;
  readonly notAfter: string | null;
  readonly revokedAt: string | null;
  readonly revocationReason: CertificateRecord['revocationReason'];
  readonly fingerprint: string | null;
  readonly createdAt: string;
}

export interface CertificateDetailView extends CertificateView {
  readonly certificatePem: string | null;
}

export function certificateView(cert: CertificateRecord): CertificateView {
  return {
    id: cert.id,
    caId: cert.caId,
    serial: cert.serialHex,
    profile: cert.profile,
    status: cert.status,
    subject: cert.subject,
    deviceId: cert.deviceId,
    chipSerial: cert.chipSerial,
    requestId: cert.requestId,
    notBefore: cert.notBefore?.toISOString() ?? null,
    notAfter: cert.notAfter?.toISOString() ?? null,
    revokedAt: cert.revokedAt?.toISOString() ?? null,
    revocationReason: cert.revocationReason,
    fingerprint: cert.fingerprint,
    createdAt: cert.createdAt.toISOString(),
  };
}

export function certificateDetailView(cert: CertificateRecord): CertificateDetailView {
  return { ...certificateView(cert), certificatePem: cert.der === null ? null : certificatePem(cert.der) };
}

export interface CrlView {
  readonly caId: string;
  /** cRLNumber (RFC 5280 5.2.3), as a decimal string: it may exceed 2^53. */
  readonly number: string;
  readonly delta: boolean;
  readonly baseNumber: string | null;
  readonly thisUpdate: string;
  readonly nextUpdate: string;
}

export function crlView(crl: CrlRecord): CrlView {
  return {
    caId: crl.caId,
    number: crl.number.toString(),
    delta: crl.delta,
    baseNumber: crl.baseNumber === null ? null : crl.baseNumber.toString(),
    thisUpdate: crl.thisUpdate.toISOString(),
    nextUpdate: crl.nextUpdate.toISOString(),
  };
}

/** A SHA-256 fingerprint as people compare it aloud in a ceremony, and as `openssl x509 -fingerprint` prints it. */
export function formatFingerprint(hex: string | null): string | null {
  return hex === null ? null : (hex.toUpperCase().match(/../g) ?? []).join(':');
}

/** The text rendering of a CA (`ca show`, and after `root create`, `ca create`, `ca install`). */
export function caFields(view: CaView): Array<readonly [string, string | null]> {
  return [
    ['id', view.id],
    ['label', view.label],
    ['kind', view.kind],
    ['status', view.status],
    ['parent', view.parentId],
    ['subject', view.subject],
    ['manufacturer id', view.manufacturerId],
    ['product id', view.productId],
    ['serial', view.serial],
    ['not before', view.notBefore],
    ['not after', view.notAfter],
    ['fingerprint', view.fingerprint === null ? null : `SHA256 ${formatFingerprint(view.fingerprint)}`],
    ['key', view.keyUri],
  ];
}

/** The text rendering of a certificate record (`cert show`, and after `issue`, `revoke`). */
export function certificateFields(view: CertificateView): Array<readonly [string, string | null]> {
  return [
    ['id', view.id],
    ['ca', view.caId],
    ['serial', view.serial],
    ['profile', view.profile],
    ['status', view.status],
    ['subject', view.subject],
    ['device id', view.deviceId],
    ['chip serial', view.chipSerial],
    ['request id', view.requestId],
    ['not before', view.notBefore],
    ['not after', view.notAfter],
    ['revoked at', view.revokedAt],
    ['reason', view.revocationReason],
    ['fingerprint', view.fingerprint === null ? null : `SHA256 ${formatFingerprint(view.fingerprint)}`],
  ];
}
