import { Certificate } from '@keyline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../../src/ca/service-port.js';
import { LocalRevocation } from '../../../src/server/mtls/index.js';
import { issueTestDevice, type TestDevice } from '../support/devices.js';
import { serverFixture, type ServerFixture } from '../support/fixture.js';

/** LocalRevocation answers from the store's records: good, revoked, or unknown (never good by default). */

let f: ServerFixture;
let device: TestDevice;
let line1: Certificate;
let acme: Certificate;

beforeAll(async () => {
  f = await serverFixture();
  device = await issueTestDevice(f.ca, f.line1, f.acme);
  line1 = Certificate.fromDer(f.line1.certificateDer!);
  acme = Certificate.fromDer(f.acme.certificateDer!);
});
afterAll(() => f.close());

describe('LocalRevocation', () => {
  it('a certificate its CA recorded as valid is good, and so are the CA certificates above it', async () => {
    const local = new LocalRevocation(f.store);
    expect(await local.check(device.certificate, line1)).toEqual({ status: 'good' });
    expect(await local.check(line1, acme)).toEqual({ status: 'good' });
  });

  it('sees a revocation at once, with the reason', async () => {
    const local = new LocalRevocation(f.store);
    const other = await issueTestDevice(f.ca, f.line1, f.acme);
    expect((await local.check(other.certificate, line1)).status).toBe('good');
    await f.ca.revoke({ caId: f.line1.id, serialHex: other.certificate.serialHex, reason: 'keyCompromise' }, CLI_ACTOR);
    const answer = await local.check(other.certificate, line1);
    expect(answer.status).toBe('revoked');
    expect(answer.reason).toContain('keyCompromise');
  });

  it('is unknown for an issuer that is not a CA here, or a certificate its CA never recorded', async () => {
    const local = new LocalRevocation(f.store);
    // The device certificate as its own "issuer": no CA of this store has that certificate.
    expect((await local.check(device.certificate, device.certificate)).status).toBe('unknown');
    // The manufacturer CA's certificate "issued" by the issuing CA: line1 never recorded it.
    expect((await local.check(acme, line1)).status).toBe('unknown');
  });

  it('finds a CA made after its first lookup', async () => {
    const local = new LocalRevocation(f.store);
    expect((await local.check(device.certificate, line1)).status).toBe('good');
    const line2 = await f.ca.createCa(
      {
        parentId: f.acme.id,
        name: 'Acme Line 2',
        kind: 'issuing',
        manufacturerId: 'acme',
        productId: 'sensor-1',
        label: 'line2',
      },
      CLI_ACTOR,
    );
    const late = await issueTestDevice(f.ca, line2, f.acme);
    expect(await local.check(late.certificate, Certificate.fromDer(line2.certificateDer!))).toEqual({ status: 'good' });
  });
});
