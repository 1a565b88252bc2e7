import type { NameConstraints } from '../../x509/extensions/types.js';
import { isWithinDirectoryName } from './directory-name.js';
import { dnsNameMayTouch, dnsNameWithin } from './dns.js';
import { mailboxWithin } from './email.js';
import { ipWithin } from './ip.js';
import { prepareNames, type PreparedName } from './names.js';
import { compileSubtree, type CompiledSubtree, type FormKey } from './subtree.js';
import {
  DEFAULT_NAME_CONSTRAINTS_LIMITS,
  type NameConstraintsCheckInput,
  type NameConstraintsErrorCode,
  type NameConstraintsLimits,
  type NameConstraintsResult,
} from './types.js';
import { uriHostWithin } from './uri.js';

/** Subtrees of one form, grouped. */
type SubtreesByForm = ReadonlyMap<FormKey, readonly CompiledSubtree[]>;

const OK: NameConstraintsResult = { ok: true };

function refuse(code: NameConstraintsErrorCode, message: string): NameConstraintsResult {
  return { ok: false, code, message };
}

/**
 * The name-constraint state variables of RFC 5280 6.1.2 (b) and (c) for one path:
 * permitted_subtrees (initially unbounded for every form) and excluded_subtrees (initially empty).
 *
 * The intersection of 6.1.4 (g)(1) is kept as layers: one layer per CA certificate that has
 * permitted subtrees, holding only the forms it names. A name is within the intersection when, in
 * every layer that constrains its form, it is within one of that layer's subtrees; a layer that
 * does not mention a form leaves that form unchanged, as 6.1.4 (g)(1) says. This is exactly the
 * intersection without computing it (which for DNS domains and IP prefixes would need set
 * arithmetic on subtrees). Excluded subtrees (6.1.4 (g)(2)) are a plain union.
 *
 * The state is mutable: `apply` adds a certificate's constraints, `check` tests a certificate's
 * names; `clone` gives an independent copy for path builders that branch. One budget of
 * comparisons covers the whole path (see NameConstraintsLimits).
 *
 * Supported forms: dNSName, rfc822Name (mailbox, host, .domain), uniformResourceIdentifier (host,
 * .domain), iPAddress (IPv4 and IPv6 prefixes), directoryName (RDN prefix, RFC 5280 7.1
 * comparison), and otherName hardwareModuleName (RFC 4108; a subtree holds exactly the name with
 * the same hwType and hwSerialNum: RFC 4108 defines no subtree semantics, so equality is the only
 * honest one). x400Address, ediPartyName, registeredID and otherNames of any other type are not
 * compared: a name of such a form under a constraint of the same form is refused
 * (ERR_NC_UNSUPPORTED_NAME_FORM), and such a constraint with no name of its form is harmless.
 */
export class NameConstraintsState {
  private readonly permittedLayers: SubtreesByForm[];
  private readonly excluded: Map<FormKey, CompiledSubtree[]>;
  private readonly limits: NameConstraintsLimits;
  private comparisonsLeft: number;

  constructor(limits: NameConstraintsLimits = DEFAULT_NAME_CONSTRAINTS_LIMITS) {
    if (!Number.isSafeInteger(limits.maxComparisons) || limits.maxComparisons < 0) {
      throw new TypeError('maxComparisons must be a non-negative safe integer');
    }
    this.permittedLayers = [];
    this.excluded = new Map();
    this.limits = limits;
    this.comparisonsLeft = limits.maxComparisons;
  }

  /** An independent copy of this state (same subtrees, same budget left). */
  clone(): NameConstraintsState {
    const copy = new NameConstraintsState(this.limits);
    copy.permittedLayers.push(...this.permittedLayers);
    for (const [form, subtrees] of this.excluded) copy.excluded.set(form, [...subtrees]);
    copy.comparisonsLeft = this.comparisonsLeft;
    return copy;
  }

  /** True while no certificate has added a constraint (every name is acceptable). */
  get isUnconstrained(): boolean {
    return this.permittedLayers.length === 0 && this.excluded.size === 0;
  }

