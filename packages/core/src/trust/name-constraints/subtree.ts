import type { GeneralName, GeneralSubtree } from '../../x509/extensions/types.js';
import { OID } from '../../x509/oids.js';
import { comparableName, type ComparableName } from './directory-name.js';
import { parseDnsConstraint, type Labels } from './dns.js';
import { parseEmailConstraint, type EmailConstraint } from './email.js';
import { parseIpConstraint, type IpConstraint } from './ip.js';
import { parseUriConstraint, type UriConstraint } from './uri.js';

/**
 * The name form a subtree or a name belongs to. Constraints of one form apply only to names of the
 * same form (RFC 5280 4.2.1.10). Each otherName type-id is a form of its own, since its syntax and
 * meaning come from the type-id.
 */
export type FormKey = string;

export const FORM = {
  dns: 'dNSName',
  email: 'rfc822Name',
  uri: 'uniformResourceIdentifier',
  ip: 'iPAddress',
  directoryName: 'directoryName',
  registeredId: 'registeredID',
  x400Address: 'x400Address',
  ediPartyName: 'ediPartyName',
} as const;

export function otherNameForm(typeId: string): FormKey {
  return `otherName(${typeId})`;
}

/** A subtree checked and prepared for comparison. */
export type CompiledSubtree =
  | { readonly kind: 'dns'; readonly labels: Labels }
  | { readonly kind: 'email'; readonly constraint: EmailConstraint }
  | { readonly kind: 'uri'; readonly constraint: UriConstraint }
  | { readonly kind: 'ip'; readonly constraint: IpConstraint }
  | { readonly kind: 'directoryName'; readonly name: ComparableName }
  | { readonly kind: 'hardwareModuleName'; readonly hwType: string; readonly serial: Uint8Array }
  /** A form Keyline cannot compare: kept so that a name of the same form is refused, not waved through. */
  | { readonly kind: 'unsupported' };

export type CompileResult =
  | { readonly ok: true; readonly form: FormKey; readonly subtree: CompiledSubtree }
  | { readonly ok: false; readonly message: string };

function malformed(message: string): CompileResult {
  return { ok: false, message };
}

/**
 * Checks one GeneralSubtree and prepares it. Malformed subtrees are refused at once (the whole
 * extension is then unusable); subtrees of forms Keyline does not compare are kept as
 * `unsupported`, and refused only when a name of their form shows up (x509-limbo
 * `nc-forbids-othername` and `nc-forbids-othername-noop`: RFC 5280 lets a validator ignore a
 * constraint on a form no name of the path uses).
 */
export function compileSubtree(subtree: GeneralSubtree): CompileResult {
  // RFC 5280 4.2.1.10: "the minimum MUST be zero, and maximum MUST be absent".
  if (subtree.minimum !== 0 || subtree.maximum !== undefined) {
    return malformed('a GeneralSubtree has a minimum other than 0 or a maximum, which RFC 5280 forbids');
  }
  return compileBase(subtree.base);
}

function compileBase(base: GeneralName): CompileResult {
  switch (base.type) {
    case 'dns': {
      const labels = parseDnsConstraint(base.value);
      if (labels === undefined) return malformed(`dNSName constraint ${JSON.stringify(base.value)} is not a host name`);
      return { ok: true, form: FORM.dns, subtree: { kind: 'dns', labels } };
    }
    case 'email': {
      const constraint = parseEmailConstraint(base.value);
      if (constraint === undefined)
        return malformed(`rfc822Name constraint ${JSON.stringify(base.value)} is malformed`);
      return { ok: true, form: FORM.email, subtree: { kind: 'email', constraint } };
    }
    case 'uri': {
      const constraint = parseUriConstraint(base.value);
      if (constraint === undefined)
        return malformed(`URI constraint ${JSON.stringify(base.value)} is not a host or .domain`);
      return { ok: true, form: FORM.uri, subtree: { kind: 'uri', constraint } };
    }
    case 'ip': {
      const constraint = parseIpConstraint(base.value);
      if (constraint === undefined) {
        return malformed(`iPAddress constraint of ${base.value.length} octets is not an address and a prefix mask`);
      }
      return { ok: true, form: FORM.ip, subtree: { kind: 'ip', constraint } };
    }
    case 'directoryName':
      return {
        ok: true,
        form: FORM.directoryName,
        subtree: { kind: 'directoryName', name: comparableName(base.value) },
      };
    case 'otherName': {
      const form = otherNameForm(base.typeId);
      if (base.typeId === OID.hardwareModuleName && base.hardwareModuleName !== undefined) {
        const { hwType, hwSerialNum } = base.hardwareModuleName;
        return { ok: true, form, subtree: { kind: 'hardwareModuleName', hwType, serial: hwSerialNum } };
      }
      return { ok: true, form, subtree: { kind: 'unsupported' } };
    }
    case 'registeredId':
      return { ok: true, form: FORM.registeredId, subtree: { kind: 'unsupported' } };
    case 'x400Address':
    case 'ediPartyName':
      return { ok: true, form: FORM[base.type], subtree: { kind: 'unsupported' } };
  }
}
