import { Tag } from '../../../x509/der/tags.js';
import type { NameAttribute } from '../../../x509/name/types.js';
import { OID } from '../../../x509/oids.js';
import { HARDWARE_VERSION_PATTERN, ID_PATTERN, PRINTABLE_PATTERN } from '../../naming.js';
import { KEYLINE_ATTRIBUTE } from '../../oids.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';
import { attributeName } from '../names.js';

interface Syntax {
  /** String types allowed (identifier octets). */
  readonly tags: readonly number[];
  readonly maxLength: number;
  readonly pattern?: RegExp;
  readonly explain?: string;
}

const UTF8_OR_PRINTABLE = [Tag.UTF8_STRING, Tag.PRINTABLE_STRING];

/**
 * Upper bounds from X.520 (ub-common-name 64, ub-organization-name 64, …); string types per
 * RFC 5280 4.1.2.6 (new certificates use PrintableString or UTF8String) and X.520 (serialNumber and
 * countryName are PrintableString); Keyline's own attributes per KECP 6.4.
 */
const SYNTAX: Readonly<Record<string, Syntax>> = {
  [OID.commonName]: { tags: UTF8_OR_PRINTABLE, maxLength: 64 },
  [OID.organizationName]: { tags: UTF8_OR_PRINTABLE, maxLength: 64 },
  [OID.organizationalUnitName]: { tags: UTF8_OR_PRINTABLE, maxLength: 64 },
  [OID.localityName]: { tags: UTF8_OR_PRINTABLE, maxLength: 128 },
  [OID.stateOrProvinceName]: { tags: UTF8_OR_PRINTABLE, maxLength: 128 },
  [OID.organizationIdentifier]: { tags: UTF8_OR_PRINTABLE, maxLength: 64 },
  [OID.serialNumber]: { tags: [Tag.PRINTABLE_STRING], maxLength: 64 },
  [OID.countryName]: {
    tags: [Tag.PRINTABLE_STRING],
    maxLength: 2,
    pattern: /^[A-Z]{2}$/,
    explain: 'two capital letters (ISO 3166-1)',
  },
  [KEYLINE_ATTRIBUTE.manufacturerId]: {
    tags: [Tag.UTF8_STRING],
    maxLength: 32,
    pattern: ID_PATTERN,
    explain: "1–32 of a-z, 0-9 and '-', not starting or ending with '-'",
  },
  [KEYLINE_ATTRIBUTE.productId]: {
    tags: [Tag.UTF8_STRING],
    maxLength: 32,
    pattern: ID_PATTERN,
    explain: "1–32 of a-z, 0-9 and '-', not starting or ending with '-'",
  },
  [KEYLINE_ATTRIBUTE.hardwareVersion]: {
    tags: [Tag.UTF8_STRING],
    maxLength: 32,
    pattern: HARDWARE_VERSION_PATTERN,
    explain: '1–32 of A-Z, a-z, 0-9 and . _ + -',
  },
};

const TAG_NAMES: Readonly<Record<number, string>> = {
  [Tag.UTF8_STRING]: 'UTF8String',
  [Tag.PRINTABLE_STRING]: 'PrintableString',
  [Tag.IA5_STRING]: 'IA5String',
  [Tag.TELETEX_STRING]: 'TeletexString',
  [Tag.BMP_STRING]: 'BMPString',
  [Tag.UNIVERSAL_STRING]: 'UniversalString',
  [Tag.VISIBLE_STRING]: 'VisibleString',
};

function tagName(tag: number): string {
  return TAG_NAMES[tag] ?? `tag 0x${tag.toString(16)}`;
}

function problemsOf(attribute: NameAttribute, where: string): string[] {
  const syntax = SYNTAX[attribute.type];
  if (syntax === undefined) return [];
  const name = `${where} ${attributeName(attribute.type)}`;
  const problems: string[] = [];
  if (!syntax.tags.includes(attribute.tag)) {
    problems.push(`${name} is a ${tagName(attribute.tag)}; it must be ${syntax.tags.map(tagName).join(' or ')}`);
  }
  const length = [...attribute.value].length;
  if (length === 0) problems.push(`${name} is empty`);
  else if (length > syntax.maxLength)
    problems.push(`${name} has ${length} characters; at most ${syntax.maxLength} are allowed`);
  if (attribute.tag === Tag.PRINTABLE_STRING && !PRINTABLE_PATTERN.test(attribute.value)) {
    problems.push(`${name} has characters a PrintableString cannot hold`);
  }
  if (syntax.pattern !== undefined && length > 0 && !syntax.pattern.test(attribute.value)) {
    problems.push(`${name} "${attribute.value.slice(0, 40)}" is not ${syntax.explain ?? 'well-formed'}`);
  }
  return problems;
}

/** KECP 4.7, 6.4: attribute values have the string type and syntax their definition gives. */
export const attributeSyntaxRule: LintRule = {
  id: 'kecp.attribute-syntax',
  severity: 'error',
  clause: 'KECP 6.4',
  description: 'Subject attribute values use the string type, length and characters their definition allows.',
  appliesTo: everyProfile,
  check(cert) {
    const problems: string[] = [];
    for (const rdn of cert.subject.rdns)
      for (const attribute of rdn) problems.push(...problemsOf(attribute, 'subject'));
    return problems;
  },
};
