import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigner, issueCertificate, randomSerial, rootCertificateFields, seededRandom } from '@keyline/core';
import { rootLine, signedRootMessage, parseRoot } from '../../src/manifest/format.js';
import {
  inclusionProof,
  verifyInclusionProof,
  verifyManifest,
  type DeviceEntryInput,
  type ManifestVerifyResult,
} from '../../src/manifest/index.js';
import { createdAt, device, hierarchy, linesOf, now, writeLines, writeManifest, type Hierarchy } from './fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'keyline-manifest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COUNT = 1000;
let h: Hierarchy;
let entries: DeviceEntryInput[];
const good = join(dir, 'good.jsonl');
let lines: string[];
let n = 0;
const copy = (changed: readonly string[]) => writeLines(join(dir, `tampered-${n++}.jsonl`), changed);
const verify = (path: string) => verifyManifest(path, { trustRoot: h.root });

function failure(result: ManifestVerifyResult) {
  if (result.ok) throw new Error('expected the manifest to be refused');
  return result;
}

beforeAll(async () => {
  h = await hierarchy();
  entries = Array.from({ length: COUNT }, (_, i) => device(h, i));
  await writeManifest(good, h, entries);
  lines = linesOf(good);
}, 30_000);

describe('a signed factory manifest', () => {
  it('of 1,000 real devices verifies against the ecosystem root', async () => {
    const result = await verify(good);
    expect(result).toMatchObject({ ok: true, count: COUNT });
    expect(lines).toHaveLength(COUNT + 2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'keyline-manifest', version: 1, batch: 'batch-1' });
    expect(JSON.parse(lines[1]!)).toMatchObject({ type: 'device', index: 0, deviceId: '010000000000000000' });
    expect(JSON.parse(lines[1]!).publicKey).toMatchObject({ kty: 'EC', crv: 'P-256' });
  }, 30_000);

  it('an empty manifest verifies too', async () => {
    const path = join(dir, 'empty.jsonl');
    await writeManifest(path, h, []);
    expect(await verify(path)).toMatchObject({ ok: true, count: 0 });
  });

  it('is refused against another root', async () => {
    const other = await hierarchy('Other');
    const result = failure(await verifyManifest(good, { trustRoot: other.root }));
    expect(result).toMatchObject({ code: 'ERR_MANIFEST_HEADER_INVALID', line: 1 });
  });
});

