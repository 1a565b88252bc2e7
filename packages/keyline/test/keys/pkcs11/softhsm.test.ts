import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKeylineError, type ErrorCode } from '@keyline/core';
import {
  createKeyProvider,
  type ClosableKeyProvider,
  type KeyProviderOptions,
} from '../../../src/keys/key-provider.js';
import type { KeySigner } from '../../../src/keys/key-signer.js';
import type { Pkcs11Lib } from '../../../src/keys/pkcs11/pkcs11js.js';
import { passphraseFromOptions, staticPassphrase } from '../../../src/keys/secrets/passphrase-source.js';
import { REQUIRE_SERVICES, RUN_SOFTHSM, createSoftHsm, type SoftHsm } from '../support/softhsm.js';

const pkcs11js = createRequire(import.meta.url)('pkcs11js') as Pkcs11Lib;

const PIN = '12345678';
const OTHER_PIN = '55556666';
let hsm: SoftHsm;
let dataDir: string;

async function code(promise: Promise<unknown>): Promise<ErrorCode> {
  try {
    await promise;
  } catch (error) {
    if (isKeylineError(error)) return error.code;
    throw error;
  }
  throw new Error('resolved');
}

function verifies(signer: KeySigner, data: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.from(signer.publicKeySpki), format: 'der', type: 'spki' });
  return verify(signer.curve === 'P-256' ? 'sha256' : 'sha384', data, key, signature);
}

function providerWith(options: Partial<KeyProviderOptions> = {}): ClosableKeyProvider {
  return createKeyProvider({
    dataDir,
    passphrase: passphraseFromOptions({ env: { KEYLINE_PKCS11_PIN: PIN }, prompt: false }),
    pkcs11Module: hsm.module,
    env: {},
    ...options,
  });
}

/**
 * Raw access to the token with pkcs11js directly, as an independent inspector: initialises the
 * library unless the provider under test already has, and finalises only what it initialised.
 */
