import { basicConstraintsOf } from '../../decoded.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

/**
 * KECP 4.9: CA profiles assert cA with the profile's pathLenConstraint (manufacturer CA 1, issuing CA 0,
 * root none); end-entity profiles never assert cA.
 */
export const basicConstraintsRule: LintRule = {
  id: 'kecp.basic-constraints',
  severity: 'error',
  clause: 'KECP 4.9',
  description: 'basicConstraints matches the profile: cA and pathLenConstraint for CAs, no cA for end entities.',
  appliesTo: everyProfile,
  check(cert, profile) {
    const bc = basicConstraintsOf(cert);
    if (!profile.ca)
      return bc?.ca ? `the ${profile.title} profile is an end entity but basicConstraints asserts cA` : undefined;
    if (bc === undefined) return undefined; // kecp.extensions-required reports the missing extension
    if (!bc.ca) return `the ${profile.title} profile is a CA but basicConstraints does not assert cA`;
    if (profile.pathLen === 'absent' && bc.pathLen !== undefined) {
      return `the ${profile.title} profile has no pathLenConstraint, found ${bc.pathLen}`;
    }
    if (typeof profile.pathLen === 'number' && bc.pathLen !== profile.pathLen) {
      return `the ${profile.title} profile requires pathLenConstraint ${profile.pathLen}, found ${bc.pathLen ?? 'none'}`;
    }
    return undefined;
  },
};
