import type { Certificate } from '../../x509/certificate/certificate.js';
import type { CertificateRevocationList } from '../../x509/crl/certificate-revocation-list.js';
import type { RevokedEntry } from '../../x509/crl/revoked-entry.js';
import { REASON_FLAG_NAMES, type DistributionPoint, type ReasonFlag } from '../../x509/extensions/types.js';
import { namesEqual } from '../../x509/name/compare.js';
import { OID } from '../../x509/oids.js';
import { certificateInfo, type CertificateInfo } from '../validate/certificate-info.js';
import { attempt, PASS, refuse, type Check, type Refusal } from '../validate/outcome.js';
import type { SignatureChecker } from '../validate/signature-checker.js';
import { distributionPointNames, generalNamesIntersect } from './distribution-point-names.js';

/** What CRL checking needs from the validation call. */
export interface CrlContext {
  readonly crls: readonly CertificateRevocationList[];
  /** The validation instant, in whole seconds (ms since the epoch). */
  readonly atMs: number;
  readonly signatures: SignatureChecker;
  /**
   * A certificate other than `issuer`, named like the CRL issuer, whose key signed `crl` and whose
   * own path validates to the same trust anchor (RFC 5280 6.3.3 (f): a CA may sign CRLs with a
   * separate key); undefined when there is none.
   */
  readonly otherSigner?: (
    crl: CertificateRevocationList,
    issuer: Certificate,
    anchor: Certificate,
  ) => Certificate | undefined;
}

/** The reasons a complete CRL covers (RFC 5280 6.3.2 (a): all-reasons). */
const ALL_REASONS: readonly ReasonFlag[] = REASON_FLAG_NAMES.filter((r) => r !== 'unused');

/**
 * RFC 5280 6.1.3 (a)(3) with the CRL processing of 6.3.3, for certificate `certificate` issued by
 * `issuer` (the previous certificate of the path, or the trust anchor):
 *
 * - only direct CRLs are used: the CRL issuer name equals the certificate's issuer name;
 *   indirect CRLs (IDP indirectCRL) and delta CRLs are refused as unsupported (ERR_CRL_UNSUPPORTED);
 * - the CRL must be current: thisUpdate ≤ time (ERR_CRL_NOT_YET_VALID) and nextUpdate, when
 *   present, ≥ time (ERR_CRL_EXPIRED: 6.3.3 (a)(2) would need a fresher CRL);
 * - it must carry a non-critical cRLNumber (5.2.3: conforming CRL issuers MUST include it, and it
 *   MUST be non-critical; ERR_CRL_MISSING_NUMBER, ERR_CRL_NONCONFORMING), and no critical CRL or
 *   entry extension Keyline does not process (5.2, 5.3; ERR_CRL_UNKNOWN_CRITICAL_EXTENSION);
 * - scope (6.3.3 (b)(2)): onlyContainsUserCerts / onlyContainsCACerts / onlyContainsAttributeCerts
 *   exclude certificates outside them; an IDP distributionPoint must match one of the
 *   certificate's cRLDistributionPoints (a partitioned CRL never covers a certificate without
 *   one); onlySomeReasons and the DP reasons narrow the reasons covered, and the status is known
 *   only when the usable CRLs together cover every reason (6.3.3 (c), (d), (k));
 * - signature (6.3.3 (f), (g)): by the issuer's key, and the issuer, if it has keyUsage, must
 *   assert cRLSign (ERR_CRL_ISSUER_NOT_CRL_SIGNER); or by another certificate of the same name that
 *   validates to the same trust anchor and may sign CRLs (`otherSigner`).
 *
 * A certificate listed on a usable CRL is revoked (ERR_PATH_REVOKED) whatever its revocation date
 * (as OpenSSL does); certificateHold counts as revoked; removeFromCRL entries do not revoke. When no
 * usable CRL covers it, the answer is the reason the best candidate CRL was refused, or
 * ERR_REVOCATION_UNKNOWN when no CRL of its issuer was given at all.
 */
export function checkCrlStatus(
  certificate: Certificate,
  issuer: Certificate,
  anchor: Certificate,
  context: CrlContext,
): Check {
  const info = certificateInfo(certificate);
  let firstRefusal: Refusal | undefined;
  const covered = new Set<ReasonFlag>();
  for (const crl of context.crls) {
    if (!namesEqual(crl.issuer, certificate.issuer)) continue;
    const scope = usableScope(crl, info, issuer, anchor, context);
    if (!scope.ok) {
      firstRefusal ??= scope;
      continue;
    }
    if (scope.value === undefined) continue;
    const entry = crl.findRevoked(certificate.serialHex).find((e) => entryNames(e, certificate));
    if (entry !== undefined && entry.reason !== 'removeFromCRL') {
      const reason = entry.reason === undefined ? '' : ` (${entry.reason})`;
      return refuse('ERR_PATH_REVOKED', `revoked on ${entry.revocationDate.toISOString()}${reason}`);
    }
    for (const r of scope.value) covered.add(r);
    if (ALL_REASONS.every((r) => covered.has(r))) return PASS;
  }
  if (covered.size > 0) {
    return refuse('ERR_REVOCATION_UNKNOWN', 'the CRLs given cover only some revocation reasons for this certificate');
  }
  return firstRefusal ?? refuse('ERR_REVOCATION_UNKNOWN', 'no CRL of its issuer was given');
}

/** An entry names the certificate: no certificateIssuer (the CRL issuer), or one that is the certificate's issuer. */
function entryNames(entry: RevokedEntry, certificate: Certificate): boolean {
  if (entry.certificateIssuer === undefined) return true;
  return entry.certificateIssuer.some((n) => n.type === 'directoryName' && namesEqual(n.value, certificate.issuer));
}

