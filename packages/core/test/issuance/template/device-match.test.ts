import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DeviceTemplate,
  deviceTemplateShapes,
  type DeviceCertificateInput,
} from '../../../src/issuance/template/index.js';
import type { DeviceShapeMatch } from '../../../src/trust/device/leaf-shapes.js';
import { Certificate } from '../../../src/x509/certificate/certificate.js';
import { deterministicSigner, deviceArb, optionsArb } from './template-arbitraries.js';
import { deviceSpki, makeHierarchy } from './template-fixtures.js';

const hierarchy = makeHierarchy('P-256');
const p384 = makeHierarchy('P-384');

/** What `match` must answer for a certificate: its strict decoding, read the same way. */
function expectMatchesDecoding(match: DeviceShapeMatch | undefined, der: Uint8Array, productId: string): void {
  const cert = Certificate.fromDer(der);
  expect(match).toBeDefined();
  expect(match!.tbs).toEqual(cert.tbs);
  expect(match!.signatureValue).toEqual(cert.signatureValue);
  expect(match!.spki).toEqual(cert.spki);
  expect(match!.publicKey).toEqual(cert.publicKey);
  expect(match!.serialNumber).toEqual(cert.serialNumber);
  expect(match!.notBeforeMs).toBe(cert.notBefore.getTime());
  expect(match!.notAfterMs).toBe(cert.notAfter.getTime());
  const attribute = (oid: string): string | undefined => cert.subject.rdns.flat().find((a) => a.type === oid)?.value;
  expect(match!.names).toEqual({
    deviceId: attribute('2.5.4.3'),
    manufacturerId: 'acme',
    productId,
    serialNumber: attribute('2.5.4.5'),
  });
}

/** The certificate the template writes for the fields `match` read (with the matched signature). */
function rebuilt(template: DeviceTemplate, match: DeviceShapeMatch): Uint8Array {
  const input: DeviceCertificateInput = {
    serial: match.serialNumber,
    chipSerial: Buffer.from(match.names.deviceId, 'hex'),
    serialNumber: match.names.serialNumber,
    publicKey: match.spki,
    notBefore: new Date(match.notBeforeMs),
    notAfter: new Date(match.notAfterMs),
  };
  return Uint8Array.from(template.wrap(template.tbs(input), match.signatureValue));
}

