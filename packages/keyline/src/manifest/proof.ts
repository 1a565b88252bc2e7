import { createHash } from 'node:crypto';
import { KeylineError, isErrorCode, isKeylineError, type CertificateInput, type ErrorCode } from '@keyline/core';
import { checkDeviceEntry, validateIssuerChain } from './device-check.js';
import { parseDevice, parseHeader, parseRoot, type DeviceEntry } from './format.js';
import { readLines } from './lines.js';
import { TreeHasher, auditPathRanges, leafHash, rootFromAuditPath, type LeafRange } from './merkle.js';
import { checkRootSignature } from './root-check.js';

/**
 * What a buyer needs to check one device without the whole manifest: the header (issuer chain),
 * the device's line, the RFC 9162 2.1.3 audit path and the signed root line.
 */
export interface InclusionProof {
  readonly index: number;
  readonly treeSize: number;
  readonly headerLine: string;
  readonly leafLine: string;
  /** Hex SHA-256 node hashes, from the leaf's sibling up. */
  readonly auditPath: readonly string[];
  readonly rootLine: string;
}

const DEVICE_PREFIX = Buffer.from('{"type":"device",');
const ROOT_PREFIX = Buffer.from('{"type":"root",');

function unreadable(path: string, error: unknown): never {
  if (isKeylineError(error)) throw error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'unreadable';
  throw new KeylineError('ERR_CLI_UNREADABLE_FILE', `cannot read ${path} (${code})`, { path });
}

/**
 * Builds the inclusion proof of entry `index` from a manifest file in two streaming passes (the
 * first finds the header and root lines, the second hashes the audit path's subtrees), holding
 * O(log n) hashes. It does not verify the manifest: `verifyInclusionProof` checks what it returns.
 */
export async function inclusionProof(path: string, index: number): Promise<InclusionProof> {
  let headerLine: string | undefined;
  let rootLine: string | undefined;
  try {
    for await (const line of readLines(path)) {
      if (line.number === 1) headerLine = line.bytes.toString('utf8');
      else if (line.bytes.subarray(0, ROOT_PREFIX.length).equals(ROOT_PREFIX)) rootLine = line.bytes.toString('utf8');
    }
  } catch (error) {
    unreadable(path, error);
  }
  if (headerLine === undefined || rootLine === undefined) {
    throw new KeylineError('ERR_MANIFEST_TRUNCATED', `${path} has no header or no root line`);
  }
  const treeSize = parseRoot(Buffer.from(rootLine, 'utf8')).count;
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
    throw new KeylineError('ERR_MANIFEST_INDEX_OUT_OF_RANGE', `no entry ${index}: the manifest has ${treeSize}`);
  }

  const ranges = auditPathRanges(index, treeSize);
  const byStart = [...ranges].sort((a, b) => a.start - b.start);
  const hashes = new Map<LeafRange, Buffer>();
  let leafLine: string | undefined;
  let position = 0;
  let next = 0;
  let active: { range: LeafRange; tree: TreeHasher } | undefined;
  try {
    for await (const line of readLines(path)) {
      if (!line.bytes.subarray(0, DEVICE_PREFIX.length).equals(DEVICE_PREFIX)) continue;
      if (position === index) leafLine = line.bytes.toString('utf8');
      const range = byStart[next];
      if (active === undefined && range !== undefined && range.start === position) {
        active = { range, tree: new TreeHasher() };
        next++;
      }
      if (active !== undefined) {
        active.tree.addLeafHash(leafHash(line.bytes));
        if (position === active.range.end - 1) {
          hashes.set(active.range, active.tree.root());
          active = undefined;
        }
      }
      position++;
    }
  } catch (error) {
    unreadable(path, error);
  }
  if (leafLine === undefined || ranges.some((r) => !hashes.has(r))) {
    throw new KeylineError('ERR_MANIFEST_COUNT_MISMATCH', `${path} holds fewer entries than its root counts`);
  }
  return {
    index,
    treeSize,
    headerLine,
    leafLine,
    auditPath: ranges.map((r) => hashes.get(r)!.toString('hex')),
    rootLine,
  };
}

/** What `verifyInclusionProof` checks against; `time` as in `verifyManifest`. */
export interface VerifyProofOptions {
  readonly time?: Date;
}

export type InclusionProofResult =
  | { readonly ok: true; readonly entry: DeviceEntry; readonly treeHead: string }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

const HEX_32 = /^[0-9a-f]{64}$/;

/**
 * Verifies an inclusion proof offline: the issuer chain and the root signature against the trust
 * root, the device entry against its certificate, and the audit path from the entry's leaf hash
 * to the signed tree head (RFC 9162 2.1.3.2).
 */
export function verifyInclusionProof(
  proof: InclusionProof,
  trustRoot: CertificateInput | readonly CertificateInput[],
  options: VerifyProofOptions = {},
): InclusionProofResult {
  try {
    const headerBytes = Buffer.from(String(proof.headerLine), 'utf8');
    const header = parseHeader(headerBytes);
    const time = options.time ?? header.createdAt;
    const issuing = validateIssuerChain(header.issuerChain, trustRoot, time);
    const root = parseRoot(Buffer.from(String(proof.rootLine), 'utf8'));
    if (root.headerHash !== createHash('sha256').update(headerBytes).digest('hex')) {
      throw new KeylineError('ERR_MANIFEST_HEADER_HASH_MISMATCH', 'the header is not the one the root signs');
    }
    if (root.count !== proof.treeSize) {
      throw new KeylineError('ERR_MANIFEST_PROOF_INVALID', `the proof's tree size is not the root's count`);
    }
    checkRootSignature(root, header.issuerChain, trustRoot, time);
    const leafBytes = Buffer.from(String(proof.leafLine), 'utf8');
    const entry = parseDevice(leafBytes);
    if (entry.index !== proof.index) {
      throw new KeylineError('ERR_MANIFEST_PROOF_INVALID', `the entry's index is not the proof's index`);
    }
    checkDeviceEntry(entry, issuing, time);
    if (!Array.isArray(proof.auditPath) || !proof.auditPath.every((h) => typeof h === 'string' && HEX_32.test(h))) {
      throw new KeylineError('ERR_MANIFEST_PROOF_INVALID', 'the audit path is not a list of SHA-256 hashes');
    }
    const path = proof.auditPath.map((h) => Buffer.from(h, 'hex'));
    const computed = rootFromAuditPath(proof.index, proof.treeSize, leafHash(leafBytes), path);
    if (computed === undefined || computed.toString('hex') !== root.treeHead) {
      throw new KeylineError('ERR_MANIFEST_PROOF_INVALID', 'the audit path does not lead to the signed tree head');
    }
    return { ok: true, entry, treeHead: root.treeHead };
  } catch (error) {
    if (isKeylineError(error) && isErrorCode(error.code))
      return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}
