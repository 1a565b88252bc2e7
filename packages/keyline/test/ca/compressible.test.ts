import {
  Certificate,
  compressDeviceCertificate,
  compressSignerCertificate,
  deriveDeviceSerial,
  deriveSignerSerial,
  generateSigner,
  isKeylineError,
} from '@keyline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import { prepareBatchChain } from '../../src/factory/chain.js';
import { makeHierarchy, testAuthority, type TestAuthority } from './support/hierarchy.js';

let t: TestAuthority | undefined;
afterEach(async () => {
  await t?.dispose();
  t = undefined;
});

function point(): Uint8Array {
  return generateSigner('P-256').publicKeySpki.slice(26);
}

describe('compressible certificates (factory line)', () => {
  it('an issuing CA certificate has a whole-hour notBefore, whole years and the derived signer serial', async () => {
    t = await testAuthority({}, undefined, new Date('2026-05-04T13:27:45Z'));
    const h = await makeHierarchy(t.ca);
    const issuing = Certificate.fromDer(h.issuing.certificateDer!);
    expect(issuing.notBefore.toISOString()).toBe('2026-05-04T13:00:00.000Z');
    expect(Buffer.from(issuing.serialNumber)).toEqual(
      Buffer.from(deriveSignerSerial(issuing.spki, issuing.notBefore, issuing.notAfter)),
    );
    // It compresses under its (P-384) manufacturer CA: 8 + 2 × 48 octets; a manufacturer CA is not made so.
    const chain = await prepareBatchChain(t.store, h.issuing.id, 'sensor-1');
    expect(compressSignerCertificate(chain.compiled.signerTemplate, issuing.der)).toHaveLength(104);
    const manufacturer = Certificate.fromDer(h.manufacturer.certificateDer!);
    expect(manufacturer.notBefore.toISOString()).toBe('2026-05-04T13:27:45.000Z');
  });

  it('issueDevices with compressible: derived serial, whole-hour notBefore, no expiration; compresses to 72 octets', async () => {
    t = await testAuthority({}, undefined, new Date('2026-05-04T13:27:45Z'));
    const h = await makeHierarchy(t.ca);
    t.clock.advance(3 * 3_600_000);
    const key = point();
    const [result] = await t.ca.issueDevices(
      {
        caId: h.issuing.id,
        devices: [{ chipSerial: Buffer.from('0123aabbccddeeff01', 'hex'), publicKey: key, compressible: true }],
      },
      CLI_ACTOR,
      { lint: 'template' },
    );
    const cert = Certificate.fromDer(result!.record.der!);
    expect(cert.notBefore.toISOString()).toBe('2026-05-04T16:00:00.000Z');
    expect(cert.notAfter.toISOString()).toBe('9999-12-31T23:59:59.000Z');
    expect(Buffer.from(cert.serialNumber)).toEqual(Buffer.from(deriveDeviceSerial(key, cert.notBefore)));
    const chain = await prepareBatchChain(t.store, h.issuing.id, 'sensor-1');
    expect(compressDeviceCertificate(chain.deviceTemplate, cert.der)).toHaveLength(72);
    // Without the option: a random serial and the current second.
    const [plain] = await t.ca.issueDevices(
      { caId: h.issuing.id, devices: [{ chipSerial: Buffer.from('0123aabbccddeeff02', 'hex'), publicKey: point() }] },
      CLI_ACTOR,
    );
    expect(Certificate.fromDer(plain!.record.der!).notBefore.toISOString()).toBe('2026-05-04T16:27:45.000Z');
  });

  it('refuses validityDays on a compressible device certificate', async () => {
    t = await testAuthority();
    const h = await makeHierarchy(t.ca);
    const error = await t.ca
      .issueDevices(
        {
          caId: h.issuing.id,
          devices: [
            {
              chipSerial: Buffer.from('0123aabbccddeeff03', 'hex'),
              publicKey: point(),
              compressible: true,
              validityDays: 30,
            },
          ],
        },
        CLI_ACTOR,
      )
      .catch((e: unknown) => e);
    expect(isKeylineError(error, 'ERR_CA_BAD_INPUT')).toBe(true);
  });
});
