import { isStringTag } from '../der/strings.js';
import { attributeTypeName } from './attribute-types.js';
import type { Name, NameAttribute } from './types.js';

/** Options for {@link formatName}. */
export interface FormatNameOptions {
  /** Extra short names (OID → name) for attribute types, e.g. Keyline's own; others print as dotted OIDs. */
  readonly shortNames?: Readonly<Record<string, string>>;
}

const SPECIAL = new Set(['"', '+', ',', ';', '<', '>', '\\']);

/**
 * Escapes a string attribute value as RFC 4514 section 2.4 requires: `"+,;<>\` anywhere, a leading
 * space or `#`, a trailing space, and NUL. Other control characters are escaped as hex pairs too,
 * so that a name can never carry terminal controls into a log or console.
 */
export function escapeAttributeValue(value: string): string {
  const chars = Array.from(value);
  let out = '';
  chars.forEach((ch, i) => {
    const cp = ch.codePointAt(0)!;
    if (SPECIAL.has(ch) || (i === 0 && (ch === ' ' || ch === '#')) || (i === chars.length - 1 && ch === ' ')) {
      out += `\\${ch}`;
    } else if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0)) {
      for (const byte of new TextEncoder().encode(ch)) out += `\\${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    } else {
      out += ch;
    }
  });
  return out;
}

function formatAttribute(attribute: NameAttribute, options: FormatNameOptions | undefined): string {
  const type = attributeTypeName(attribute.type, options?.shortNames);
  // Non-string values are held as '#' + hex of their DER already (RFC 4514 section 2.4).
  const value = isStringTag(attribute.tag) ? escapeAttributeValue(attribute.value) : attribute.value;
  return `${type}=${value}`;
}

/**
 * The RFC 4514 string of a name: RDNs last to first, separated by `,`; the attributes of a
 * multi-valued RDN joined by `+`; types by short name (RFC 4514 section 3) or dotted OID; values
 * escaped. Example: a name encoded C=FI, O=Example, CN=Device 1 formats as
 * `CN=Device 1,O=Example,C=FI`. An empty name is the empty string. The string type of each value
 * (PrintableString, UTF8String, …) is not shown.
 */
export function formatName(name: Pick<Name, 'rdns'>, options?: FormatNameOptions): string {
  const parts: string[] = [];
  for (let i = name.rdns.length - 1; i >= 0; i--) {
    parts.push(name.rdns[i]!.map((a) => formatAttribute(a, options)).join('+'));
  }
  return parts.join(',');
}