describe('tampering is detected at the first entry it touches', () => {
  it('a changed byte in the device id', async () => {
    const changed = [...lines];
    changed[501] = changed[501]!.replace('"deviceId":"01', '"deviceId":"02');
    expect(failure(await verify(copy(changed)))).toMatchObject({
      code: 'ERR_MANIFEST_DEVICE_MISMATCH',
      index: 500,
      line: 502,
    });
  });

  it('a changed byte in the certificate', async () => {
    const changed = [...lines];
    const line = changed[11]!;
    const at = line.indexOf('"certificate":"') + 200;
    changed[11] = line.slice(0, at) + (line[at] === 'A' ? 'B' : 'A') + line.slice(at + 1);
    expect(failure(await verify(copy(changed)))).toMatchObject({ code: 'ERR_MANIFEST_DEVICE_CERTIFICATE', index: 10 });
  });

  it('a changed byte in the JWK', async () => {
    const changed = [...lines];
    const line = changed[8]!;
    const at = line.indexOf('"x":"') + 10;
    changed[8] = line.slice(0, at) + (line[at] === 'A' ? 'B' : 'A') + line.slice(at + 1);
    expect(failure(await verify(copy(changed)))).toMatchObject({ code: 'ERR_MANIFEST_DEVICE_MISMATCH', index: 7 });
  });

  it('a change that keeps JSON meaning (a space) is not canonical', async () => {
    const changed = [...lines];
    changed[4] = changed[4]!.replace('"index":3,', '"index": 3,');
    expect(failure(await verify(copy(changed)))).toMatchObject({ code: 'ERR_MANIFEST_NOT_CANONICAL', index: 3 });
  });

  it('a removed entry', async () => {
    const changed = lines.filter((_, i) => i !== 301);
    expect(failure(await verify(copy(changed)))).toMatchObject({ code: 'ERR_MANIFEST_INDEX_MISMATCH', index: 300 });
  });

  it('the last entry removed', async () => {
    const changed = lines.filter((_, i) => i !== COUNT);
    expect(failure(await verify(copy(changed)))).toMatchObject({
      code: 'ERR_MANIFEST_COUNT_MISMATCH',
      line: COUNT + 1,
    });
  });

  it('a duplicated entry', async () => {
    const changed = [...lines.slice(0, 51), lines[50]!, ...lines.slice(51)];
    expect(failure(await verify(copy(changed)))).toMatchObject({ code: 'ERR_MANIFEST_INDEX_MISMATCH', index: 50 });
  });

  it('a forged entry appended with the next index (a genuine certificate of the same CA)', async () => {
    const extra = device(h, 999_999);
    const line = lines[1]!
      .replace('"index":0', `"index":${COUNT}`)
      .replace(/"deviceId":"[0-9a-f]+"/, `"deviceId":"${extra.deviceId}"`);
    const changed = [...lines.slice(0, COUNT + 1), line, lines[COUNT + 1]!];
    const result = failure(await verify(copy(changed)));
    expect(result.code).toMatch(/ERR_MANIFEST_(DEVICE_MISMATCH|COUNT_MISMATCH)/);
    expect(result.index ?? COUNT).toBe(COUNT);
  });

  it('two entries swapped', async () => {
    const changed = [...lines];
    [changed[201], changed[202]] = [changed[202]!, changed[201]!];
    expect(failure(await verify(copy(changed)))).toMatchObject({ code: 'ERR_MANIFEST_INDEX_MISMATCH', index: 200 });
  });

  it('two entries swapped with their indices rewritten: each is valid, the tree head is not', async () => {
    const changed = [...lines];
    changed[201] = lines[202]!.replace('"index":201', '"index":200');
    changed[202] = lines[201]!.replace('"index":200', '"index":201');
    expect(failure(await verify(copy(changed)))).toMatchObject({
      code: 'ERR_MANIFEST_TREE_HEAD_MISMATCH',
      line: COUNT + 2,
    });
  });

  it('a truncated file: no root line, or cut inside a line', async () => {
    expect(failure(await verify(copy(lines.slice(0, -1))))).toMatchObject({ code: 'ERR_MANIFEST_TRUNCATED' });
    const cut = join(dir, 'cut.jsonl');
    const text = lines.map((l) => `${l}\n`).join('');
    writeFileSync(cut, text.slice(0, text.length - 100));
    expect(failure(await verify(cut))).toMatchObject({ code: 'ERR_MANIFEST_TRUNCATED' });
    writeFileSync(cut, '');
    expect(failure(await verify(cut))).toMatchObject({ code: 'ERR_MANIFEST_HEADER_INVALID' });
  });

  it('data after the root line', async () => {
    expect(failure(await verify(copy([...lines, lines[1]!])))).toMatchObject({ code: 'ERR_MANIFEST_TRAILING_DATA' });
  });

  it('a changed header (batch)', async () => {
    const changed = [...lines];
    changed[0] = changed[0]!.replace('"batch":"batch-1"', '"batch":"batch-2"');
    expect(failure(await verify(copy(changed)))).toMatchObject({ code: 'ERR_MANIFEST_HEADER_HASH_MISMATCH' });
  });

  it('a changed root signature', async () => {
    const root = parseRoot(Buffer.from(lines.at(-1)!));
    const signature = Buffer.from(root.signature);
    signature[signature.length - 3]! ^= 0x01;
    const changed = [...lines.slice(0, -1), rootLine({ ...root, signature })];
    expect(failure(await verify(copy(changed)))).toMatchObject({ code: 'ERR_MANIFEST_SIGNATURE_INVALID' });
  });

  it('a root re-signed by a key that does not chain to the trust root', async () => {
    const key = generateSigner('P-256');
    const rogue = await issueCertificate(
      rootCertificateFields({
        commonName: 'Acme Issuing CA',
        organization: 'Rogue',
        serial: randomSerial(seededRandom(3)),
        notBefore: now,
        validityYears: 5,
        spki: key.publicKeySpki,
      }),
      'root',
      key,
    );
    const root = parseRoot(Buffer.from(lines.at(-1)!));
    const signature = key.sign(signedRootMessage(root.count, root.treeHead, root.headerHash));
    const changed = [...lines.slice(0, -1), rootLine({ ...root, signature, signerCertificate: rogue.certificate.der })];
    expect(failure(await verify(copy(changed)))).toMatchObject({ code: 'ERR_MANIFEST_SIGNER_UNTRUSTED' });
  });

  it('a device certificate from another root, even in a manifest the issuing CA signed', async () => {
    const other = await hierarchy('Other');
    const mixed = [...entries.slice(0, 5)];
    mixed[3] = device(other, 3);
    const path = join(dir, 'mixed.jsonl');
    await writeManifest(path, h, mixed);
    expect(failure(await verify(path))).toMatchObject({ code: 'ERR_MANIFEST_DEVICE_CERTIFICATE', index: 3, line: 5 });
  });

  it('any single changed byte anywhere in the file is refused, never thrown', async () => {
    const small = join(dir, 'small.jsonl');
    await writeManifest(small, h, entries.slice(0, 12));
    const bytes = readFileSync(small);
    let state = 5;
    for (let i = 0; i < 60; i++) {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      const changed = Buffer.from(bytes);
      const at = state % changed.length;
      changed[at] = changed[at]! ^ (1 << (i % 8));
      const path = join(dir, `flip-${i}.jsonl`);
      writeFileSync(path, changed);
      const result = await verify(path);
      expect(result.ok, `byte ${at}`).toBe(false);
    }
  });

  it('an unreadable file throws a usage error', async () => {
    await expect(verify(join(dir, 'missing.jsonl'))).rejects.toMatchObject({ code: 'ERR_CLI_UNREADABLE_FILE' });
  });

  it('validates certificates at the creation time by default, and at a given time on request', async () => {
    const late = await verifyManifest(good, { trustRoot: h.root, time: new Date('2060-01-01T00:00:00Z') });
    expect(late).toMatchObject({ ok: false, code: 'ERR_MANIFEST_HEADER_INVALID', line: 1 });
    expect(createdAt.getTime()).toBeGreaterThan(now.getTime());
  });
});

