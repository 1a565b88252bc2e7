import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';

/** Most certificates read from a client's TLS chain: a device sends three; anything longer is refused later. */
const MAX_PEER_CERTIFICATES = 8;

/**
 * The certificates the TLS client sent, leaf first, as DER: what `getPeerCertificate(true)` links
 * through `issuerCertificate` (OpenSSL's peer chain; with no `ca` given to the server nothing of
 * the server's own is added). A self-signed certificate after the leaf is dropped: a trust anchor
 * comes from our configuration, never from the peer. Empty when the client sent no certificate.
 */
export function peerChainOf(socket: TLSSocket): Uint8Array[] {
  const first = socket.getPeerCertificate(true) as DetailedPeerCertificate | null;
  const out: Uint8Array[] = [];
  const seen = new Set<string>();
  let current: DetailedPeerCertificate | undefined = first ?? undefined;
  while (current?.raw !== undefined && current.raw.length > 0 && out.length < MAX_PEER_CERTIFICATES) {
    const fingerprint = current.fingerprint256;
    if (seen.has(fingerprint)) break;
    seen.add(fingerprint);
    const selfSigned =
      current.issuerCertificate === current || current.issuerCertificate?.fingerprint256 === fingerprint;
    if (out.length === 0 || !selfSigned) out.push(new Uint8Array(current.raw));
    current = current.issuerCertificate;
  }
  return out;
}
