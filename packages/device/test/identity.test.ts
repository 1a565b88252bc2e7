import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Certificate, fixedClock, isKeylineError, type ErrorCode } from '@keyline/core';
import { connectElement, createMemoryChip, createTray, serveTray } from '@keyline/se';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeviceIdentity, chainDefinitionFromJson, chainDefinitionToJson } from '../src/index.js';
import { decodeJws, makeHierarchy, provision, type Hierarchy } from './fixtures.js';

async function codeOf(run: () => Promise<unknown>): Promise<ErrorCode | string> {
  try {
    await run();
  } catch (error) {
    return isKeylineError(error) ? error.code : `not a KeylineError: ${String(error)}`;
  }
  return 'no error';
}

let acme: Hierarchy;
let other: Hierarchy;

beforeAll(async () => {
  [acme, other] = await Promise.all([makeHierarchy('Acme'), makeHierarchy('Other')]);
});

describe('DeviceIdentity.open on an emulated chip', () => {
  it('rebuilds the chain the factory issued, byte for byte, and names the device', async () => {
    const chip = createMemoryChip();
    const element = chip.element();
    const issued = await provision(element, acme);
    // The definition travels as JSON (what firmware embeds).
    const definition = chainDefinitionFromJson(chainDefinitionToJson(acme.definition));
    const identity = await DeviceIdentity.open(element, { definition });
    expect(identity.deviceId).toBe(chip.serialHex);
    expect(identity.manufacturerId).toBe('acme');
    expect(identity.productId).toBe('sensor-1');
    expect(identity.hardwareVersion).toBe('rev-b');
    expect(identity.serialNumber).toBe(chip.serialHex);
    expect(identity.certificates).toHaveLength(3);
    expect(Buffer.from(identity.certificates[0]!)).toEqual(Buffer.from(issued));
    expect(Buffer.from(identity.certificates[1]!)).toEqual(Buffer.from(acme.issuing.der));
    expect(Buffer.from(identity.certificates[2]!)).toEqual(Buffer.from(acme.manufacturer.der));
    const pem = identity.chainPem();
    expect(Certificate.allFromPem(pem).map((c) => c.fingerprint)).toEqual(
      [issued, acme.issuing.der, acme.manufacturer.der].map((d) => Certificate.fromDer(d).fingerprint),
    );
    expect(pem).not.toContain(Buffer.from(acme.root.der).toString('base64').slice(0, 64));
  });

  it('attests: a compact ES256 JWS per the token contract, signed by the element', async () => {
    const element = createMemoryChip().element();
    await provision(element, acme);
    const identity = await DeviceIdentity.open(element, {
      definition: acme.definition,
      clock: fixedClock('2026-11-25T16:30:00.900Z'),
    });
    const token = await identity.attest({ nonce: 'bm9uY2Utb25l', audience: 'https://verify.example' });
    expect(token.split('.')).toHaveLength(3);
    const { header, payload, signingInput, signature } = decodeJws(token);
    expect(Object.keys(header)).toEqual(['alg', 'typ', 'x5c']);
    expect(header.alg).toBe('ES256');
    expect(header.typ).toBe('keyline-attestation+jwt');
    expect(header.x5c).toEqual(identity.certificates.map((d) => Buffer.from(d).toString('base64')));
    expect(payload).toEqual({
      iss: identity.deviceId,
      sub: identity.deviceId,
      aud: 'https://verify.example',
      nonce: 'bm9uY2Utb25l',
      iat: Date.parse('2026-11-25T16:30:00Z') / 1000,
    });
    expect(signature).toHaveLength(64);
    const leafKey = createPublicKey({ key: Buffer.from(identity.chain[0]!.spki), format: 'der', type: 'spki' });
    expect(
      verify('sha256', Buffer.from(signingInput, 'ascii'), { key: leafKey, dsaEncoding: 'ieee-p1363' }, signature),
    ).toBe(true);
    // Another key does not verify it: the check above can fail.
    const otherKey = createPublicKey({ key: Buffer.from(acme.issuing.spki), format: 'der', type: 'spki' });
    expect(verify('sha256', Buffer.from(signingInput), { key: otherKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(
      false,
    );
    // An explicit time wins over the clock; each token gets a fresh signature.
    const second = decodeJws(await identity.attest({ nonce: 'n2', audience: 'a', now: new Date(86_400_000) }));
    expect(second.payload.iat).toBe(86_400);
    expect(second.signature.equals(signature)).toBe(false);
  });

  it('refuses a bad nonce or audience with ERR_DEVICE_BAD_ATTEST_INPUT', async () => {
    const element = createMemoryChip().element();
    await provision(element, acme);
    const identity = await DeviceIdentity.open(element, { definition: acme.definition });
    for (const [nonce, audience] of [
      ['', 'aud'],
      ['n', ''],
      ['x'.repeat(257), 'aud'],
      ['n', 'a'.repeat(257)],
      ['line\nbreak', 'aud'],
      ['n', 'tab\t'],
      ['ünïcode', 'aud'],
      [42, 'aud'],
      ['n', null],
    ] as const) {
      expect(
        await codeOf(() => identity.attest({ nonce: nonce as string, audience: audience as unknown as string })),
      ).toBe('ERR_DEVICE_BAD_ATTEST_INPUT');
    }
    const longest = await identity.attest({ nonce: 'n'.repeat(256), audience: 'a'.repeat(256) });
    expect(longest.length).toBeLessThan(16 * 1024);
  });

  it('reports typed errors for an element the line has not finished, or a wrong definition', async () => {
    const blank = createMemoryChip().element();
    expect(await codeOf(() => DeviceIdentity.open(blank))).toBe('ERR_DEVICE_NO_DEFINITION');
    expect(await codeOf(() => DeviceIdentity.open(blank, { definition: acme.definition }))).toBe(
      'ERR_DEVICE_NOT_PROVISIONED',
    );
    const unlocked = createMemoryChip().element();
    await provision(unlocked, acme, { lock: false });
    expect(await codeOf(() => DeviceIdentity.open(unlocked, { definition: acme.definition }))).toBe(
      'ERR_DEVICE_NOT_PROVISIONED',
    );
    const keyOnly = createMemoryChip().element();
    await keyOnly.generateKey(0);
    await keyOnly.lockData();
    expect(await codeOf(() => DeviceIdentity.open(keyOnly, { definition: acme.definition }))).toBe(
      'ERR_DEVICE_NOT_PROVISIONED',
    );
    const element = createMemoryChip().element();
    await provision(element, acme);
    expect(await codeOf(() => DeviceIdentity.open(element, { definition: other.definition }))).toBe(
      'ERR_DEVICE_CHAIN_INVALID',
    );
    // A key slot that is not the one certified: the chain does not verify for that key.
    await element.generateKey(2);
    expect(await codeOf(() => DeviceIdentity.open(element, { definition: acme.definition, keySlot: 2 }))).toBe(
      'ERR_DEVICE_CHAIN_INVALID',
    );
    expect(await codeOf(() => DeviceIdentity.open(element, { definition: { version: 2 } as never }))).toBe(
      'ERR_CHAIN_DEFINITION_VERSION',
    );
  });

  it('a faulty element signature is caught before a token is returned', async () => {
    const chip = createMemoryChip();
    const element = chip.element();
    await provision(element, acme);
    const identity = await DeviceIdentity.open(element, { definition: acme.definition });
    await chip.injectFault({ operation: 'sign', effect: 'corrupt' });
    expect(await codeOf(() => identity.attest({ nonce: 'n', audience: 'a' }))).toBe('ERR_DEVICE_SIGNATURE_INVALID');
    await chip.clearFaults();
    expect(await identity.attest({ nonce: 'n', audience: 'a' })).toMatch(/^[\w-]+\.[\w-]+\.[\w-]{86}$/);
  });

  it('works over the tray socket, where TLS has no key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keyline-device-'));
    try {
      const [serial] = (await createTray(dir, 1)) as [string];
      const socketPath = join(dir, 'tray.sock');
      const server = await serveTray(dir, { socketPath });
      try {
        const element = await connectElement({ socketPath, serialHex: serial });
        await provision(element, acme);
        const identity = await DeviceIdentity.open(element, { definition: acme.definition });
        expect(identity.deviceId).toBe(serial);
        const { signingInput, signature } = decodeJws(await identity.attest({ nonce: 'abc', audience: 'svc' }));
        const leafKey = createPublicKey({ key: Buffer.from(identity.chain[0]!.spki), format: 'der', type: 'spki' });
        expect(
          verify('sha256', Buffer.from(signingInput), { key: leafKey, dsaEncoding: 'ieee-p1363' }, signature),
        ).toBe(true);
        expect(await codeOf(async () => identity.tlsOptions())).toBe('ERR_DEVICE_NO_TLS_KEY');
        await element.close();
      } finally {
        await server.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
