import type { PolicyCertificateInput, PolicyOptions } from '../../../src/trust/policy/index.js';

/**
 * A deliberately naive, literal transcription of RFC 5280 6.1.2-6.1.5's valid_policy_tree, kept in
 * the tests as an independent oracle for the graph implementation. Exponential in the worst case:
 * use only on small inputs. Qualifiers are left out, as in the implementation.
 */
const ANY = '2.5.29.32.0';

interface TreeNode {
  validPolicy: string;
  expected: Set<string>;
  parent: TreeNode | undefined;
  children: TreeNode[];
  depth: number;
}

export interface OracleResult {
  ok: boolean;
  /** Which step refused: 'explicit' (6.1.3 (f) or 6.1.5 (g)) or 'anyPolicyMapping' (6.1.4 (a)). */
  reason?: 'explicit' | 'anyPolicyMapping';
  /** valid_policy of the nodes whose parent is anyPolicy (before the intersection), plus anyPolicy when at depth n. */
  authorities: string[];
  /** valid_policy values at depth n after the intersection. */
  endEntity: string[];
}

function nodesAt(root: TreeNode | undefined, depth: number): TreeNode[] {
  if (root === undefined) return [];
  const out: TreeNode[] = [];
  const walk = (node: TreeNode): void => {
    if (node.depth === depth) out.push(node);
    else node.children.forEach(walk);
  };
  walk(root);
  return out;
}

function allNodes(root: TreeNode | undefined): TreeNode[] {
  if (root === undefined) return [];
  const out: TreeNode[] = [];
  const walk = (node: TreeNode): void => {
    out.push(node);
    node.children.forEach(walk);
  };
  walk(root);
  return out;
}

function addChild(parent: TreeNode, validPolicy: string, expected: Set<string>): TreeNode {
  const child = { validPolicy, expected, parent, children: [], depth: parent.depth + 1 };
  parent.children.push(child);
  return child;
}

function remove(node: TreeNode): void {
  if (node.parent !== undefined) node.parent.children = node.parent.children.filter((c) => c !== node);
}

/** Deletes childless nodes of depth < `depth`, repeatedly; returns the root or undefined when the tree is gone. */
function prune(root: TreeNode | undefined, depth: number): TreeNode | undefined {
  if (root === undefined) return undefined;
  for (;;) {
    const victims: TreeNode[] = allNodes(root).filter((n) => n.depth < depth && n.children.length === 0);
    if (victims.length === 0) return root;
    for (const v of victims) {
      if (v === root) return undefined;
      remove(v);
    }
  }
}

