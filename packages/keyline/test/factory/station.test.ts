import { Certificate, compressDeviceCertificate, decodeSlot8, generateSigner } from '@keyline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import { prepareBatchChain } from '../../src/factory/chain.js';
import { slotImages } from '../../src/factory/station.js';
import { makeHierarchy, testAuthority, type TestAuthority } from '../ca/support/hierarchy.js';

let t: TestAuthority | undefined;
afterEach(async () => {
  await t?.dispose();
  t = undefined;
});

describe('slot images', () => {
  it('hold the compressed certificate core makes, from the facts the line knows or from the DER alone', async () => {
    t = await testAuthority();
    const h = await makeHierarchy(t.ca);
    const chain = await prepareBatchChain(t.store, h.issuing.id, 'sensor-1');
    const publicKey = generateSigner('P-256').publicKeySpki.slice(26);
    const chipSerial = '0123aabbccddeeff01';
    const [issued] = await t.ca.issueDevices(
      { caId: h.issuing.id, devices: [{ chipSerial: Buffer.from(chipSerial, 'hex'), publicKey, compressible: true }] },
      CLI_ACTOR,
    );
    const der = issued!.record.der!;
    const expected = compressDeviceCertificate(chain.deviceTemplate, der);
    const facts = {
      publicKey,
      chipSerial,
      notBefore: issued!.record.notBefore!,
      notAfter: issued!.record.notAfter!,
    };
    const fast = slotImages(chain, der, facts);
    expect(fast.slot8.length % 32).toBe(0);
    expect(Buffer.from(decodeSlot8(fast.slot8).device)).toEqual(Buffer.from(expected));
    expect(Buffer.from(decodeSlot8(fast.slot8).signer)).toEqual(Buffer.from(chain.signerCompressed));
    expect(fast.slot9).toHaveLength(72);
    // Wrong facts fall back to core's general path, which gives the same bytes.
    const wrong = slotImages(chain, der, { ...facts, notBefore: new Date(facts.notBefore.getTime() + 3_600_000) });
    expect(Buffer.from(wrong.slot8)).toEqual(Buffer.from(fast.slot8));
    expect(Buffer.from(slotImages(chain, der).slot8)).toEqual(Buffer.from(fast.slot8));
    // A certificate that is not compressible is refused with core's reason.
    const [plain] = await t.ca.issueDevices(
      { caId: h.issuing.id, devices: [{ chipSerial: Buffer.from('0123aabbccddeeff02', 'hex'), publicKey }] },
      CLI_ACTOR,
    );
    expect(() => slotImages(chain, plain!.record.der!, { ...facts, chipSerial: '0123aabbccddeeff02' })).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/^ERR_COMPRESSED_/) }),
    );
    expect(Certificate.fromDer(der).notBefore.getUTCMinutes()).toBe(0);
  });
});
