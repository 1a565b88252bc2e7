import { isKeylineError } from '../../errors/keyline-error.js';
import type { Certificate } from '../../x509/certificate/certificate.js';
import { decodeAuthorityKeyIdentifier } from '../../x509/extensions/authority-key-identifier.js';
import { decodeSubjectKeyIdentifier } from '../../x509/extensions/subject-key-identifier.js';
import { canonicalNameKey } from '../../x509/name/compare.js';
import { OID } from '../../x509/oids.js';

/** A certificate path building may use as an issuer. */
export interface Candidate {
  readonly certificate: Certificate;
  /** A trust anchor ends a path; an intermediate must itself be issued by something. */
  readonly isAnchor: boolean;
  /** Position in the input (anchors first), to keep the order stable. */
  readonly order: number;
}

/**
 * The trust anchors and untrusted intermediates of one validation call, indexed by subject name
 * (RFC 5280 7.1 comparison, through a canonical key that equal DER bytes also share) so that the
 * candidate issuers of a certificate are found without scanning the pool. Certificates given twice
 * (same DER) are kept once; an intermediate that is also a trust anchor is an anchor.
 */
export class CandidatePool {
  private readonly bySubject = new Map<string, Candidate[]>();
  private readonly anchorFingerprints = new Set<string>();

  constructor(anchors: readonly Certificate[], intermediates: readonly Certificate[]) {
    const seen = new Set<string>();
    let order = 0;
    for (const [list, isAnchor] of [
      [anchors, true],
      [intermediates, false],
    ] as const) {
      for (const certificate of list) {
        if (seen.has(certificate.fingerprint)) continue;
        seen.add(certificate.fingerprint);
        if (isAnchor) this.anchorFingerprints.add(certificate.fingerprint);
        const key = canonicalNameKey(certificate.subject);
        const bucket = this.bySubject.get(key);
        const candidate = { certificate, isAnchor, order: order++ };
        if (bucket === undefined) this.bySubject.set(key, [candidate]);
        else bucket.push(candidate);
      }
    }
  }

  isAnchor(certificate: Certificate): boolean {
    return this.anchorFingerprints.has(certificate.fingerprint);
  }

  /** Every certificate whose subject matches `name`'s issuer-side use: the candidate issuers of a certificate. */
  withSubject(name: Certificate['issuer']): readonly Candidate[] {
    return this.bySubject.get(canonicalNameKey(name)) ?? [];
  }

  /**
   * The candidate issuers of `child`, best first (RFC 4158 section 3.5 ordering, simplified):
   * those whose subjectKeyIdentifier equals the child's authorityKeyIdentifier keyIdentifier, then
   * those where either identifier is missing, then those whose identifiers differ (kept, not
   * dropped: key identifiers are hints, the signature decides); within each rank trust anchors
   * before intermediates, then input order.
   */
  issuersOf(child: Certificate): Candidate[] {
    const bucket = this.withSubject(child.issuer);
    if (bucket.length === 0) return [];
    const wanted = keyIdOf(child, 'aki');
    const ranked = bucket.map((candidate) => ({
      candidate,
      rank: keyIdRank(wanted, keyIdOf(candidate.certificate, 'ski')),
    }));
    ranked.sort(
      (a, b) =>
        a.rank - b.rank ||
        Number(b.candidate.isAnchor) - Number(a.candidate.isAnchor) ||
        a.candidate.order - b.candidate.order,
    );
    return ranked.map((r) => r.candidate);
  }
}

function keyIdRank(wanted: string | undefined, offered: string | undefined): number {
  if (wanted === undefined || offered === undefined) return 1;
  return wanted === offered ? 0 : 2;
}

/**
 * The AKI keyIdentifier or the SKI of a certificate as hex, or undefined when absent or malformed
 * (ordering must never fail; validation judges malformed extensions of the certificates it uses).
 */
function keyIdOf(certificate: Certificate, which: 'aki' | 'ski'): string | undefined {
  try {
    const id =
      which === 'ski'
        ? certificate.decoded(OID.subjectKeyIdentifier, decodeSubjectKeyIdentifier)
        : certificate.decoded(OID.authorityKeyIdentifier, decodeAuthorityKeyIdentifier)?.keyIdentifier;
    return id === undefined ? undefined : Buffer.from(id).toString('hex');
  } catch (error) {
    if (isKeylineError(error)) return undefined;
    throw error;
  }
}
