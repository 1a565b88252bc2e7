import { mkdir, open, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { chainDefinitionToJson, type Signer } from '@keyline/core';
import type { Store } from '../ca/store-port.js';
import { createManifestWriter, type PublicJwk } from '../manifest/index.js';
import type { BatchChain } from './chain.js';

/** Done chips read from the journal per page while the manifest is written (memory stays flat). */
const PAGE = 500;

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** The JWK of a P-256 point (RFC 7518 6.2.1), without a round trip through OpenSSL's key decoder. */
export function jwkOfPoint(point: Uint8Array): PublicJwk {
  return { crv: 'P-256', kty: 'EC', x: base64url(point.subarray(1, 33)), y: base64url(point.subarray(33, 65)) };
}

/** Fsyncs a directory, so a rename in it survives a power loss. */
export async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/**
 * Writes the batch's signed manifest (docs/manifest.md) from the journal: every `done` chip in
 * position order, with the certificate the CA recorded. The file is written beside its final name
 * and renamed over it when complete, so a crash never leaves a manifest that verifies but misses
 * entries: there is the previous complete file, or none, or the new one. Memory: one page of rows.
 * Returns the number of entries.
 */
export async function writeBatchManifest(input: {
  readonly store: Store;
  readonly batchId: string;
  readonly chain: BatchChain;
  readonly productId: string;
  readonly signer: Signer;
  readonly path: string;
  readonly createdAt: Date;
}): Promise<number> {
  const { store, batchId, chain, path } = input;
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const writer = await createManifestWriter({
    path: temp,
    header: {
      batch: batchId,
      manufacturerId: chain.definition.device.manufacturerId,
      productId: input.productId,
      issuerChain: chain.issuerChain,
      createdAt: input.createdAt,
    },
    signer: input.signer,
    signerCertificate: chain.issuing.der,
  });
  try {
    let after = -1;
    for (;;) {
      const rows = await store.factory.listManifestRows(batchId, after, PAGE);
      if (rows.length === 0) break;
      for (const { chip, certificateDer } of rows) {
        if (chip.publicKey === null) throw new Error(`journal: done chip ${chip.chipSerial} has no public key`);
        await writer.add({
          deviceId: chip.chipSerial,
          chipSerial: new Uint8Array(Buffer.from(chip.chipSerial, 'hex')),
          publicKey: jwkOfPoint(chip.publicKey),
          certificate: certificateDer,
        });
      }
      after = rows[rows.length - 1]!.chip.position;
    }
    const { count } = await writer.close();
    await rename(temp, path);
    await syncDirectory(dirname(path));
    await removeStaleTemps(path);
    return count;
  } catch (error) {
    await writer.abort().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** Removes the temporary files of earlier runs that were killed while writing this manifest. */
async function removeStaleTemps(path: string): Promise<void> {
  const prefix = `.${basename(path)}.`;
  for (const name of await readdir(dirname(path)).catch(() => [] as string[])) {
    if (name.startsWith(prefix) && name.endsWith('.tmp'))
      await unlink(join(dirname(path), name)).catch(() => undefined);
  }
}

/** Where the chain definition of a batch goes: beside its manifest. */
export function chainDefinitionPath(manifestPath: string): string {
  return manifestPath.endsWith('.jsonl')
    ? `${manifestPath.slice(0, -'.jsonl'.length)}.chain.json`
    : `${manifestPath}.chain.json`;
}

/** Writes the chain definition (JSON) atomically beside the manifest, for the firmware. */
export async function writeChainDefinition(chain: BatchChain, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  await writeFile(temp, chainDefinitionToJson(chain.definition));
  await rename(temp, path);
}