function withToken<T>(label: string, fn: (api: InstanceType<Pkcs11Lib['PKCS11']>, session: Buffer) => T): T {
  const api = new pkcs11js.PKCS11();
  api.load(hsm.module);
  let initialised = true;
  try {
    api.C_Initialize();
  } catch (error) {
    if ((error as Error).message !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') throw error;
    initialised = false;
  }
  try {
    const slot = api.C_GetSlotList(true).find((s) => api.C_GetTokenInfo(s).label.trimEnd() === label);
    if (slot === undefined) throw new Error(`no token ${label}`);
    const session = api.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    try {
      try {
        api.C_Login(session, pkcs11js.CKU_USER, label === 'keyline' ? PIN : OTHER_PIN);
      } catch (error) {
        if ((error as Error).message !== 'CKR_USER_ALREADY_LOGGED_IN') throw error;
      }
      return fn(api, session);
    } finally {
      try {
        api.C_CloseSession(session);
      } catch {
        // The test closed every session itself.
      }
    }
  } finally {
    if (initialised) api.C_Finalize();
    api.close();
  }
}

function findKeys(api: InstanceType<Pkcs11Lib['PKCS11']>, session: Buffer, cls: number, label: string): Buffer[] {
  api.C_FindObjectsInit(session, [
    { type: pkcs11js.CKA_CLASS, value: cls },
    { type: pkcs11js.CKA_LABEL, value: label },
  ]);
  try {
    return api.C_FindObjects(session, 10);
  } finally {
    api.C_FindObjectsFinal(session);
  }
}

describe.skipIf(!RUN_SOFTHSM)('PKCS#11 keys on a SoftHSM2 token', () => {
  beforeAll(() => {
    hsm = createSoftHsm();
    hsm.initToken('keyline', PIN);
    hsm.initToken('second', OTHER_PIN);
    dataDir = mkdtempSync(join(tmpdir(), 'keyline-pkcs11-data-'));
  });
  afterAll(() => {
    hsm?.cleanup();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  describe('a CA key generated on the token', () => {
    let provider: ClosableKeyProvider;
    let root: { keyUri: string; signer: KeySigner };
    beforeAll(async () => {
      provider = providerWith();
      root = await provider.generate({
        keyUri: `pkcs11:token=keyline;object=root?pin-value=${PIN}`,
        curve: 'P-256',
        label: 'ignored when object= is given',
      });
    });
    afterAll(() => provider.close());

    it('is recorded by a URI with its label and id, without the PIN', () => {
      const point = Buffer.from(root.signer.publicKeySpki).subarray(-65);
      const id = createHash('sha1').update(point).digest();
      const idText = [...id].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
      expect(root.keyUri).toBe(`pkcs11:token=keyline;object=root;type=private;id=${idText}`);
      expect(root.keyUri).not.toContain(PIN);
      expect(root.signer).toMatchObject({ backend: 'pkcs11', curve: 'P-256', algorithm: 'ecdsa-sha256' });
    });

    it('signs through the token, synchronously and asynchronously; node:crypto verifies', async () => {
      const tbs = new TextEncoder().encode('tbsCertificate bytes');
      const syncSignature = root.signer.signSync!(tbs);
      const asyncSignature = await root.signer.sign(tbs);
      expect(verifies(root.signer, tbs, syncSignature)).toBe(true);
      expect(verifies(root.signer, tbs, asyncSignature)).toBe(true);
      expect(verifies(root.signer, new TextEncoder().encode('other bytes'), syncSignature)).toBe(false);
      // DER ECDSA-Sig-Value, as X.509 carries it.
      expect(syncSignature[0]).toBe(0x30);
      expect(syncSignature[1]).toBe(syncSignature.length - 2);
    });

    it('is private, sensitive and never extractable: CKA_VALUE cannot be read', () => {
      withToken('keyline', (api, session) => {
        const [handle, ...more] = findKeys(api, session, pkcs11js.CKO_PRIVATE_KEY, 'root');
        expect(handle).toBeDefined();
        expect(more).toHaveLength(0);
        expect(() => api.C_GetAttributeValue(session, handle!, [{ type: pkcs11js.CKA_VALUE }])).toThrow(
          'CKR_ATTRIBUTE_SENSITIVE',
        );
        const flags = api.C_GetAttributeValue(session, handle!, [
          { type: pkcs11js.CKA_TOKEN },
          { type: pkcs11js.CKA_PRIVATE },
          { type: pkcs11js.CKA_SENSITIVE },
          { type: pkcs11js.CKA_ALWAYS_SENSITIVE },
          { type: pkcs11js.CKA_EXTRACTABLE },
          { type: pkcs11js.CKA_NEVER_EXTRACTABLE },
          { type: pkcs11js.CKA_SIGN },
          { type: pkcs11js.CKA_DERIVE },
          { type: pkcs11js.CKA_LOCAL },
        ]);
        expect(flags.map((a) => a.value[0])).toEqual([1, 1, 1, 1, 0, 1, 1, 0, 1]);
      });
    });

    it('opens again from its recorded URI in a fresh provider (PIN from KEYLINE_PKCS11_PIN)', async () => {
      await provider.close(); // finalises the module, so the next provider logs in again
      provider = providerWith();
      const opened = await provider.open(root.keyUri);
      expect(Buffer.compare(Buffer.from(opened.publicKeySpki), Buffer.from(root.signer.publicKeySpki))).toBe(0);
      const tbs = new Uint8Array([9, 9, 9]);
      expect(verifies(root.signer, tbs, opened.signSync!(tbs))).toBe(true);
      // The old provider's signer is closed for good.
      expect(() => root.signer.signSync!(tbs)).toThrow(expect.objectContaining({ code: 'ERR_KEY_PROVIDER_CLOSED' }));
      root = { keyUri: root.keyUri, signer: opened };
    });

    it('many concurrent asynchronous signatures share a few sessions, mixed with synchronous ones', async () => {
      const messages = Array.from({ length: 200 }, (_, i) => new TextEncoder().encode(`certificate ${i}`));
      const pending = messages.map((m, i) => (i % 10 === 0 ? root.signer.signSync!(m) : root.signer.sign(m)));
      const signatures = await Promise.all(pending);
      signatures.forEach((s, i) => expect(verifies(root.signer, messages[i]!, s)).toBe(true));
    });

    it('recovers when the token drops every session (and with it the login)', async () => {
      withToken('keyline', (api, session) => {
        const slot = api.C_GetSessionInfo(session).slotID;
        api.C_CloseAllSessions(slot);
      });
      const tbs = new Uint8Array([1]);
      expect(verifies(root.signer, tbs, root.signer.signSync!(tbs))).toBe(true);
      withToken('keyline', (api, session) => api.C_CloseAllSessions(api.C_GetSessionInfo(session).slotID));
      expect(verifies(root.signer, tbs, await root.signer.sign(tbs))).toBe(true);
    });

    it('close() lets running signatures finish, then refuses new ones', async () => {
      const second = providerWith();
      const signer = await second.open(root.keyUri);
      const running = Array.from({ length: 20 }, (_, i) => signer.sign(new Uint8Array([i])));
      const closing = second.close();
      const done = await Promise.all(running);
      await closing;
      done.forEach((s, i) => expect(verifies(signer, new Uint8Array([i]), s)).toBe(true));
      expect(await code(Promise.resolve().then(() => signer.sign(new Uint8Array(1))))).toBe('ERR_KEY_PROVIDER_CLOSED');
      // The first provider still works: closing one provider does not end another's login.
      expect(verifies(root.signer, new Uint8Array(2), root.signer.signSync!(new Uint8Array(2)))).toBe(true);
    });

    it('a P-384 key with a given id keeps it and signs with SHA-384', async () => {
      const { keyUri, signer } = await provider.generate({
        keyUri: 'pkcs11:token=keyline;object=issuing;id=%CA%FE',
        curve: 'P-384',
        label: 'x',
      });
      expect(keyUri).toBe('pkcs11:token=keyline;object=issuing;type=private;id=%CA%FE');
      expect(signer).toMatchObject({ curve: 'P-384', algorithm: 'ecdsa-sha384' });
      const tbs = new Uint8Array(1000).fill(7);
      expect(verifies(signer, tbs, signer.signSync!(tbs))).toBe(true);
      expect(verifies(signer, tbs, await signer.sign(tbs))).toBe(true);
      // Found by id alone, too.
      const byId = await provider.open('pkcs11:token=keyline;id=%ca%fe');
      expect(Buffer.compare(Buffer.from(byId.publicKeySpki), Buffer.from(signer.publicKeySpki))).toBe(0);
    });

    it('the label comes from the request when the URI has no object=', async () => {
      const { keyUri } = await provider.generate({ keyUri: 'pkcs11:token=keyline', curve: 'P-256', label: 'ocsp' });
      expect(keyUri).toMatch(/^pkcs11:token=keyline;object=ocsp;type=private;id=(%[0-9A-F]{2}){20}$/);
    });

    it('destroy removes the key pair from the token, and finds nothing to do the second time', async () => {
      const made = await provider.generate({ keyUri: 'pkcs11:token=keyline', curve: 'P-256', label: 'doomed' });
      withToken('keyline', (api, session) => {
        expect(findKeys(api, session, pkcs11js.CKO_PRIVATE_KEY, 'doomed')).toHaveLength(1);
        expect(findKeys(api, session, pkcs11js.CKO_PUBLIC_KEY, 'doomed')).toHaveLength(1);
      });
      await provider.destroy(made.keyUri);
      withToken('keyline', (api, session) => {
        expect(findKeys(api, session, pkcs11js.CKO_PRIVATE_KEY, 'doomed')).toHaveLength(0);
        expect(findKeys(api, session, pkcs11js.CKO_PUBLIC_KEY, 'doomed')).toHaveLength(0);
        // Other keys stay.
        expect(findKeys(api, session, pkcs11js.CKO_PRIVATE_KEY, 'root')).toHaveLength(1);
      });
      expect(await code(provider.open(made.keyUri))).toBe('ERR_KEY_NOT_FOUND');
      await provider.destroy(made.keyUri);
      expect(await code(provider.destroy('pkcs11:token=keyline'))).toBe('ERR_KEY_BAD_URI');
    });

    it('never makes a second key under a label or id in use (ERR_KEY_EXISTS)', async () => {
      expect(
        await code(provider.generate({ keyUri: 'pkcs11:token=keyline;object=root', curve: 'P-256', label: 'r' })),
      ).toBe('ERR_KEY_EXISTS');
      expect(
        await code(
          provider.generate({ keyUri: 'pkcs11:token=keyline;object=new;id=%CA%FE', curve: 'P-256', label: 'r' }),
        ),
      ).toBe('ERR_KEY_EXISTS');
      withToken('keyline', (api, session) => {
        expect(findKeys(api, session, pkcs11js.CKO_PRIVATE_KEY, 'root')).toHaveLength(1);
        expect(findKeys(api, session, pkcs11js.CKO_PRIVATE_KEY, 'new')).toHaveLength(0);
      });
    });

    it('names what is missing or ambiguous', async () => {
      expect(await code(provider.open('pkcs11:token=keyline;object=absent'))).toBe('ERR_KEY_NOT_FOUND');
      expect(await code(provider.open('pkcs11:token=nowhere;object=root'))).toBe('ERR_KEY_NOT_FOUND');
      expect(await code(provider.open('pkcs11:token=keyline'))).toBe('ERR_KEY_BAD_URI');
      expect(await code(provider.open('pkcs11:token=keyline;object=root;type=cert'))).toBe('ERR_KEY_BAD_URI');
      // Two initialised tokens: a URI that does not say which is refused.
      expect(await code(provider.open('pkcs11:object=root'))).toBe('ERR_KEY_BAD_URI');
      expect(await code(provider.open('pkcs11:object=root?module-path=/nonexistent/libnothing.so'))).toBe(
        'ERR_KEY_PKCS11_MODULE',
      );
      expect(await code(provider.open('pkcs11:object=root?module-path=relative.so'))).toBe('ERR_KEY_BAD_URI');
      expect(await code(provider.open('pkcs11:object=root?module-name=softhsm2'))).toBe('ERR_KEY_BAD_URI');
      expect(await code(provider.open('pkcs11:token=keyline;object=root?pin-source=|cat%20/etc/pin'))).toBe(
        'ERR_KEY_BAD_URI',
      );
    });

    it('refuses a token key that is extractable or not sensitive', async () => {
      withToken('keyline', (api, session) => {
        for (const [label, sensitive, extractable] of [
          ['loose-extractable', true, true],
          ['loose-clear', false, false],
        ] as const) {
          api.C_GenerateKeyPair(
            session,
            { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
            [
              { type: pkcs11js.CKA_TOKEN, value: true },
              { type: pkcs11js.CKA_EC_PARAMS, value: Buffer.from('06082a8648ce3d030107', 'hex') },
              { type: pkcs11js.CKA_LABEL, value: label },
              { type: pkcs11js.CKA_VERIFY, value: true },
            ],
            [
              { type: pkcs11js.CKA_TOKEN, value: true },
              { type: pkcs11js.CKA_PRIVATE, value: true },
              { type: pkcs11js.CKA_SENSITIVE, value: sensitive },
              { type: pkcs11js.CKA_EXTRACTABLE, value: extractable },
              { type: pkcs11js.CKA_SIGN, value: true },
              { type: pkcs11js.CKA_LABEL, value: label },
            ],
          );
        }
      });
      expect(await code(provider.open('pkcs11:token=keyline;object=loose-extractable'))).toBe('ERR_KEY_NOT_PROTECTED');
      expect(await code(provider.open('pkcs11:token=keyline;object=loose-clear'))).toBe('ERR_KEY_NOT_PROTECTED');
    });

    it('refuses a private key whose public key object on the token belongs to another key', async () => {
      const a = await provider.generate({
        keyUri: 'pkcs11:token=keyline;object=pair-a;id=%0A',
        curve: 'P-256',
        label: '',
      });
      await provider.generate({ keyUri: 'pkcs11:token=keyline;object=pair-b;id=%0B', curve: 'P-256', label: '' });
      withToken('keyline', (api, session) => {
        // Drop A's public key and give B's public key A's id: the only candidate is the wrong key.
        api.C_DestroyObject(session, findKeys(api, session, pkcs11js.CKO_PUBLIC_KEY, 'pair-a')[0]!);
        api.C_SetAttributeValue(session, findKeys(api, session, pkcs11js.CKO_PUBLIC_KEY, 'pair-b')[0]!, [
          { type: pkcs11js.CKA_ID, value: Buffer.from([0x0a]) },
        ]);
      });
      expect(await code(provider.open(a.keyUri))).toBe('ERR_KEY_NOT_FOUND');
    });

    it('cross-check: pkcs11-tool lists the key as sensitive, never extractable, generated on the token', () => {
      const tool = spawnSync(
        'pkcs11-tool',
        [
          '--module',
          hsm.module,
          '--token-label',
          'keyline',
          '--login',
          '--pin',
          PIN,
          '--list-objects',
          '--type',
          'privkey',
        ],
        { encoding: 'utf8', env: { ...process.env, SOFTHSM2_CONF: hsm.conf } },
      );
      if (tool.error !== undefined && !REQUIRE_SERVICES) return; // opensc not installed
      expect(tool.status).toBe(0);
      const rootBlock = tool.stdout.split(/\n(?=Private Key Object)/).find((b) => /label:\s+root\n/.test(b));
      expect(rootBlock).toMatch(/Access:\s+sensitive, always sensitive, never extractable, local/);
      expect(rootBlock).toMatch(/Usage:\s+sign\n/); // sign only: no decrypt, unwrap or derive
    });
  });

  describe('PINs', () => {
    it('takes pin-source files and refuses wrong or missing PINs', async () => {
      const setup = providerWith({ pin: staticPassphrase(OTHER_PIN, 'pin') });
      const { keyUri } = await setup.generate({ keyUri: 'pkcs11:token=second;object=k2', curve: 'P-256', label: '' });
      await setup.close();
      // Wrong PIN in the URI.
      const a = providerWith();
      expect(await code(a.open(`${keyUri}?pin-value=00000000`))).toBe('ERR_KEY_BAD_PIN');
      await a.close();
      // No PIN anywhere.
      const b = providerWith({
        passphrase: staticPassphrase('x'),
        pin: passphraseFromOptions({ env: {}, prompt: false }),
      });
      expect(await code(b.open(keyUri))).toBe('ERR_KEY_NO_PIN');
      await b.close();
      // A passphrase is not a PIN: a static passphrase source is never asked for one.
      const b2 = providerWith({ passphrase: staticPassphrase(OTHER_PIN) });
      expect(await code(b2.open(keyUri))).toBe('ERR_KEY_NO_PIN');
      await b2.close();
      // A pin-source file relative to the data directory, and an absolute file: URI.
      writeFileSync(join(dataDir, 'second.pin'), `${OTHER_PIN}\n`, { mode: 0o600 });
      const c = providerWith({ pin: passphraseFromOptions({ env: {}, prompt: false }) });
      const viaRelative = await c.open(`${keyUri}?pin-source=second.pin`);
      await c.close();
      const d = providerWith({ pin: passphraseFromOptions({ env: {}, prompt: false }) });
      const viaFileUri = await d.open(`${keyUri}?pin-source=file:${join(dataDir, 'second.pin')}`);
      expect(Buffer.compare(Buffer.from(viaRelative.publicKeySpki), Buffer.from(viaFileUri.publicKeySpki))).toBe(0);
      await d.close();
    });

    it('finds the module through KEYLINE_PKCS11_MODULE when no option names it', async () => {
      const p = createKeyProvider({
        dataDir,
        passphrase: passphraseFromOptions({ env: { KEYLINE_PKCS11_PIN: OTHER_PIN }, prompt: false }),
        env: { KEYLINE_PKCS11_MODULE: hsm.module },
      });
      const signer = await p.open('pkcs11:token=second;object=k2');
      expect(verifies(signer, new Uint8Array(3), signer.signSync!(new Uint8Array(3)))).toBe(true);
      await p.close();
      const wrong = createKeyProvider({
        dataDir,
        passphrase: staticPassphrase('x'),
        env: { KEYLINE_PKCS11_MODULE: '/no/such.so' },
      });
      expect(await code(wrong.open('pkcs11:token=second;object=k2'))).toBe('ERR_KEY_PKCS11_MODULE');
      await wrong.close();
    });
  });
});
