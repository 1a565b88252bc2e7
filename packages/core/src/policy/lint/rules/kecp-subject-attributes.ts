import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';
import { attributeName } from '../names.js';

/**
 * KECP 4.7: the subject carries the profile's required attributes, only attributes the profile
 * allows, each once, one per RDN (multi-valued RDNs compare and display ambiguously), and, where
 * the profile fixes an order (the device's template layout), in that order.
 */
export const subjectAttributesRule: LintRule = {
  id: 'kecp.subject-attributes',
  severity: 'error',
  clause: 'KECP 4.7',
  description:
    'The subject has the required attributes, only allowed ones, each once, one per RDN, in the profile order.',
  appliesTo: everyProfile,
  check(cert, profile) {
    const { required, optional, order } = profile.subject;
    const problems: string[] = [];
    const seen = new Set<string>();
    let lastPosition = -1;
    let outOfOrder = false;
    for (const rdn of cert.subject.rdns) {
      if (rdn.length > 1)
        problems.push(`subject has a multi-valued RDN (${rdn.map((a) => attributeName(a.type)).join('+')})`);
      for (const { type } of rdn) {
        if (seen.has(type)) problems.push(`subject attribute ${attributeName(type)} appears more than once`);
        seen.add(type);
        if (!required.includes(type) && !optional.includes(type)) {
          problems.push(`subject attribute ${attributeName(type)} is not allowed in the ${profile.title} profile`);
        }
        if (order !== undefined) {
          const position = order.indexOf(type);
          if (position >= 0 && position < lastPosition) outOfOrder = true;
          if (position >= 0) lastPosition = position;
        }
      }
    }
    for (const type of required) {
      if (!seen.has(type))
        problems.push(`the ${profile.title} profile requires subject attribute ${attributeName(type)}`);
    }
    if (outOfOrder && order !== undefined) {
      problems.push(
        `subject attributes are out of order; the ${profile.title} profile orders them ${order.map(attributeName).join(', ')}`,
      );
    }
    return problems;
  },
};
