import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';
import { extensionName } from '../names.js';

/** KECP 4.5: a certificate carries only the extensions its profile lists. */
export const extensionsAllowedRule: LintRule = {
  id: 'kecp.extensions-allowed',
  severity: 'error',
  clause: 'KECP 4.5',
  description: 'Every extension is one the profile allows.',
  appliesTo: everyProfile,
  check(cert, profile) {
    const problems: string[] = [];
    for (const ext of cert.extensions) {
      const rule = profile.extensions[ext.oid];
      if (rule === undefined || rule.presence === 'forbidden') {
        problems.push(`extension ${extensionName(ext.oid)} is not allowed in the ${profile.title} profile`);
      }
    }
    return problems;
  },
};
