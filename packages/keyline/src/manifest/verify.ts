import { createHash } from 'node:crypto';
import { KeylineError, isErrorCode, isKeylineError, type CertificateInput, type ErrorCode } from '@keyline/core';
import { checkDeviceEntry, validateIssuerChain } from './device-check.js';
import { parseDevice, parseHeader, parseRoot, type ManifestHeader } from './format.js';
import { readLines } from './lines.js';
import { TreeHasher, leafHash } from './merkle.js';
import { checkRootSignature } from './root-check.js';

/** What `verifyManifest` checks against. */
export interface VerifyManifestOptions {
  /** The ecosystem root(s) the buyer trusts. */
  readonly trustRoot: CertificateInput | readonly CertificateInput[];
  /**
   * The time certificates are validated at. Default: the header's `createdAt`, the time the
   * manifest attests to (device certificates may expire after delivery without voiding the record).
   */
  readonly time?: Date;
  /**
   * Default true. False skips the per-device certificate checks (chain, names, key) and keeps the
   * structure, order, tree head and root signature checks: for tests and quick integrity checks.
   */
  readonly checkDevices?: boolean;
}

/** A valid manifest. */
export interface ManifestValid {
  readonly ok: true;
  readonly header: ManifestHeader;
  readonly count: number;
  readonly treeHead: string;
}

/** The first failure found. */
export interface ManifestInvalid {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
  /** 1-based line of the file where it was found. */
  readonly line: number;
  /** The device entry (0-based index) it concerns, when it concerns one. */
  readonly index?: number;
}

export type ManifestVerifyResult = ManifestValid | ManifestInvalid;

const DEVICE_PREFIX = Buffer.from('{"type":"device",');
const ROOT_PREFIX = Buffer.from('{"type":"root",');

class Failure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly line: number,
    readonly index?: number,
  ) {
    super(message);
  }
}

function failAt(error: unknown, line: number, index?: number): never {
  if (isKeylineError(error) && isErrorCode(error.code)) throw new Failure(error.code, error.message, line, index);
  throw error;
}

/**
 * Verifies a manifest file in one streaming pass (docs/manifest.md, "Verifying"), with memory
 * bounded by one line and O(log n) tree hashes. Returns the first failure with its line and entry
 * index. Throws ERR_CLI_UNREADABLE_FILE when the file cannot be read.
 */
export async function verifyManifest(path: string, options: VerifyManifestOptions): Promise<ManifestVerifyResult> {
  try {
    return await verifyLines(path, options);
  } catch (error) {
    if (error instanceof Failure) {
      return {
        ok: false,
        code: error.code,
        message: error.message,
        line: error.line,
        ...(error.index === undefined ? {} : { index: error.index }),
      };
    }
    if (isKeylineError(error)) throw error;
    const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'unreadable';
    throw new KeylineError('ERR_CLI_UNREADABLE_FILE', `cannot read ${path} (${code})`, { path });
  }
}

async function verifyLines(path: string, options: VerifyManifestOptions): Promise<ManifestValid> {
  const lines = readLines(path);
  let lineNumber = 1;
  const next = async () => {
    try {
      return await lines.next();
    } catch (error) {
      return failAt(error, lineNumber + 1);
    }
  };

  const first = await next();
  if (first.done === true) throw new Failure('ERR_MANIFEST_HEADER_INVALID', 'the file is empty', 1);
  let header: ManifestHeader;
  try {
    if (!first.value.terminated) throw new KeylineError('ERR_MANIFEST_TRUNCATED', 'the file ends in its header');
    header = parseHeader(first.value.bytes);
  } catch (error) {
    failAt(error, 1);
  }
  const headerHash = createHash('sha256').update(first.value.bytes).digest('hex');
  const time = options.time ?? header.createdAt;
  let issuing;
  try {
    issuing = validateIssuerChain(header.issuerChain, options.trustRoot, time);
  } catch (error) {
    failAt(error, 1);
  }

  const tree = new TreeHasher();
  const checkDevices = options.checkDevices !== false;
  for (let item = await next(); item.done !== true; item = await next()) {
    const { bytes, number, terminated } = item.value;
    lineNumber = number;
    const index = tree.size;
    if (!terminated)
      throw new Failure('ERR_MANIFEST_TRUNCATED', 'the file ends in the middle of a line', number, index);
    if (bytes.subarray(0, DEVICE_PREFIX.length).equals(DEVICE_PREFIX)) {
      try {
        const entry = parseDevice(bytes);
        if (entry.index !== index) {
          throw new KeylineError(
            'ERR_MANIFEST_INDEX_MISMATCH',
            `entry ${index} expected here, found entry ${entry.index}: entries were removed, added or reordered`,
          );
        }
        if (checkDevices) checkDeviceEntry(entry, issuing, time);
      } catch (error) {
        failAt(error, number, index);
      }
      tree.addLeafHash(leafHash(bytes));
      continue;
    }
    if (!bytes.subarray(0, ROOT_PREFIX.length).equals(ROOT_PREFIX)) {
      throw new Failure(
        'ERR_MANIFEST_MALFORMED',
        'the line is neither a device entry nor the root line',
        number,
        index,
      );
    }
    const treeHead = checkRoot(bytes, number, tree, headerHash, header, options, time);
    const after = await next();
    if (after.done !== true) {
      throw new Failure('ERR_MANIFEST_TRAILING_DATA', 'there are lines after the root line', after.value.number);
    }
    return { ok: true, header, count: tree.size, treeHead };
  }
  throw new Failure(
    'ERR_MANIFEST_TRUNCATED',
    `the file ends after ${tree.size} entries without its root line`,
    lineNumber + 1,
  );
}

function checkRoot(
  bytes: Buffer,
  number: number,
  tree: TreeHasher,
  headerHash: string,
  header: ManifestHeader,
  options: VerifyManifestOptions,
  time: Date,
): string {
  try {
    const root = parseRoot(bytes);
    if (root.headerHash !== headerHash)
      throw new KeylineError('ERR_MANIFEST_HEADER_HASH_MISMATCH', 'the header was changed');
    if (root.count !== tree.size) {
      throw new KeylineError(
        'ERR_MANIFEST_COUNT_MISMATCH',
        `the root counts ${root.count} entries; the file holds ${tree.size}`,
      );
    }
    const treeHead = tree.root().toString('hex');
    if (root.treeHead !== treeHead) {
      throw new KeylineError(
        'ERR_MANIFEST_TREE_HEAD_MISMATCH',
        `the entries hash to ${treeHead}, the root signs ${root.treeHead}: an entry was changed`,
      );
    }
    checkRootSignature(root, header.issuerChain, options.trustRoot, time);
    return treeHead;
  } catch (error) {
    return failAt(error, number);
  }
}
