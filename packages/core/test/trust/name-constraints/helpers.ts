import type { GeneralName, GeneralSubtree, NameConstraints } from '../../../src/x509/extensions/types.js';
import type { Name, NameAttribute } from '../../../src/x509/name/types.js';
import { OID } from '../../../src/x509/oids.js';
import {
  NameConstraintsState,
  type NameConstraintsLimits,
  type NameConstraintsResult,
} from '../../../src/trust/name-constraints/index.js';

const UTF8 = 0x0c;
const PRINTABLE = 0x13;
const IA5 = 0x16;

const SHORT: Record<string, string> = {
  C: OID.countryName,
  O: OID.organizationName,
  OU: OID.organizationalUnitName,
  CN: OID.commonName,
  emailAddress: OID.emailAddress,
  serialNumber: OID.serialNumber,
};

/**
 * A Name from a compact text: RDNs separated by `,`, multi-valued RDNs joined by `+`, each
 * `TYPE=value` (TYPE a short name above, or `TYPE:p` for PrintableString). DER is not needed by the
 * name-constraint code and is left empty.
 */
export function dn(text: string): Name {
  if (text === '') return { der: new Uint8Array(0), rdns: [] };
  const rdns = text.split(',').map((rdn) =>
    rdn.split('+').map((atv): NameAttribute => {
      const eq = atv.indexOf('=');
      const [typeName, kind] = atv.slice(0, eq).trim().split(':') as [string, string | undefined];
      const type = SHORT[typeName] ?? typeName;
      const tag = kind === 'p' ? PRINTABLE : type === OID.emailAddress ? IA5 : UTF8;
      return { type, tag, value: atv.slice(eq + 1) };
    }),
  );
  return { der: new Uint8Array(0), rdns };
}

export const dns = (value: string): GeneralName => ({ type: 'dns', value });
export const email = (value: string): GeneralName => ({ type: 'email', value });
export const uri = (value: string): GeneralName => ({ type: 'uri', value });
export const dirName = (text: string): GeneralName => ({ type: 'directoryName', value: dn(text) });

/** An iPAddress from dotted IPv4 / colon IPv6 text, with `/prefix` for a constraint (address + mask). */
export function ip(text: string): GeneralName {
  const [address, prefix] = text.split('/') as [string, string | undefined];
  const bytes = address.includes(':') ? ipv6(address) : Uint8Array.from(address.split('.').map(Number));
  if (prefix === undefined) return { type: 'ip', value: bytes };
  const mask = new Uint8Array(bytes.length);
  for (let bit = 0; bit < Number(prefix); bit++) mask[bit >> 3]! |= 0x80 >> (bit & 7);
  return { type: 'ip', value: Uint8Array.from([...bytes, ...mask]) };
}

function ipv6(text: string): Uint8Array {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

export function ipRaw(...octets: number[]): GeneralName {
  return { type: 'ip', value: Uint8Array.from(octets) };
}

export function hwName(hwType: string, serialHex: string): GeneralName {
  return {
    type: 'otherName',
    typeId: OID.hardwareModuleName,
    value: new Uint8Array(0),
    hardwareModuleName: { hwType, hwSerialNum: Buffer.from(serialHex, 'hex') },
  };
}

export function otherName(typeId: string): GeneralName {
  return { type: 'otherName', typeId, value: Uint8Array.from([0x0c, 0x01, 0x41]) };
}

export const x400: GeneralName = { type: 'x400Address', raw: Uint8Array.from([0xa3, 0x00]) };
export const edi: GeneralName = { type: 'ediPartyName', raw: Uint8Array.from([0xa5, 0x00]) };

export const subtree = (base: GeneralName): GeneralSubtree => ({ base, minimum: 0 });

export function permit(...bases: GeneralName[]): NameConstraints {
  return { permitted: bases.map(subtree) };
}

export function exclude(...bases: GeneralName[]): NameConstraints {
  return { excluded: bases.map(subtree) };
}

export interface Leaf {
  subject?: string;
  san?: GeneralName[];
  selfIssuedIntermediate?: boolean;
}

/** Applies each CA's constraints in order, then checks the leaf: the whole of 6.1.3 (b)(c) / 6.1.4 (g) for one path. */
export function run(constraints: NameConstraints[], leaf: Leaf, limits?: NameConstraintsLimits): NameConstraintsResult {
  const state = new NameConstraintsState(limits);
  for (const nc of constraints) {
    const applied = state.apply(nc);
    if (!applied.ok) return applied;
  }
  return state.check({
    subject: dn(leaf.subject ?? ''),
    subjectAltNames: leaf.san,
    isSelfIssuedIntermediate: leaf.selfIssuedIntermediate ?? false,
  });
}

/** The code of a refusal, or 'ok'. */
export function verdict(result: NameConstraintsResult): string {
  return result.ok ? 'ok' : result.code;
}
