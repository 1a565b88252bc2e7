import type { PolicyMapping } from '../../x509/extensions/types.js';
import { PolicyGraph, TreeTooLarge, type PolicyNode } from './graph.js';
import {
  ANY_POLICY,
  DEFAULT_POLICY_LIMITS,
  type PolicyCertificateInput,
  type PolicyErrorCode,
  type PolicyLimits,
  type PolicyOptions,
  type PolicyResult,
} from './types.js';

class PolicyFailure extends Error {
  constructor(
    readonly code: PolicyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The counters of RFC 5280 6.1.2 (d), (e), (f). */
interface Counters {
  explicitPolicy: number;
  inhibitAnyPolicy: number;
  policyMapping: number;
}

/**
 * Certificate policy processing for a whole path, as RFC 5280 section 6.1 specifies it, computed
 * on the policy graph of RFC 9618 (which gives the same answers as RFC 5280's tree without its
 * exponential worst case).
 *
 * `path[0]` is certificate 1 (issued by the trust anchor) and `path[n-1]` the end entity; the trust
 * anchor itself is not part of the path. Steps: 6.1.2 initialisation; for every certificate 6.1.3
 * (d) (policy nodes from certificatePolicies, anyPolicy when not inhibited or on a self-issued
 * intermediate, pruning), (e) (no certificatePolicies: the graph becomes NULL), (f) (explicit
 * policy); for every certificate but the last 6.1.4 (a) (no anyPolicy in mappings), (b) (mappings,
 * or deleting mapped policies when mapping is inhibited), (h), (i), (j) (counters); then 6.1.5 (a),
 * (b) and (g) (the intersection with the user-initial-policy-set).
 *
 * Policy qualifiers are not processed (RFC 5280 4.2.1.4 lets a relying party ignore them).
 * Beyond `limits.maxTreeNodes` nodes in RFC 5280's equivalent tree the path is refused with
 * ERR_POLICY_TREE_TOO_LARGE. Never throws for certificate content; throws TypeError on misuse.
 */
export function validatePolicies(
  path: readonly PolicyCertificateInput[],
  options: PolicyOptions = {},
  limits: PolicyLimits = DEFAULT_POLICY_LIMITS,
): PolicyResult {
  if (path.length === 0) throw new TypeError('validatePolicies needs a path of at least one certificate');
  if (!Number.isSafeInteger(limits.maxTreeNodes) || limits.maxTreeNodes < 1) {
    throw new TypeError('maxTreeNodes must be a positive safe integer');
  }
  const n = path.length;
  const initialSet = new Set(options.initialPolicySet ?? [ANY_POLICY]);
  // RFC 5280 6.1.2 (d), (e), (f): n+1 means "not yet required / not inhibited".
  const counters: Counters = {
    explicitPolicy: options.initialExplicitPolicy === true ? 0 : n + 1,
    inhibitAnyPolicy: options.initialAnyPolicyInhibit === true ? 0 : n + 1,
    policyMapping: options.initialPolicyMappingInhibit === true ? 0 : n + 1,
  };
  const graph = new PolicyGraph(limits.maxTreeNodes);
  let index = 0;
  try {
    for (index = 1; index <= n; index++) {
      const certificate = path[index - 1]!;
      processCertificate(graph, certificate, counters, index, n);
      if (index < n) prepareNext(graph, certificate, counters);
    }
    index = n;
    return wrapUp(graph, path[n - 1]!, counters, initialSet, n);
  } catch (error) {
    if (error instanceof PolicyFailure)
      return { ok: false, code: error.code, message: error.message, certificateIndex: index };
    if (error instanceof TreeTooLarge) {
      return {
        ok: false,
        code: 'ERR_POLICY_TREE_TOO_LARGE',
        message: `the policy tree would exceed ${limits.maxTreeNodes} nodes at certificate ${index} of ${n}`,
        certificateIndex: index,
      };
    }
    throw error;
  }
}

/** RFC 5280 6.1.3 (d), (e), (f) for certificate i. */
function processCertificate(
  graph: PolicyGraph,
  cert: PolicyCertificateInput,
  counters: Counters,
  i: number,
  n: number,
): void {
  const policies = cert.certificatePolicies;
  if (policies === undefined) {
    graph.clear(); // (e)
  } else if (!graph.isNull) {
    const ids = new Set<string>();
    for (const info of policies) {
      if (ids.has(info.policyId)) {
        throw new PolicyFailure('ERR_POLICY_DUPLICATE_POLICY', `certificatePolicies names ${info.policyId} twice`);
      }
      ids.add(info.policyId);
    }
    const previous = graph.level(graph.depth);
    const byExpected = indexByExpectedPolicy(previous);
    const anyParent = previous.get(ANY_POLICY);
    graph.addLevel();
    // (d)(1): each policy P other than anyPolicy joins the nodes expecting it, or else hangs
    // below anyPolicy when the previous depth has it.
    for (const policy of ids) {
      if (policy === ANY_POLICY) continue;
      const parents = byExpected.get(policy);
      if (parents !== undefined) graph.addNode(policy, parents);
      else if (anyParent !== undefined) graph.addNode(policy, [anyParent]);
    }
    // (d)(2): anyPolicy in the certificate stands for every expected policy not yet matched,
    // unless inhibited (a self-issued intermediate is exempt from the inhibition).
    if (ids.has(ANY_POLICY) && (counters.inhibitAnyPolicy > 0 || (i < n && cert.isSelfIssued))) {
      const current = graph.level(graph.depth);
      for (const [policy, parents] of byExpected) {
        if (!current.has(policy)) graph.addNode(policy, parents);
      }
    }
    graph.prune(); // (d)(3)
  }
  // (f)
  if (counters.explicitPolicy === 0 && graph.isNull) {
    throw new PolicyFailure(
      'ERR_POLICY_NO_VALID_POLICY',
      `an explicit policy is required and certificate ${i} leaves no valid policy`,
    );
  }
}

/** Nodes of one depth grouped by each policy of their expected_policy_set, in insertion order. */
function indexByExpectedPolicy(level: ReadonlyMap<string, PolicyNode>): Map<string, PolicyNode[]> {
  const index = new Map<string, PolicyNode[]>();
  for (const node of level.values()) {
    for (const expected of node.expectedPolicySet) {
      const list = index.get(expected);
      if (list === undefined) index.set(expected, [node]);
      else list.push(node);
    }
  }
  return index;
}

/** RFC 5280 6.1.4 (a), (b), (h), (i), (j) after certificate i < n. */
function prepareNext(graph: PolicyGraph, cert: PolicyCertificateInput, counters: Counters): void {
  const mappings = cert.policyMappings;
  if (mappings !== undefined) {
    // (a)
    if (mappings.some((m) => m.issuerDomainPolicy === ANY_POLICY || m.subjectDomainPolicy === ANY_POLICY)) {
      throw new PolicyFailure(
        'ERR_POLICY_ANY_POLICY_MAPPING',
        'policyMappings maps to or from anyPolicy (RFC 5280 6.1.4 (a))',
      );
    }
    if (!graph.isNull) applyMappings(graph, groupMappings(mappings), counters.policyMapping > 0);
  }
  // (h): self-issued certificates do not count.
  if (!cert.isSelfIssued) {
    if (counters.explicitPolicy > 0) counters.explicitPolicy--;
    if (counters.policyMapping > 0) counters.policyMapping--;
    if (counters.inhibitAnyPolicy > 0) counters.inhibitAnyPolicy--;
  }
  // (i)
  const constraints = cert.policyConstraints;
  if (constraints?.requireExplicitPolicy !== undefined) {
    counters.explicitPolicy = Math.min(counters.explicitPolicy, constraints.requireExplicitPolicy);
  }
  if (constraints?.inhibitPolicyMapping !== undefined) {
    counters.policyMapping = Math.min(counters.policyMapping, constraints.inhibitPolicyMapping);
  }
  // (j)
  if (cert.inhibitAnyPolicy !== undefined) {
    counters.inhibitAnyPolicy = Math.min(counters.inhibitAnyPolicy, cert.inhibitAnyPolicy);
  }
}

function groupMappings(mappings: readonly PolicyMapping[]): Map<string, Set<string>> {
  const grouped = new Map<string, Set<string>>();
  for (const { issuerDomainPolicy, subjectDomainPolicy } of mappings) {
    const set = grouped.get(issuerDomainPolicy);
    if (set === undefined) grouped.set(issuerDomainPolicy, new Set([subjectDomainPolicy]));
    else set.add(subjectDomainPolicy);
  }
  return grouped;
}

/** RFC 5280 6.1.4 (b)(1) when mapping is allowed, (b)(2) when policy_mapping is 0. */
function applyMappings(graph: PolicyGraph, grouped: Map<string, Set<string>>, mappingAllowed: boolean): void {
  const current = graph.level(graph.depth);
  if (!mappingAllowed) {
    for (const issuerPolicy of grouped.keys()) graph.removeFromDeepest(issuerPolicy);
    return;
  }
  const anyNode = current.get(ANY_POLICY);
  for (const [issuerPolicy, subjectPolicies] of grouped) {
    const node = current.get(issuerPolicy);
    if (node !== undefined) {
      node.expectedPolicySet = subjectPolicies;
    } else if (anyNode !== undefined) {
      // A node for ID-P below the anyPolicy node of depth i-1, expecting the mapped policies.
      graph.addNode(issuerPolicy, anyNode.parents, subjectPolicies);
    }
  }
}

/** RFC 5280 6.1.5 (a), (b), (g), and the outputs of RFC 9618 section 4.4. */
function wrapUp(
  graph: PolicyGraph,
  leaf: PolicyCertificateInput,
  counters: Counters,
  initialSet: ReadonlySet<string>,
  n: number,
): PolicyResult {
  if (counters.explicitPolicy > 0) counters.explicitPolicy--; // (a)
  if (leaf.policyConstraints?.requireExplicitPolicy === 0) counters.explicitPolicy = 0; // (b)

  const userAny = initialSet.has(ANY_POLICY);
  const authorities = new Set<string>();
  const endEntity = new Set<string>();
  if (!graph.isNull) {
    // Every node left leads to depth n (pruning). A node whose parent is anyPolicy is where a
    // policy of the trust anchor's domain enters the graph: those form the authorities' set.
    const acceptable = new Map<PolicyNode, boolean>();
    for (let depth = 1; depth <= graph.depth; depth++) {
      for (const node of graph.level(depth).values()) {
        if (node.validPolicy === ANY_POLICY) continue;
        const entersHere = node.parents.some((p) => p.validPolicy === ANY_POLICY);
        if (entersHere) authorities.add(node.validPolicy);
        // (g)(iii)(2): a node survives the intersection when it entered with a policy of the
        // user's set, or descends from a node that did.
        const ok =
          userAny ||
          (entersHere && initialSet.has(node.validPolicy)) ||
          node.parents.some((p) => p.validPolicy !== ANY_POLICY && acceptable.get(p) === true);
        acceptable.set(node, ok);
        if (ok && depth === graph.depth) endEntity.add(node.validPolicy);
      }
    }
    if (graph.level(graph.depth).has(ANY_POLICY)) {
      // (g)(iii)(3): anyPolicy at depth n stands for each policy of the user's set that did not
      // enter the graph by name (those are already accounted for, possibly under a mapped name).
      if (userAny) endEntity.add(ANY_POLICY);
      else for (const policy of initialSet) if (!authorities.has(policy)) endEntity.add(policy);
      authorities.add(ANY_POLICY);
    }
  }
  let user: Set<string>;
  if (userAny) user = new Set(authorities);
  else if (authorities.has(ANY_POLICY)) user = new Set(initialSet);
  else user = new Set([...authorities].filter((p) => initialSet.has(p)));

  // (g): with explicit_policy 0 the tree must be non-NULL after the intersection.
  if (counters.explicitPolicy === 0 && endEntity.size === 0) {
    return {
      ok: false,
      code: 'ERR_POLICY_NO_VALID_POLICY',
      message: 'an explicit policy is required and the path is valid for no policy of the initial policy set',
      certificateIndex: n,
    };
  }
  return {
    ok: true,
    authoritiesConstrainedPolicySet: [...authorities].sort(),
    userConstrainedPolicySet: [...user].sort(),
    endEntityPolicies: [...endEntity].sort(),
    explicitPolicy: counters.explicitPolicy === 0,
  };
}