  /**
   * RFC 5280 6.1.4 (g): adds the nameConstraints of CA certificate i (i < n) to the state.
   * Permitted subtrees narrow the permitted space (intersection, per form); excluded subtrees are
   * added to the excluded space (union). A malformed subtree (bad syntax, an iPAddress mask that is
   * not a prefix, a minimum or maximum) refuses the whole extension with ERR_NC_MALFORMED_CONSTRAINT
   * and leaves the state unchanged.
   */
  apply(nameConstraints: NameConstraints): NameConstraintsResult {
    const layer = new Map<FormKey, CompiledSubtree[]>();
    const excluded: [FormKey, CompiledSubtree][] = [];
    for (const subtree of nameConstraints.permitted ?? []) {
      const compiled = compileSubtree(subtree);
      if (!compiled.ok) return refuse('ERR_NC_MALFORMED_CONSTRAINT', `permitted subtree: ${compiled.message}`);
      const list = layer.get(compiled.form);
      if (list === undefined) layer.set(compiled.form, [compiled.subtree]);
      else list.push(compiled.subtree);
    }
    for (const subtree of nameConstraints.excluded ?? []) {
      const compiled = compileSubtree(subtree);
      if (!compiled.ok) return refuse('ERR_NC_MALFORMED_CONSTRAINT', `excluded subtree: ${compiled.message}`);
      excluded.push([compiled.form, compiled.subtree]);
    }
    if (layer.size > 0) this.permittedLayers.push(layer);
    for (const [form, subtree] of excluded) {
      const list = this.excluded.get(form);
      if (list === undefined) this.excluded.set(form, [subtree]);
      else list.push(subtree);
    }
    return OK;
  }

  /**
   * RFC 5280 6.1.3 (b) and (c): checks the names of certificate i against the state. Every name
   * of a constrained form must be within the permitted subtrees of its form and outside every
   * excluded one; names of forms no constraint mentions are unconstrained. Names checked: the
   * subject DN, the subject's emailAddress attributes and every subjectAltName entry (never the
   * commonName as a host name). Self-issued certificates other than the last are skipped.
   *
   * Refusals: ERR_NC_NAME_EXCLUDED, ERR_NC_NAME_NOT_PERMITTED, ERR_NC_MALFORMED_NAME (a name of a
   * constrained form that does not parse), ERR_NC_URI_WITHOUT_HOST (a URN or IP-literal URI under URI
   * constraints), ERR_NC_UNSUPPORTED_NAME_FORM, ERR_NC_TOO_MUCH_WORK (the comparisons needed exceed
   * what is left of the budget; counted before any is made).
   */
  check(input: NameConstraintsCheckInput): NameConstraintsResult {
    if (input.isSelfIssuedIntermediate || this.isUnconstrained) return OK;
    const names = prepareNames(input);
    const cost = names.reduce((sum, name) => sum + this.costOf(name), 0);
    if (cost > this.comparisonsLeft) {
      return refuse(
        'ERR_NC_TOO_MUCH_WORK',
        `checking ${names.length} names needs ${cost} comparisons; ${this.comparisonsLeft} of ${this.limits.maxComparisons} are left`,
      );
    }
    this.comparisonsLeft -= cost;
    for (const name of names) {
      const result = this.checkName(name);
      if (!result.ok) return result;
    }
    return OK;
  }

  private relevant(name: PreparedName): { permitted: (readonly CompiledSubtree[])[]; excluded: CompiledSubtree[] } {
    const permitted: (readonly CompiledSubtree[])[] = [];
    const excluded: CompiledSubtree[] = [];
    for (const form of name.forms) {
      for (const layer of this.permittedLayers) {
        const subtrees = layer.get(form);
        if (subtrees !== undefined) permitted.push(subtrees);
      }
      excluded.push(...(this.excluded.get(form) ?? []));
    }
    return { permitted, excluded };
  }

