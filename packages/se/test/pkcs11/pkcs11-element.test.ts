import { spawnSync } from 'node:child_process';
import { createECDH, verify } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Element } from '../../src/index.js';
import { acquireModule, releaseModule, type LoadedModule } from '../../src/pkcs11/module.js';
import { expectCode, publicKeyObject, sha256 } from '../helpers.js';
import { createSoftHsm, freshLabel, RUN_SOFTHSM, SOFTHSM_MODULE, USER_PIN, type SoftHsm } from './softhsm.js';

describe.skipIf(!RUN_SOFTHSM)('Pkcs11Element on SoftHSM2: what the token holds', () => {
  let hsm: SoftHsm;
  const open: Pkcs11Element[] = [];
  beforeAll(() => {
    hsm = createSoftHsm();
  });
  afterEach(async () => {
    for (const element of open.splice(0)) await element.close();
  });
  afterAll(() => hsm.cleanup());

  async function openToken(tokenLabel: string, serialNumber?: string): Promise<Pkcs11Element> {
    const element = await Pkcs11Element.open({ modulePath: SOFTHSM_MODULE, tokenLabel, pin: USER_PIN, serialNumber });
    open.push(element);
    return element;
  }

  /** The attributes of the objects labelled `label`, read through a second session of the same module. */
  function attributesOf(module: LoadedModule, cls: number, label: string, types: number[]): Map<number, Buffer>[] {
    const { api, lib } = module;
    const [slot] = api.C_GetSlotList(true).filter((s) => api.C_GetTokenInfo(s).label.trim() === currentLabel);
    const session = api.C_OpenSession(slot!, lib.CKF_SERIAL_SESSION);
    try {
      api.C_FindObjectsInit(session, [
        { type: lib.CKA_CLASS, value: cls },
        { type: lib.CKA_LABEL, value: label },
      ]);
      const handles = api.C_FindObjects(session, 10);
      api.C_FindObjectsFinal(session);
      return handles.map(
        (handle) =>
          new Map(types.map((type) => [type, api.C_GetAttributeValue(session, handle, [{ type }])[0]!.value] as const)),
      );
    } finally {
      api.C_CloseSession(session);
    }
  }
  let currentLabel = '';

  it('makes keys on the token sensitive and never extractable, and never shows their value', async () => {
    currentLabel = hsm.initToken(freshLabel('attrs'));
    const se = await openToken(currentLabel);
    await se.generateKey(0);
    await se.generateKey(0); // the old pair is replaced, not kept beside the new one
    await se.generateKey(1);
    await se.generateKey(3);
    const module = acquireModule(SOFTHSM_MODULE); // the element's session has logged the token in
    try {
      const { api, lib } = module;
      const attrs = [
        lib.CKA_SENSITIVE,
        lib.CKA_EXTRACTABLE,
        lib.CKA_TOKEN,
        lib.CKA_PRIVATE,
        lib.CKA_SIGN,
        lib.CKA_DERIVE,
      ];
      const flag = (m: Map<number, Buffer>, type: number): boolean => m.get(type)![0] === 1;
      const [identity, ...more] = attributesOf(module, lib.CKO_PRIVATE_KEY, 'keyline-slot-0', attrs);
      expect(more).toHaveLength(0);
      for (const [type, expected] of [
        [lib.CKA_SENSITIVE, true],
        [lib.CKA_EXTRACTABLE, false],
        [lib.CKA_TOKEN, true],
        [lib.CKA_PRIVATE, true],
        [lib.CKA_SIGN, true],
        [lib.CKA_DERIVE, true],
      ] as const)
        expect(flag(identity!, type), `attribute 0x${type.toString(16)}`).toBe(expected);
      const [attestation] = attributesOf(module, lib.CKO_PRIVATE_KEY, 'keyline-slot-1', attrs);
      expect([flag(attestation!, lib.CKA_SIGN), flag(attestation!, lib.CKA_DERIVE)]).toEqual([true, false]);
      const [agreement] = attributesOf(module, lib.CKO_PRIVATE_KEY, 'keyline-slot-3', attrs);
      expect([flag(agreement!, lib.CKA_SIGN), flag(agreement!, lib.CKA_DERIVE)]).toEqual([false, true]);
      // The token itself refuses to give the scalar (PKCS#11 v2.40 4.1.3: CKR_ATTRIBUTE_SENSITIVE).
      expect(() => attributesOf(module, lib.CKO_PRIVATE_KEY, 'keyline-slot-0', [lib.CKA_VALUE])).toThrow(
        /CKR_ATTRIBUTE_SENSITIVE/,
      );
      // ECDH leaves no derived object behind.
      await se.ecdh(0, createECDH('prime256v1').generateKeys());
      const slot = api.C_GetSlotList(true).find((s) => api.C_GetTokenInfo(s).label.trim() === currentLabel)!;
      const session = api.C_OpenSession(slot, lib.CKF_SERIAL_SESSION);
      api.C_FindObjectsInit(session, [{ type: lib.CKA_CLASS, value: lib.CKO_SECRET_KEY }]);
      expect(api.C_FindObjects(session, 10)).toHaveLength(0);
      api.C_FindObjectsFinal(session);
      api.C_CloseSession(session);
    } finally {
      releaseModule(module);
    }
  });

  it('signs digests node:crypto verifies and agrees on ECDH secrets with node:crypto', async () => {
    currentLabel = hsm.initToken(freshLabel('crypto'));
    const se = await openToken(currentLabel);
    const publicKey = await se.generateKey(2);
    for (let i = 0; i < 20; i++) {
      const message = Buffer.from(`message ${i}`);
      const signature = await se.sign(2, sha256(message));
      expect(verify('sha256', message, { key: publicKeyObject(publicKey), dsaEncoding: 'ieee-p1363' }, signature)).toBe(
        true,
      );
      const peer = createECDH('prime256v1');
      peer.generateKeys();
      expect(await se.ecdh(2, new Uint8Array(peer.getPublicKey()))).toEqual(
        new Uint8Array(peer.computeSecret(publicKey)),
      );
    }
  });

  it('keeps keys, data, counters and locks on the token across sessions', async () => {
    currentLabel = hsm.initToken(freshLabel('persist'));
    let se = await openToken(currentLabel);
    const publicKey = await se.generateKey(0);
    await se.write(8, 0, new Uint8Array(416).fill(0xa5));
    await se.incrementCounter(1);
    await se.lockSlot(0);
    await se.lockData();
    await se.close();
    se = await openToken(currentLabel);
    expect(await se.getPublicKey(0)).toEqual(publicKey);
    expect(await se.read(8, 0, 416)).toEqual(new Uint8Array(416).fill(0xa5));
    expect(await se.readCounter(1)).toBe(1);
    expect(await se.readCounter(0)).toBe(0);
    const info = await se.info();
    expect(info.dataLocked).toBe(true);
    expect(info.slotLocks[0]).toBe(true);
    await expectCode(se.generateKey(0), 'ERR_SE_LOCKED');
    await expectCode(se.write(8, 0, new Uint8Array(4)), 'ERR_SE_LOCKED');
  });

  it('reports the token serial number, or the one configured', async () => {
    currentLabel = hsm.initToken(freshLabel('serial'));
    const shown = spawnSync('softhsm2-util', ['--show-slots'], { encoding: 'utf8' }).stdout;
    const block = shown.split(/\n(?=Slot )/).find((b) => b.includes(`Label:            ${currentLabel}`));
    const serial = /Serial number:\s+([0-9a-f]+)/.exec(block ?? '')?.[1];
    expect(serial).toMatch(/^[0-9a-f]+$/);
    const se = await openToken(currentLabel);
    const info = await se.info();
    expect(info.serialHex).toBe(serial);
    expect(info.model).toBe('SoftHSM v2');
    const configured = await openToken(currentLabel, '0123aabbccddeeff01');
    expect((await configured.info()).serialHex).toBe('0123aabbccddeeff01');
  });

  it('refuses a wrong PIN, an unknown token and a bad configured serial', async () => {
    currentLabel = hsm.initToken(freshLabel('refuse'));
    await expectCode(
      Pkcs11Element.open({ modulePath: SOFTHSM_MODULE, tokenLabel: currentLabel, pin: '000000' }),
      'ERR_SE_BAD_PIN',
    );
    await expectCode(
      Pkcs11Element.open({ modulePath: SOFTHSM_MODULE, tokenLabel: 'no-such-token', pin: USER_PIN }),
      'ERR_SE_TOKEN_NOT_FOUND',
    );
    await expectCode(
      Pkcs11Element.open({ modulePath: SOFTHSM_MODULE, tokenLabel: currentLabel, pin: USER_PIN, serialNumber: 'xyz' }),
      'ERR_SE_BAD_SERIAL',
    );
    await expectCode(
      Pkcs11Element.open({ modulePath: '/nonexistent/libpkcs11.so', tokenLabel: currentLabel, pin: USER_PIN }),
      'ERR_SE_PKCS11',
    );
    // A failed open leaves the module usable for the next one.
    const se = await openToken(currentLabel);
    expect((await se.random(16)).length).toBe(16);
  });

  it('stops at the counter limit without passing it', async () => {
    currentLabel = hsm.initToken(freshLabel('counter'));
    const se = await openToken(currentLabel);
    // Put the counter just under its limit through the same data object the element keeps.
    const module = acquireModule(SOFTHSM_MODULE);
    try {
      const { api, lib } = module;
      const slot = api.C_GetSlotList(true).find((s) => api.C_GetTokenInfo(s).label.trim() === currentLabel)!;
      const session = api.C_OpenSession(slot, lib.CKF_SERIAL_SESSION | lib.CKF_RW_SESSION);
      const value = Buffer.alloc(4);
      value.writeUInt32LE(2_097_150);
      api.C_CreateObject(session, [
        { type: lib.CKA_CLASS, value: lib.CKO_DATA },
        { type: lib.CKA_TOKEN, value: true },
        { type: lib.CKA_PRIVATE, value: true },
        { type: lib.CKA_LABEL, value: 'keyline-counter-0' },
        { type: lib.CKA_VALUE, value },
      ]);
      api.C_CloseSession(session);
    } finally {
      releaseModule(module);
    }
    expect(await se.incrementCounter(0)).toBe(2_097_151);
    await expectCode(se.incrementCounter(0), 'ERR_SE_COUNTER_LIMIT');
    expect(await se.readCounter(0)).toBe(2_097_151);
  });
});
