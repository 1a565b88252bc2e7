import { Tag } from '../../../x509/der/tags.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

/** RFC 5280 4.1.2.5: UTCTime for dates through 2049, GeneralizedTime for dates in 2050 or later. */
function expectedTag(date: Date): number {
  const year = date.getUTCFullYear();
  return year < 2050 ? Tag.UTC_TIME : Tag.GENERALIZED_TIME;
}

function tagName(tag: number): string {
  return tag === Tag.UTC_TIME
    ? 'UTCTime'
    : tag === Tag.GENERALIZED_TIME
      ? 'GeneralizedTime'
      : `tag 0x${tag.toString(16)}`;
}

export const validityEncodingRule: LintRule = {
  id: 'rfc5280.validity-encoding',
  severity: 'error',
  clause: 'RFC 5280 4.1.2.5',
  description: 'Validity dates through 2049 are UTCTime; dates in 2050 or later are GeneralizedTime.',
  appliesTo: everyProfile,
  check(cert, _profile, ctx) {
    const tags = ctx.validityTags();
    const problems: string[] = [];
    for (const [field, date, tag] of [
      ['notBefore', cert.notBefore, tags.notBefore],
      ['notAfter', cert.notAfter, tags.notAfter],
    ] as const) {
      const expected = expectedTag(date);
      if (tag !== expected) {
        problems.push(`${field} ${date.toISOString()} is encoded as ${tagName(tag)}; it must be ${tagName(expected)}`);
      }
    }
    return problems;
  },
};
