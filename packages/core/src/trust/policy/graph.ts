import { ANY_POLICY } from './types.js';

/**
 * One node of the valid_policy_graph (RFC 9618 section 4.1). Unlike RFC 5280's tree, a node may
 * have several parents, and a depth holds at most one node per valid_policy, so the graph stays
 * as small as the certificates that build it.
 */
export interface PolicyNode {
  readonly validPolicy: string;
  /** The policies that satisfy this one in the next certificate (changed by policy mappings). */
  expectedPolicySet: ReadonlySet<string>;
  readonly parents: PolicyNode[];
  childCount: number;
  /**
   * How many nodes RFC 5280's valid_policy_tree would hold for this one: the sum over its parents
   * (the tree copies a node once per path from the root). Saturates just above the limit.
   */
  readonly treeCopies: number;
}

/** Thrown inside the graph when RFC 5280's tree would exceed the limit; caught by validatePolicies. */
export class TreeTooLarge extends Error {}

/**
 * The valid_policy_graph: one map per depth from valid_policy to node. `null` levels are not kept;
 * a graph with no node at its deepest level is the NULL graph.
 */
export class PolicyGraph {
  private readonly levels: Map<string, PolicyNode>[];
  private treeNodes: number;

  /** RFC 5280 6.1.2 (a): a single anyPolicy node of depth 0 expecting anyPolicy. */
  constructor(private readonly maxTreeNodes: number) {
    const root: PolicyNode = {
      validPolicy: ANY_POLICY,
      expectedPolicySet: new Set([ANY_POLICY]),
      parents: [],
      childCount: 0,
      treeCopies: 1,
    };
    this.levels = [new Map([[ANY_POLICY, root]])];
    this.treeNodes = 1;
  }

  get depth(): number {
    return this.levels.length - 1;
  }

  level(depth: number): ReadonlyMap<string, PolicyNode> {
    return this.levels[depth] ?? new Map();
  }

  /** Whether the graph is NULL (no node at its deepest level). */
  get isNull(): boolean {
    return this.level(this.depth).size === 0;
  }

  /** Opens the next depth, empty. */
  addLevel(): void {
    this.levels.push(new Map());
  }

  /**
   * Adds a node of valid_policy `policy` at the deepest level with the given parents (all of the
   * level above) and expected_policy_set {policy}. Throws TreeTooLarge when RFC 5280's tree would
   * now exceed the limit.
   */
  addNode(
    policy: string,
    parents: readonly PolicyNode[],
    expected: ReadonlySet<string> = new Set([policy]),
  ): PolicyNode {
    let copies = 0;
    for (const parent of parents) copies = Math.min(this.maxTreeNodes + 1, copies + parent.treeCopies);
    const node: PolicyNode = {
      validPolicy: policy,
      expectedPolicySet: expected,
      parents: [...parents],
      childCount: 0,
      treeCopies: copies,
    };
    for (const parent of parents) parent.childCount++;
    this.levels[this.depth]!.set(policy, node);
    this.treeNodes += copies;
    if (this.treeNodes > this.maxTreeNodes) throw new TreeTooLarge();
    return node;
  }

  /** Removes a node of the deepest level (RFC 5280 6.1.4 (b)(2)(i)), then prunes. */
  removeFromDeepest(policy: string): void {
    const level = this.levels[this.depth]!;
    const node = level.get(policy);
    if (node === undefined) return;
    level.delete(policy);
    this.detach(node);
    this.prune();
  }

  /**
   * Deletes every node above the deepest level that has no child, repeatedly (RFC 5280 6.1.3 (d)(3),
   * 6.1.4 (b)(2)(ii)), so that every node left leads to the deepest level. Nodes of the deepest
   * level are kept even when childless.
   */
  prune(): void {
    for (let depth = this.depth - 1; depth >= 0; depth--) {
      const level = this.levels[depth]!;
      for (const [policy, node] of level) {
        if (node.childCount > 0) continue;
        level.delete(policy);
        this.detach(node);
      }
    }
  }

  /** Makes the graph NULL (RFC 5280 6.1.3 (e)): no certificatePolicies extension. */
  clear(): void {
    for (const level of this.levels) level.clear();
    this.treeNodes = 0;
  }

  private detach(node: PolicyNode): void {
    for (const parent of node.parents) parent.childCount--;
    this.treeNodes -= node.treeCopies;
  }
}