type Scope = { ok: true; value: readonly ReasonFlag[] | undefined } | Refusal;

/**
 * Whether `crl` can decide the status of the certificate: a refusal when the CRL cannot be used at
 * all, `undefined` when it is usable but its scope leaves the certificate out, else the reasons it
 * covers for this certificate.
 */
function usableScope(
  crl: CertificateRevocationList,
  info: CertificateInfo,
  issuer: Certificate,
  anchor: Certificate,
  context: CrlContext,
): Scope {
  if (crl.isDelta)
    return refuse('ERR_CRL_UNSUPPORTED', 'delta CRLs are not used (RFC 5280 5.2.4); give the complete CRL');
  const idp = crl.issuingDistributionPoint;
  if (idp?.indirectCRL === true)
    return refuse('ERR_CRL_UNSUPPORTED', 'indirect CRLs are not supported (RFC 5280 5.2.5)');
  const number = crl.extension(OID.cRLNumber);
  if (number === undefined) return refuse('ERR_CRL_MISSING_NUMBER', 'the CRL has no cRLNumber (RFC 5280 5.2.3)');
  if (number.critical)
    return refuse('ERR_CRL_NONCONFORMING', 'the CRL cRLNumber extension is critical (RFC 5280 5.2.3)');
  const unknown = crl.unhandledCriticalExtensions[0];
  if (unknown !== undefined) {
    return refuse(
      'ERR_CRL_UNKNOWN_CRITICAL_EXTENSION',
      `the CRL has critical extension ${unknown}, which Keyline does not process`,
    );
  }
  if (crl.thisUpdate.getTime() > context.atMs) {
    return refuse(
      'ERR_CRL_NOT_YET_VALID',
      `the CRL thisUpdate ${crl.thisUpdate.toISOString()} is after the validation time`,
    );
  }
  if (crl.nextUpdate !== undefined && crl.nextUpdate.getTime() < context.atMs) {
    return refuse(
      'ERR_CRL_EXPIRED',
      `the CRL nextUpdate ${crl.nextUpdate.toISOString()} is before the validation time`,
    );
  }

  // RFC 5280 6.3.3 (b)(2)(ii)-(iv): the kinds of certificate the CRL covers.
  if (idp !== undefined) {
    if (idp.onlyContainsAttributeCerts) return { ok: true, value: undefined };
    if (idp.onlyContainsUserCerts && info.isCa) return { ok: true, value: undefined };
    if (idp.onlyContainsCACerts && !info.isCa) return { ok: true, value: undefined };
  }
  const reasons = reasonsCovered(crl, info);
  if (reasons === undefined || reasons.length === 0) return { ok: true, value: undefined };

  const signed = signedByIssuer(crl, issuer, anchor, context);
  return signed.ok ? { ok: true, value: reasons } : signed;
}

/**
 * RFC 5280 6.3.3 (b)(2)(i) and (d): the reasons this CRL covers for this certificate, or undefined
 * when its distribution point does not match the certificate's. With no IDP distributionPoint the
 * CRL covers the issuer's whole scope.
 */
function reasonsCovered(crl: CertificateRevocationList, info: CertificateInfo): readonly ReasonFlag[] | undefined {
  const idp = crl.issuingDistributionPoint;
  const crlReasons =
    idp?.onlySomeReasons === undefined ? ALL_REASONS : ALL_REASONS.filter((r) => idp.onlySomeReasons!.has(r));
  const points = info.extensions.cRLDistributionPoints;
  if (idp?.distributionPoint === undefined) {
    // A complete CRL for the issuer: the DP reasons field, if the certificate names only such
    // points, does not restrict what this CRL says about the certificate.
    return crlReasons;
  }
  if (points === undefined) return undefined;
  const idpNames = distributionPointNames(idp.distributionPoint, crl.issuer);
  for (const point of points) {
    if (!pointMatches(point, idpNames, crl, info.certificate)) continue;
    return point.reasons === undefined ? crlReasons : crlReasons.filter((r) => point.reasons!.has(r));
  }
  return undefined;
}

function pointMatches(
  point: DistributionPoint,
  idpNames: ReturnType<typeof distributionPointNames>,
  crl: CertificateRevocationList,
  certificate: Certificate,
): boolean {
  if (point.crlIssuer !== undefined) {
    // A point served by another CRL issuer needs an indirect CRL, which Keyline does not use.
    const self = point.crlIssuer.some((n) => n.type === 'directoryName' && namesEqual(n.value, certificate.issuer));
    if (!self) return false;
  }
  if (point.fullName !== undefined || point.nameRelativeToCRLIssuer !== undefined) {
    return generalNamesIntersect(idpNames, distributionPointNames(point, crl.issuer));
  }
  return generalNamesIntersect(idpNames, point.crlIssuer ?? []);
}

/** RFC 5280 6.3.3 (f), (g): who signed the CRL, and may they sign CRLs. */
function signedByIssuer(
  crl: CertificateRevocationList,
  issuer: Certificate,
  anchor: Certificate,
  context: CrlContext,
): Check {
  const byIssuer = context.signatures.check(crl, issuer, 'crl');
  if (byIssuer.ok) {
    const info = attempt(() => certificateInfo(issuer), 'CRL issuer certificate');
    if (!info.ok) return info;
    const ku = info.value.extensions.keyUsage;
    if (ku !== undefined && !ku.has('cRLSign')) {
      return refuse(
        'ERR_CRL_ISSUER_NOT_CRL_SIGNER',
        'the CRL issuer has keyUsage without cRLSign (RFC 5280 6.3.3 (f))',
      );
    }
    return PASS;
  }
  const other = context.otherSigner?.(crl, issuer, anchor);
  return other === undefined ? byIssuer : PASS;
}
