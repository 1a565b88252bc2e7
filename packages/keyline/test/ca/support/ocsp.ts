import { Certificate, OcspResponse, buildOcspRequest, certIdFor, type OcspCertStatus } from '@keyline/core';
import type { CertificateAuthority } from '../../../src/ca/index.js';
import type { CaRecord } from '../../../src/ca/records.js';

/** An OCSP request for `serialHex` under `ca` (SHA-1 CertID, as OpenSSL sends). */
export function ocspRequestFor(ca: CaRecord, serialHex: string, nonce?: Uint8Array): Uint8Array {
  const cert = Certificate.fromDer(ca.certificateDer!);
  const certId = certIdFor(cert.subject.der, cert.publicKey, serialHex);
  return buildOcspRequest({ certIds: [certId], ...(nonce !== undefined && { nonce }) });
}

/** Asks the authority's responder about one serial and returns the decoded status. */
export async function ocspStatus(
  authority: CertificateAuthority,
  ca: CaRecord,
  serialHex: string,
): Promise<OcspCertStatus> {
  const response = OcspResponse.fromDer(await authority.ocspRespond(ca.id, ocspRequestFor(ca, serialHex)));
  if (response.basic === undefined) throw new Error(`OCSP response status ${response.status}`);
  return response.basic.responses[0]!.certStatus;
}
