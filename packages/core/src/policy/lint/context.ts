import type { Profile } from '../profiles/types.js';
import type { LintTarget } from '../target.js';
import { isSelfIssued } from './helpers.js';
import { subjectKeyInfo, type SubjectKeyInfo } from './subject-key.js';
import type { LintContext, LintOptions } from './types.js';
import { validityTags } from './validity-tags.js';

/** The shared, lazily computed state of one lint run. */
export function createLintContext(cert: LintTarget, profile: Profile, options: LintOptions): LintContext {
  // The self-signed root is its own issuer; anything else only when the caller names it.
  const issuer = options.issuer ?? (profile.selfSigned && isSelfIssued(cert) ? cert : undefined);
  let tags: { notBefore: number; notAfter: number } | undefined;
  let key: SubjectKeyInfo | undefined;
  let issuerKey: SubjectKeyInfo | undefined;
  return {
    options,
    issuer,
    validityTags: () => (tags ??= validityTags(cert.tbs)),
    subjectKey: () => (key ??= subjectKeyInfo(cert)),
    issuerKey: () => {
      if (issuer === undefined) return undefined;
      if (issuer === cert) return (key ??= subjectKeyInfo(cert));
      return (issuerKey ??= subjectKeyInfo(issuer));
    },
  };
}
