import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { KeylineError, type Signer } from '@keyline/core';
import {
  deviceLine,
  headerLine,
  rootLine,
  signedRootMessage,
  type DeviceEntryInput,
  type ManifestHeaderInput,
} from './format.js';
import { TreeHasher, leafHash } from './merkle.js';

/** What `createManifestWriter` needs. */
export interface ManifestWriterOptions {
  /** The file to create (an existing file is replaced). */
  readonly path: string;
  readonly header: ManifestHeaderInput;
  /** The key that signs the root line: the issuing CA's, or a manifest signer's it certified. */
  readonly signer: Signer;
  /** The signer's certificate (DER); it must chain to the ecosystem root through `header.issuerChain`. */
  readonly signerCertificate: Uint8Array;
  /** Bytes buffered before a write (default 1 MiB). */
  readonly bufferBytes?: number;
}

/** A manifest being written: entries are appended in order; `close` signs and ends the file. */
export interface ManifestWriter {
  /** Appends the next device; its index is the number of devices added before it. */
  add(entry: DeviceEntryInput): Promise<void>;
  /** The number of devices added. */
  readonly count: number;
  /** Writes the signed root line, flushes to disk and closes. Returns the root's tree head (hex). */
  close(): Promise<{ count: number; treeHead: string }>;
  /** Closes the file without a root line (the file is then an invalid, truncated manifest). */
  abort(): Promise<void>;
}

/**
 * Opens a streaming manifest writer (docs/manifest.md). Memory is bounded by the write buffer plus
 * the O(log n) subtree hashes of the Merkle tree: a batch of millions of devices never sits in memory.
 */
export async function createManifestWriter(options: ManifestWriterOptions): Promise<ManifestWriter> {
  const limit = options.bufferBytes ?? 1024 * 1024;
  const header = headerLine(options.header);
  const headerHash = createHash('sha256').update(header, 'utf8').digest('hex');
  const tree = new TreeHasher();
  const file: FileHandle = await open(options.path, 'w');
  let chunks: string[] = [`${header}\n`];
  let buffered = header.length;
  let state: 'open' | 'closed' | 'failed' = 'open';

  const flush = async (): Promise<void> => {
    if (chunks.length === 0) return;
    const data = chunks.join('');
    chunks = [];
    buffered = 0;
    await file.write(data);
  };
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    if (state !== 'open') throw new KeylineError('ERR_MANIFEST_WRITER_STATE', `the manifest writer is ${state}`);
    try {
      return await work();
    } catch (error) {
      state = 'failed';
      await file.close().catch(() => undefined);
      throw error;
    }
  };

  return {
    get count() {
      return tree.size;
    },
    add: (entry) =>
      guard(async () => {
        const line = deviceLine(tree.size, entry);
        tree.addLeafHash(leafHash(Buffer.from(line, 'utf8')));
        chunks.push(`${line}\n`);
        buffered += line.length + 1;
        if (buffered >= limit) await flush();
      }),
    close: () =>
      guard(async () => {
        const count = tree.size;
        const treeHead = tree.root().toString('hex');
        const signature = await options.signer.sign(signedRootMessage(count, treeHead, headerHash));
        const line = rootLine({
          count,
          treeHead,
          headerHash,
          algorithm: options.signer.algorithm,
          signature,
          signerCertificate: options.signerCertificate,
        });
        chunks.push(`${line}\n`);
        await flush();
        await file.sync();
        await file.close();
        state = 'closed';
        return { count, treeHead };
      }),
    abort: async () => {
      if (state !== 'open') return;
      state = 'closed';
      await flush().catch(() => undefined);
      await file.close();
    },
  };
}
