import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';
import { extensionName } from '../names.js';

/** KECP 4.5: a certificate carries every extension its profile requires. */
export const extensionsRequiredRule: LintRule = {
  id: 'kecp.extensions-required',
  severity: 'error',
  clause: 'KECP 4.5',
  description: 'Every extension the profile requires is present.',
  appliesTo: everyProfile,
  check(cert, profile) {
    const problems: string[] = [];
    for (const [oid, rule] of Object.entries(profile.extensions)) {
      if (rule.presence === 'required' && cert.extension(oid) === undefined) {
        problems.push(`the ${profile.title} profile requires extension ${extensionName(oid)}`);
      }
    }
    return problems;
  },
};