  private costOf(name: PreparedName): number {
    let cost = 0;
    for (const form of name.forms) {
      for (const layer of this.permittedLayers) cost += weight(layer.get(form));
      cost += weight(this.excluded.get(form));
    }
    return cost;
  }

  private checkName(name: PreparedName): NameConstraintsResult {
    const { permitted, excluded } = this.relevant(name);
    if (permitted.length === 0 && excluded.length === 0) return OK;
    const unsupported =
      name.kind === 'unsupported' ||
      excluded.some(isUnsupported) ||
      permitted.some((layer) => layer.some(isUnsupported));
    if (unsupported) {
      return refuse(
        'ERR_NC_UNSUPPORTED_NAME_FORM',
        `${name.label} is under a name constraint of a form Keyline does not compare`,
      );
    }
    const malformed = whyMalformed(name);
    if (malformed !== undefined) return malformed;
    for (const subtree of excluded) {
      if (touches(name, subtree)) return refuse('ERR_NC_NAME_EXCLUDED', `${name.label} is within an excluded subtree`);
    }
    for (const layer of permitted) {
      if (!layer.some((subtree) => within(name, subtree))) {
        return refuse('ERR_NC_NAME_NOT_PERMITTED', `${name.label} is not within the permitted subtrees`);
      }
    }
    return OK;
  }
}

function isUnsupported(subtree: CompiledSubtree): boolean {
  return subtree.kind === 'unsupported';
}

/** Comparisons a list of subtrees costs one name: directoryName comparisons weigh their RDN count. */
function weight(subtrees: readonly CompiledSubtree[] | undefined): number {
  if (subtrees === undefined) return 0;
  let total = 0;
  for (const s of subtrees) total += s.kind === 'directoryName' ? Math.max(1, s.name.length) : 1;
  return total;
}

function whyMalformed(name: PreparedName): NameConstraintsResult | undefined {
  switch (name.kind) {
    case 'dns':
    case 'email':
      return name.parsed === undefined ? refuse('ERR_NC_MALFORMED_NAME', `${name.label} is malformed`) : undefined;
    case 'ip':
      return name.address === undefined
        ? refuse('ERR_NC_MALFORMED_NAME', `${name.label} is not an IPv4 or IPv6 address`)
        : undefined;
    case 'uri':
      if (name.host.kind === 'malformed') return refuse('ERR_NC_MALFORMED_NAME', `${name.label}: ${name.host.why}`);
      if (name.host.kind === 'none') return refuse('ERR_NC_URI_WITHOUT_HOST', `${name.label}: ${name.host.why}`);
      return undefined;
    default:
      return undefined;
  }
}

/** Whether the whole of `name` is within `subtree` (for permitted subtrees). Forms match by construction. */
function within(name: PreparedName, subtree: CompiledSubtree): boolean {
  switch (subtree.kind) {
    case 'dns':
      return name.kind === 'dns' && name.parsed !== undefined && dnsNameWithin(name.parsed, subtree.labels);
    case 'email':
      return name.kind === 'email' && name.parsed !== undefined && mailboxWithin(name.parsed, subtree.constraint);
    case 'uri':
      return name.kind === 'uri' && name.host.kind === 'host' && uriHostWithin(name.host.host, subtree.constraint);
    case 'ip':
      return name.kind === 'ip' && name.address !== undefined && ipWithin(name.address, subtree.constraint);
    case 'directoryName':
      return name.kind === 'directoryName' && isWithinDirectoryName(name.name, subtree.name);
    case 'hardwareModuleName':
      return (
        name.kind === 'hardwareModuleName' &&
        name.hwType === subtree.hwType &&
        Buffer.compare(name.serial, subtree.serial) === 0
      );
    case 'unsupported':
      return false;
  }
}

/** Whether any part of `name` may be within `subtree` (for excluded subtrees): differs from `within` for wildcards. */
function touches(name: PreparedName, subtree: CompiledSubtree): boolean {
  if (subtree.kind === 'dns') {
    return name.kind === 'dns' && name.parsed !== undefined && dnsNameMayTouch(name.parsed, subtree.labels);
  }
  return within(name, subtree);
}
