import type { TLSSocket } from 'node:tls';
import { Certificate, KeylineError, isKeylineError, verifyChain, type Clock } from '@keyline/core';
import type { FastifyRequest } from 'fastify';
import type { CaRecord, CertificateRecord } from '../../../ca/records.js';
import type { Store } from '../../../ca/store-port.js';

/** The certificate the client presented in the TLS handshake (its CertificateVerify proved the key), if any. */
export function peerCertificate(request: FastifyRequest): Certificate | undefined {
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const peer = socket.getPeerCertificate(false);
  const raw = (peer as { raw?: Buffer } | null)?.raw;
  if (raw === undefined || raw.length === 0) return undefined;
  try {
    return Certificate.fromDer(new Uint8Array(raw));
  } catch (error) {
    if (isKeylineError(error))
      throw new KeylineError('ERR_SERVER_CLIENT_CERT_INVALID', 'the TLS client certificate does not decode');
    throw error;
  }
}

/**
 * Checks that `presented` is a current certificate of `ca` (RFC 7030 3.3.2, 4.2.2): it validates
 * (RFC 5280, verifyChain, clientAuth) through the CA's chain to its root at the current time, its
 * issuer is `ca` itself, and the store knows it as `valid` (issued here, not revoked) with the same
 * fingerprint. Returns the store's record of it. Refusals are ERR_SERVER_CLIENT_CERT_INVALID.
 */
export async function validateClientCertificate(
  presented: Certificate,
  ca: CaRecord,
  chain: readonly CaRecord[],
  store: Store,
  clock: Clock,
): Promise<CertificateRecord> {
  const caCerts = chain.flatMap((c) => (c.certificateDer === null ? [] : [c.certificateDer]));
  const anchor = caCerts[caCerts.length - 1];
  if (ca.certificateDer === null || anchor === undefined) {
    throw new KeylineError('ERR_CA_NOT_ACTIVE', `CA ${ca.id} has no certificate`);
  }
  const result = await verifyChain({
    leaf: presented,
    intermediates: caCerts.slice(0, -1),
    trustAnchors: [anchor],
    time: clock.now(),
    purpose: 'clientAuth',
  });
  if (!result.ok) {
    throw new KeylineError(
      'ERR_SERVER_CLIENT_CERT_INVALID',
      `the TLS client certificate does not validate: ${result.message}`,
      {
        reason: result.code,
      },
    );
  }
  const issuer = result.chain[1];
  if (issuer === undefined || Buffer.compare(issuer.der, ca.certificateDer) !== 0) {
    throw new KeylineError(
      'ERR_SERVER_CLIENT_CERT_INVALID',
      `the TLS client certificate was not issued by CA ${ca.label}`,
    );
  }
  const record = await store.certificates.getBySerial(ca.id, presented.serialHex);
  if (record === undefined || record.fingerprint !== presented.fingerprint) {
    throw new KeylineError('ERR_SERVER_CLIENT_CERT_INVALID', 'the TLS client certificate is not one this CA issued');
  }
  if (record.status !== 'valid') {
    throw new KeylineError('ERR_SERVER_CLIENT_CERT_INVALID', `the TLS client certificate is ${record.status}`);
  }
  return record;
}
