import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

/** Most certificates read from a client's TLS chain: a device sends three; anything longer is refused later. */
const MAX_PEER_CERTIFICATES = 8;

/**
 * The certificates the TLS client sent, leaf first, as DER: the peer certificate and the ones it
 * sent after it, linked by `issuerCertificate` (`getPeerX509Certificate`, which reads only what the
 * client sent and decodes a field only when asked: `getPeerCertificate(true)` turned the whole
 * chain into objects with every field and three fingerprints each, several times the cost of the
 * rest of reading it, and linked in the server's own `ca` certificates too). A self-signed
 * certificate after the leaf is dropped: a trust anchor comes from our configuration, never from
 * the peer. Empty when the client sent no certificate.
 */
export function peerChainOf(socket: TLSSocket): Uint8Array[] {
  const out: Uint8Array[] = [];
  const seen = new Set<string>();
  let current: X509Certificate | undefined = socket.getPeerX509Certificate();
  while (current !== undefined && out.length < MAX_PEER_CERTIFICATES) {
    const raw = current.raw;
    if (raw.length === 0) break;
    const key = raw.toString('latin1');
    if (seen.has(key)) break;
    seen.add(key);
    // After the leaf only (a device's own certificate is never self-signed, and is judged later):
    // OpenSSL's name and key-identifier match of the certificate with itself, no signature check.
    if (out.length === 0 || !current.checkIssued(current)) out.push(new Uint8Array(raw));
    current = current.issuerCertificate;
  }
  return out;
}