export function rfc5280Tree(path: readonly PolicyCertificateInput[], options: PolicyOptions = {}): OracleResult {
  const n = path.length;
  const initial = new Set(options.initialPolicySet ?? [ANY]);
  let explicit = options.initialExplicitPolicy ? 0 : n + 1;
  let inhibitAny = options.initialAnyPolicyInhibit ? 0 : n + 1;
  let mapping = options.initialPolicyMappingInhibit ? 0 : n + 1;
  let root: TreeNode | undefined = {
    validPolicy: ANY,
    expected: new Set([ANY]),
    parent: undefined,
    children: [],
    depth: 0,
  };
  const refuse = (reason: OracleResult['reason']): OracleResult => ({
    ok: false,
    reason,
    authorities: [],
    endEntity: [],
  });

  for (let i = 1; i <= n; i++) {
    const cert = path[i - 1]!;
    const policies = cert.certificatePolicies?.map((p) => p.policyId);
    if (policies !== undefined && root !== undefined) {
      const previous = nodesAt(root, i - 1);
      // (d)(1)
      for (const p of policies) {
        if (p === ANY) continue;
        let matched = false;
        for (const node of previous) {
          if (node.expected.has(p)) {
            addChild(node, p, new Set([p]));
            matched = true;
          }
        }
        if (!matched) {
          const anyNode = previous.find((node) => node.validPolicy === ANY);
          if (anyNode !== undefined) addChild(anyNode, p, new Set([p]));
        }
      }
      // (d)(2)
      if (policies.includes(ANY) && (inhibitAny > 0 || (i < n && cert.isSelfIssued))) {
        for (const node of previous) {
          for (const value of node.expected) {
            if (!node.children.some((c) => c.validPolicy === value)) addChild(node, value, new Set([value]));
          }
        }
      }
      // (d)(3)
      root = prune(root, i);
      if (root !== undefined && nodesAt(root, i).length === 0) root = undefined;
    }
    if (policies === undefined) root = undefined; // (e)
    if (explicit === 0 && root === undefined) return refuse('explicit'); // (f)
    if (i === n) break;
    const mappings = cert.policyMappings;
    if (mappings !== undefined) {
      // (a)
      if (mappings.some((m) => m.issuerDomainPolicy === ANY || m.subjectDomainPolicy === ANY))
        return refuse('anyPolicyMapping');
      const issuerPolicies = [...new Set(mappings.map((m) => m.issuerDomainPolicy))];
      for (const idp of issuerPolicies) {
        const sdps = new Set(mappings.filter((m) => m.issuerDomainPolicy === idp).map((m) => m.subjectDomainPolicy));
        const atDepth = nodesAt(root, i);
        if (mapping > 0) {
          const hits = atDepth.filter((node) => node.validPolicy === idp);
          if (hits.length > 0) for (const node of hits) node.expected = new Set(sdps);
          else if (atDepth.some((node) => node.validPolicy === ANY)) {
            const anyParent = nodesAt(root, i - 1).find((node) => node.validPolicy === ANY)!;
            addChild(anyParent, idp, new Set(sdps));
          }
        } else {
          for (const node of atDepth.filter((x) => x.validPolicy === idp)) remove(node);
          root = prune(root, i);
          if (root !== undefined && nodesAt(root, i).length === 0) root = undefined;
        }
      }
    }
    // (h), (i), (j)
    if (!cert.isSelfIssued) {
      if (explicit > 0) explicit--;
      if (mapping > 0) mapping--;
      if (inhibitAny > 0) inhibitAny--;
    }
    const pc = cert.policyConstraints;
    if (pc?.requireExplicitPolicy !== undefined && pc.requireExplicitPolicy < explicit)
      explicit = pc.requireExplicitPolicy;
    if (pc?.inhibitPolicyMapping !== undefined && pc.inhibitPolicyMapping < mapping) mapping = pc.inhibitPolicyMapping;
    if (cert.inhibitAnyPolicy !== undefined && cert.inhibitAnyPolicy < inhibitAny) inhibitAny = cert.inhibitAnyPolicy;
  }
  // 6.1.5 (a), (b)
  if (explicit > 0) explicit--;
  if (path[n - 1]!.policyConstraints?.requireExplicitPolicy === 0) explicit = 0;
  // (g)
  const branch = allNodes(root).filter((node) => node.parent?.validPolicy === ANY);
  const authorities = new Set(branch.filter((node) => node.validPolicy !== ANY).map((node) => node.validPolicy));
  if (nodesAt(root, n).some((node) => node.validPolicy === ANY)) authorities.add(ANY);
  if (root !== undefined && !initial.has(ANY)) {
    for (const node of branch) if (node.validPolicy !== ANY && !initial.has(node.validPolicy)) remove(node); // (iii)(2)
    const anyLeaf = nodesAt(root, n).find((node) => node.validPolicy === ANY);
    if (anyLeaf !== undefined) {
      // (iii)(3)
      for (const p of initial) {
        if (!branch.some((node) => node.validPolicy === p)) addChild(anyLeaf.parent!, p, new Set([p]));
      }
      remove(anyLeaf);
    }
    root = prune(root, n); // (iii)(4)
    if (root !== undefined && nodesAt(root, n).length === 0) root = undefined;
  }
  const endEntity = [...new Set(nodesAt(root, n).map((node) => node.validPolicy))].sort();
  if (explicit === 0 && root === undefined) return refuse('explicit');
  return { ok: true, authorities: [...authorities].sort(), endEntity };
}
