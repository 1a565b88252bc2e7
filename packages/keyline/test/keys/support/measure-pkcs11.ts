/**
 * Sign throughput of the key backends, measured in one run against the raw operations beneath them:
 *   npx tsx packages/keyline/test/keys/support/measure-pkcs11.ts [iterations]
 * Needs SoftHSM2 (Debian softhsm2). Makes its own token in a temporary directory.
 */
import { createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Pkcs11Lib } from '../../../src/keys/pkcs11/pkcs11js.js';
import { createKeyProvider } from '../../../src/keys/key-provider.js';
import { staticPassphrase } from '../../../src/keys/secrets/passphrase-source.js';
import { createSoftHsm } from './softhsm.js';

const N = Number(process.argv[2] ?? 5000);
const PIN = '12345678';
const tbs = new Uint8Array(400).fill(0x5a); // about the size of a device certificate's TBS

/** Best of three runs of `count` operations (after a warm-up), printed as operations per second. */
async function measure(label: string, count: number, run: (n: number) => unknown, baseline?: number): Promise<number> {
  await run(Math.ceil(count / 10));
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const t = performance.now();
    await run(count);
    best = Math.min(best, performance.now() - t);
  }
  const perSecond = (count / best) * 1000;
  const ratio = baseline === undefined ? '' : `  (${(perSecond / baseline).toFixed(2)} of raw)`;
  const micros = ((best / count) * 1000).toFixed(1);
  console.log(`${label.padEnd(52)} ${perSecond.toFixed(0).padStart(8)}/s ${micros.padStart(7)} µs${ratio}`);
  return perSecond;
}

async function main(): Promise<void> {
  const hsm = createSoftHsm();
  hsm.initToken('bench', PIN);
  const dataDir = mkdtempSync(join(tmpdir(), 'keyline-bench-keys-'));
  try {
    // Software: node:crypto directly, then our file-key signer.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rawNode = await measure('crypto.sign P-256 (raw)', N, (n) => {
      for (let i = 0; i < n; i++) nodeSign('sha256', tbs, privateKey);
    });

    const provider = createKeyProvider({
      dataDir,
      passphrase: staticPassphrase('bench passphrase'),
      pin: staticPassphrase(PIN, 'pin'),
      pkcs11Module: hsm.module,
      pkcs11Sessions: 8,
    });
    const file = await provider.generate({ curve: 'P-256', label: 'bench' });
    await measure(
      'file: signer signSync',
      N,
      (n) => {
        for (let i = 0; i < n; i++) file.signer.signSync!(tbs);
      },
      rawNode,
    );

    // PKCS#11: pkcs11js directly on one session (the floor), then our signer.
    const token = await provider.generate({ keyUri: 'pkcs11:token=bench;object=ca', curve: 'P-256', label: '' });
    const pkcs11js = createRequire(import.meta.url)('pkcs11js') as Pkcs11Lib;
    const api = new pkcs11js.PKCS11();
    api.load(hsm.module);
    try {
      api.C_Initialize();
    } catch {
      // Initialised by the provider already.
    }
    const slot = api.C_GetSlotList(true).find((s) => api.C_GetTokenInfo(s).label.trimEnd() === 'bench')!;
    const session = api.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    api.C_FindObjectsInit(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_LABEL, value: 'ca' },
    ]);
    const handle = api.C_FindObjects(session, 1)[0]!;
    api.C_FindObjectsFinal(session);
    const rawToken = await measure('pkcs11js C_SignInit+C_Sign, one session (raw)', N, (n) => {
      for (let i = 0; i < n; i++) {
        const digest = createHash('sha256').update(tbs).digest();
        api.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, handle);
        api.C_Sign(session, digest, Buffer.alloc(64));
      }
    });
    api.C_CloseSession(session);

    await measure(
      'pkcs11: signer signSync',
      N,
      (n) => {
        for (let i = 0; i < n; i++) token.signer.signSync!(tbs);
      },
      rawToken,
    );
    await measure(
      'pkcs11: signer sign, one at a time',
      N,
      async (n) => {
        for (let i = 0; i < n; i++) await token.signer.sign(tbs);
      },
      rawToken,
    );
    for (const inFlight of [4, 8, 32]) {
      await measure(
        `pkcs11: signer sign, ${inFlight} in flight (8 sessions)`,
        N,
        async (n) => {
          let next = 0;
          await Promise.all(
            Array.from({ length: inFlight }, async () => {
              while (next++ < n) await token.signer.sign(tbs);
            }),
          );
        },
        rawToken,
      );
    }
    await provider.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    hsm.cleanup();
  }
}

await main();
