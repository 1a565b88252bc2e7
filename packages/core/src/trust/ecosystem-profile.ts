import { hasErrors, lint } from '../policy/lint/lint.js';
import { detectProfile } from '../policy/profiles/detect.js';
import type { ProfileName } from '../policy/profiles/types.js';
import type { Certificate } from '../x509/certificate/certificate.js';
import { formatName } from '../x509/name/format.js';
import type { PathFailure } from './build/path-builder.js';

/** The profiles each place in a Keyline ecosystem chain may hold (KECP section 5). */
const ROLE_PROFILES: Readonly<Record<'anchor' | 'intermediate' | 'leaf', readonly ProfileName[]>> = {
  anchor: ['root'],
  intermediate: ['manufacturer-ca', 'issuing-ca'],
  leaf: ['device', 'ldevid', 'ocsp-signer'],
};

/**
 * `profile: 'ecosystem'`: every certificate of a validated path must also conform to the Keyline
 * Ecosystem Certificate Policy. Each certificate's profile is detected (`detectProfile`) and must
 * fit its place (the anchor a root, intermediates manufacturer or issuing CAs, the leaf a device,
 * LDevID or OCSP signer certificate); the linter then runs with the issuer known, and any finding
 * of error severity refuses the path (ERR_PATH_PROFILE_VIOLATION). A leaf that is itself the trust
 * anchor is linted as a root.
 */
export function checkEcosystemProfile(path: readonly Certificate[]): PathFailure | undefined {
  const anchorDepth = path.length - 1;
  for (let depth = 0; depth < path.length; depth++) {
    const certificate = path[depth]!;
    const role = depth === anchorDepth ? 'anchor' : depth === 0 ? 'leaf' : 'intermediate';
    const profile = detectProfile(certificate);
    const who = formatName(certificate.subject);
    if (!ROLE_PROFILES[role].includes(profile)) {
      return {
        ok: false,
        code: 'ERR_PATH_PROFILE_VIOLATION',
        message: `${who}: a ${profile} certificate cannot be the ${role} of an ecosystem chain (expected ${ROLE_PROFILES[role].join(' or ')})`,
        depth,
      };
    }
    const findings = lint(certificate, profile, { issuer: path[depth + 1] ?? certificate });
    if (hasErrors(findings)) {
      const errors = findings.filter((f) => f.severity === 'error');
      return {
        ok: false,
        code: 'ERR_PATH_PROFILE_VIOLATION',
        message: `${who}: does not conform to the ${profile} profile: ${errors.map((f) => `${f.id}: ${f.message}`).join('; ')}`,
        depth,
      };
    }
  }
  return undefined;
}
