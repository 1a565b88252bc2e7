import { Certificate, encodePem } from '@keyline/core';
import type { ApiTokenRecord, CaRecord, CertificateRecord, ManufacturerRecord, ProductRecord } from '../ca/records.js';

/**
 * The JSON the REST API answers with (schemas in openapi/schemas.ts). Field names follow the CLI's
 * `--json` output (issue 3, section 3): `serial` lower-case hex, `certificatePem`, `deviceId`,
 * `status`, `chipSerial`. Times are RFC 3339, absent values null. Key URIs and token hashes are
 * never rendered.
 */

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

/** Where a CA's public services live on this server. */
export function caUrls(ca: Pick<CaRecord, 'id' | 'label'>): { ocspUrl: string; crlUrl: string; estUrl: string } {
  return {
    ocspUrl: `/ocsp/${encodeURIComponent(ca.id)}`,
    crlUrl: `/crl/${encodeURIComponent(ca.id)}.crl`,
    estUrl: `/.well-known/est/${encodeURIComponent(ca.label)}/`,
  };
}

export function caView(ca: CaRecord): Record<string, unknown> {
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
    createdAt: ca.createdAt.toISOString(),
    ...caUrls(ca),
  };
}

export function caDetailView(ca: CaRecord, chain: readonly CaRecord[]): Record<string, unknown> {
  return {
    ...caView(ca),
    certificatePem: ca.certificateDer === null ? null : encodePem('CERTIFICATE', ca.certificateDer),
    chainPem: chain
      .flatMap((c) => (c.certificateDer === null ? [] : [encodePem('CERTIFICATE', c.certificateDer)]))
      .join(''),
    ocspSignerPem: ca.ocspSignerDer === null ? null : encodePem('CERTIFICATE', ca.ocspSignerDer),
  };
}

export function certificateView(record: CertificateRecord): Record<string, unknown> {
  return {
    id: record.id,
    caId: record.caId,
    serial: record.serialHex,
    profile: record.profile,
    status: record.status,
    subject: record.subject,
    deviceId: record.deviceId,
    chipSerial: record.chipSerial,
    requestId: record.requestId,
    notBefore: iso(record.notBefore),
    notAfter: iso(record.notAfter),
    revokedAt: iso(record.revokedAt),
    revocationReason: record.revocationReason,
    fingerprint: record.fingerprint,
    createdAt: record.createdAt.toISOString(),
  };
}

export function certificateDetailView(record: CertificateRecord): Record<string, unknown> {
  return {
    ...certificateView(record),
    certificatePem: record.der === null ? null : encodePem('CERTIFICATE', record.der),
  };
}

export function tokenView(token: ApiTokenRecord): Record<string, unknown> {
  return {
    id: token.id,
    name: token.name,
    role: token.role,
    manufacturerId: token.manufacturerId,
    createdAt: token.createdAt.toISOString(),
    revokedAt: iso(token.revokedAt),
  };
}

export function manufacturerView(m: ManufacturerRecord): Record<string, unknown> {
  return { id: m.id, name: m.name, createdAt: m.createdAt.toISOString() };
}

export function productView(p: ProductRecord): Record<string, unknown> {
  return { manufacturerId: p.manufacturerId, id: p.id, name: p.name, createdAt: p.createdAt.toISOString() };
}
