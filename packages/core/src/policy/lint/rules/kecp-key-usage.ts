import { keyUsageOf } from '../../decoded.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

/** KECP 4.9: keyUsage asserts the profile's required bits and nothing outside its allowed ones. */
export const keyUsageRule: LintRule = {
  id: 'kecp.key-usage',
  severity: 'error',
  clause: 'KECP 4.9',
  description: 'keyUsage asserts every bit the profile requires and no bit it does not allow.',
  appliesTo: everyProfile,
  check(cert, profile) {
    const ku = keyUsageOf(cert);
    if (ku === undefined) return undefined; // kecp.extensions-required reports the missing extension
    const { required, optional } = profile.keyUsage;
    const problems: string[] = [];
    for (const bit of required)
      if (!ku.has(bit)) problems.push(`keyUsage lacks ${bit}, which the ${profile.title} profile requires`);
    for (const bit of ku) {
      if (!required.includes(bit) && !optional.includes(bit))
        problems.push(`keyUsage asserts ${bit}, which the ${profile.title} profile does not allow`);
    }
    return problems;
  },
};
