import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { SyncSigner } from '../../../src/crypto/signer.js';
import {
  P256_SPKI_PREFIX,
  type DeviceCertificateInput,
  type DeviceTemplateOptions,
} from '../../../src/issuance/template/index.js';
import * as der from '../../../src/x509/der/writer.js';
import { OID } from '../../../src/x509/oids.js';

/** Random device template options and devices for the template's property tests (issuer: makeHierarchy's CA). */

/**
 * A signer with the CA's key and algorithm whose "signature" is a deterministic DER
 * ECDSA-Sig-Value derived from the data, so whole certificates can be compared byte for byte
 * (real ECDSA signatures are randomised). r and s vary in length (leading zeros, high bits).
 */
export function deterministicSigner(real: SyncSigner): SyncSigner {
  const signSync = (data: Uint8Array): Uint8Array => {
    const h = createHash('sha256').update(data).digest();
    const r = h.subarray(0, 1 + (h[0]! % 32));
    const s = createHash('sha256').update(h).digest();
    return der.seq(der.unsignedInt(r), der.unsignedInt(s));
  };
  return { algorithm: real.algorithm, publicKeySpki: real.publicKeySpki, sign: signSync, signSync };
}

export const ISSUER_FROM = Date.parse('2024-06-01T00:00:00Z') / 1000;
export const ISSUER_UNTIL = Date.parse('2039-06-01T00:00:00Z') / 1000;

/** Random template options the device profile allows. */
export const optionsArb = fc
  .record({
    keyAgreement: fc.boolean(),
    hardwareModuleName: fc.constantFrom<DeviceTemplateOptions['hardwareModuleName']>(undefined, false, {
      hwType: '1.3.6.1.4.1.32473.7.1',
    }),
    deviceUrn: fc.option(fc.record({ enterpriseNumber: fc.integer({ min: 1, max: 2 ** 31 }) }), { nil: undefined }),
    subjectKeyIdentifier: fc.constantFrom<DeviceTemplateOptions['subjectKeyIdentifier']>(
      undefined,
      'sha1',
      'sha256-160',
      false,
    ),
    basicConstraints: fc.boolean(),
    extKeyUsage: fc.subarray([OID.clientAuth, OID.serverAuth]),
    productId: fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/),
    hardwareVersion: fc.option(fc.stringMatching(/^[A-Za-z0-9._+-]{1,32}$/), { nil: undefined }),
    crlDistributionPoints: fc.option(fc.array(fc.webUrl(), { minLength: 1, maxLength: 2 }), { nil: undefined }),
    ocspUrl: fc.option(fc.webUrl(), { nil: undefined }),
  })
  .filter((o) => o.hardwareModuleName !== false || o.deviceUrn !== undefined);

/** Random valid device fields under `hierarchy.ca`. */
export const deviceArb: fc.Arbitrary<DeviceCertificateInput> = fc
  .record({
    zeros: fc.integer({ min: 0, max: 2 }),
    serial: fc.uint8Array({ minLength: 9, maxLength: 20 }).filter((s) => s[0] !== 0 && (s.length < 20 || s[0]! < 0x80)),
    chipSerial: fc.uint8Array({ minLength: 4, maxLength: 32 }),
    serialNumber: fc.option(fc.stringMatching(/^[A-Za-z0-9 '()+,\-./:=?]{1,64}$/), { nil: undefined }),
    point: fc.uint8Array({ minLength: 64, maxLength: 64 }),
    asSpki: fc.boolean(),
    from: fc.integer({ min: ISSUER_FROM, max: ISSUER_UNTIL }),
    span: fc.option(fc.integer({ min: 0, max: ISSUER_UNTIL - ISSUER_FROM }), { nil: undefined }),
    millis: fc.integer({ min: 0, max: 999 }),
  })
  .map((r) => {
    const point = Uint8Array.of(0x04, ...r.point);
    const notBefore = new Date(r.from * 1000 + r.millis);
    const notAfter = r.span === undefined ? undefined : new Date(Math.min(r.from + r.span, ISSUER_UNTIL) * 1000);
    return {
      serial: Uint8Array.of(...new Uint8Array(r.zeros), ...r.serial),
      chipSerial: r.chipSerial,
      ...(r.serialNumber === undefined ? {} : { serialNumber: r.serialNumber }),
      publicKey: r.asSpki ? der.concat([P256_SPKI_PREFIX, point]) : point,
      notBefore,
      ...(notAfter === undefined ? {} : { notAfter }),
    };
  });