describe('inclusion proofs', () => {
  it('verify for random entries without the rest of the file', async () => {
    let state = 9;
    for (let i = 0; i < 8; i++) {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      const index = state % COUNT;
      const proof = await inclusionProof(good, index);
      expect(proof.treeSize).toBe(COUNT);
      expect(proof.auditPath.length).toBeGreaterThanOrEqual(9);
      const result = verifyInclusionProof(JSON.parse(JSON.stringify(proof)), h.root);
      expect(result, `index ${index}`).toMatchObject({ ok: true, entry: { index } });
    }
    for (const index of [0, COUNT - 1]) {
      expect(verifyInclusionProof(await inclusionProof(good, index), h.root).ok).toBe(true);
    }
  });

  it('fail for a modified leaf, path, index or root, and against another root', async () => {
    const proof = await inclusionProof(good, 123);
    const other = await inclusionProof(good, 124);
    expect(verifyInclusionProof({ ...proof, leafLine: other.leafLine }, h.root)).toMatchObject({
      ok: false,
      code: 'ERR_MANIFEST_PROOF_INVALID',
    });
    const leafLine = other.leafLine.replace('"index":124', '"index":123');
    expect(verifyInclusionProof({ ...proof, leafLine }, h.root)).toMatchObject({
      ok: false,
      code: 'ERR_MANIFEST_PROOF_INVALID',
    });
    const auditPath = [...proof.auditPath];
    auditPath[4] = auditPath[4]!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(verifyInclusionProof({ ...proof, auditPath }, h.root)).toMatchObject({
      ok: false,
      code: 'ERR_MANIFEST_PROOF_INVALID',
    });
    expect(verifyInclusionProof({ ...proof, auditPath: proof.auditPath.slice(1) }, h.root).ok).toBe(false);
    expect(verifyInclusionProof({ ...proof, treeSize: COUNT + 1 }, h.root).ok).toBe(false);
    const root = parseRoot(Buffer.from(proof.rootLine));
    const signature = Buffer.from(root.signature);
    signature[10]! ^= 0x01;
    expect(verifyInclusionProof({ ...proof, rootLine: rootLine({ ...root, signature }) }, h.root)).toMatchObject({
      ok: false,
    });
    const foreign = await hierarchy('Foreign');
    expect(verifyInclusionProof(proof, foreign.root)).toMatchObject({ ok: false, code: 'ERR_MANIFEST_HEADER_INVALID' });
    await expect(inclusionProof(good, COUNT)).rejects.toMatchObject({ code: 'ERR_MANIFEST_INDEX_OUT_OF_RANGE' });
  });
});