describe('DeviceTemplate.match', () => {
  it('reads back every certificate the template issues, on random options and devices', () => {
    let devices = 0;
    fc.assert(
      fc.property(optionsArb, fc.array(deviceArb, { minLength: 10, maxLength: 10 }), (options, inputs) => {
        const signer = deterministicSigner(hierarchy.caSigner);
        const template = DeviceTemplate.compile({ ...options, issuer: hierarchy.ca, signer });
        for (const input of inputs) {
          const der = Uint8Array.from(template.issue(input));
          expectMatchesDecoding(template.match(der), der, options.productId);
          devices++;
        }
      }),
      { numRuns: 60 },
    );
    expect(devices).toBe(600);
  }, 60_000);

  it('answers a changed certificate only when it is still one the template writes', () => {
    // Any one octet changed, or the DER cut or lengthened: either no match, or a match whose
    // fields rebuild the changed certificate exactly (a new serial, key or signature).
    const template = DeviceTemplate.compile({
      issuer: hierarchy.ca,
      signer: hierarchy.caSigner,
      productId: 'sensor-x',
      deviceUrn: { enterpriseNumber: 32473 },
    });
    const original = Uint8Array.from(
      template.issue({
        serial: Uint8Array.of(0x41, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
        chipSerial: Uint8Array.of(1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef),
        publicKey: deviceSpki(),
        notBefore: new Date('2025-01-01T00:00:00Z'),
      }),
    );
    let matched = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc
            .record({ at: fc.nat(original.length - 1), value: fc.integer({ min: 0, max: 255 }) })
            .map(({ at, value }) => {
              const changed = Uint8Array.from(original);
              changed[at] = value;
              return changed;
            }),
          fc.nat(original.length - 1).map((cut) => original.subarray(0, cut)),
          fc.uint8Array({ minLength: 1, maxLength: 4 }).map((extra) => Uint8Array.of(...original, ...extra)),
        ),
        (der) => {
          const match = template.match(der);
          if (match === undefined) {
            refused++;
            return;
          }
          matched++;
          expect(rebuilt(template, match)).toEqual(der);
          expectMatchesDecoding(match, der, 'sensor-x');
        },
      ),
      { numRuns: 3000 },
    );
    expect(matched).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  }, 60_000);

  it('refuses certificates of another template, another issuer, and certificates no template writes', () => {
    const input: DeviceCertificateInput = {
      serial: Uint8Array.of(0x41, 1, 2, 3, 4, 5, 6, 7, 8, 9),
      chipSerial: Uint8Array.of(1, 2, 3, 4),
      publicKey: deviceSpki(),
      notBefore: new Date('2025-01-01T00:00:00Z'),
    };
    const base = { issuer: hierarchy.ca, signer: hierarchy.caSigner, productId: 'sensor-x' };
    const template = DeviceTemplate.compile(base);
    const other = DeviceTemplate.compile({ ...base, keyAgreement: true });
    const otherProduct = DeviceTemplate.compile({ ...base, productId: 'sensor-y' });
    const otherIssuer = DeviceTemplate.compile({ ...base, issuer: p384.ca, signer: p384.caSigner });
    expect(template.match(Uint8Array.from(template.issue(input)))).toBeDefined();
    expect(template.match(Uint8Array.from(other.issue(input)))).toBeUndefined();
    expect(template.match(Uint8Array.from(otherProduct.issue(input)))).toBeUndefined();
    expect(template.match(Uint8Array.from(otherIssuer.issue(input)))).toBeUndefined();
    expect(template.match(hierarchy.ca.der)).toBeUndefined();
    expect(template.match(hierarchy.root.der)).toBeUndefined();
    expect(template.match(new Uint8Array(0))).toBeUndefined();
  });

  it('refuses fields the template would not write: a validity starting before its issuer', () => {
    const template = DeviceTemplate.compile({ issuer: hierarchy.ca, signer: hierarchy.caSigner, productId: 'p' });
    const der = Buffer.from(
      template.issue({
        serial: Uint8Array.of(0x41, 1, 2, 3, 4, 5, 6, 7, 8, 9),
        chipSerial: Uint8Array.of(1, 2, 3, 4),
        publicKey: deviceSpki(),
        notBefore: new Date('2025-01-01T00:00:00Z'),
      }),
    );
    expect(template.match(Uint8Array.from(der))).toBeDefined();
    // The CA is valid from 2024-06-01: the same certificate from 2023 is one `issue` refuses.
    const at = der.indexOf(Buffer.from('250101000000Z', 'latin1'));
    expect(at).toBeGreaterThan(0);
    der.write('23', at, 'latin1');
    expect(Certificate.fromDer(Uint8Array.from(der)).notBefore.toISOString()).toBe('2023-01-01T00:00:00.000Z');
    expect(template.match(Uint8Array.from(der))).toBeUndefined();
  });
});

describe('deviceTemplateShapes', () => {
  it('learns the template of a certificate from the certificate and its issuer, on random options', () => {
    const shapes = deviceTemplateShapes();
    fc.assert(
      fc.property(optionsArb, deviceArb, deviceArb, (options, first, second) => {
        const template = DeviceTemplate.compile({ ...options, issuer: hierarchy.ca, signer: hierarchy.caSigner });
        const exemplar = Certificate.fromDer(Uint8Array.from(template.issue(first)));
        const shape = shapes.learn(exemplar, hierarchy.ca);
        expect(shape).toBeDefined();
        const next = Uint8Array.from(template.issue(second));
        expectMatchesDecoding(shape!.match(next), next, options.productId);
      }),
      { numRuns: 60 },
    );
  }, 60_000);

  it('learns nothing from certificates no device template writes', () => {
    const shapes = deviceTemplateShapes();
    expect(shapes.learn(hierarchy.ca, hierarchy.root)).toBeUndefined();
    expect(shapes.learn(hierarchy.root, hierarchy.root)).toBeUndefined();
  });
});
