import { beforeAll, describe, expect, it } from 'vitest';
import { Certificate } from '../../../src/x509/certificate/certificate.js';
import { makeDevice, makeEcosystem, type Ecosystem } from '../../trust/device/fixtures.js';

describe('Certificate.memo', () => {
  let eco: Ecosystem;
  beforeAll(async () => {
    eco = await makeEcosystem('Memo Test');
  });

  it('derives once per certificate object and key, and keeps values apart by key', () => {
    const certificate = Certificate.fromDer(makeDevice(eco).certificate.der);
    const A = Symbol('a');
    const B = Symbol('b');
    let calls = 0;
    const derive = (c: Certificate) => ({ serial: c.serialHex, call: ++calls });
    const first = certificate.memo(A, derive);
    expect(first).toEqual({ serial: certificate.serialHex, call: 1 });
    expect(certificate.memo(A, derive)).toBe(first);
    expect(certificate.memo(B, derive)).toEqual({ serial: certificate.serialHex, call: 2 });
    // Another object decoded from the same bytes has its own memo.
    expect(Certificate.fromDer(certificate.der).memo(A, derive).call).toBe(3);
  });

  it('keeps undefined as an answer, and keeps nothing when deriving throws', () => {
    const certificate = Certificate.fromDer(makeDevice(eco).certificate.der);
    const K = Symbol('k');
    let calls = 0;
    expect(certificate.memo(K, () => (calls++, undefined))).toBeUndefined();
    expect(certificate.memo(K, () => (calls++, 'late'))).toBeUndefined();
    expect(calls).toBe(1);
    const T = Symbol('t');
    expect(() =>
      certificate.memo(T, () => {
        throw new Error('malformed');
      }),
    ).toThrow('malformed');
    expect(certificate.memo(T, () => 'recovered')).toBe('recovered');
  });

  it('does not collide with the per-OID decoded memo', () => {
    const certificate = Certificate.fromDer(makeDevice(eco).certificate.der);
    const oid = certificate.extensions[0]!.oid;
    const decoded = certificate.decoded(oid, (v) => v.length);
    expect(certificate.memo(Symbol(oid), () => 'other')).toBe('other');
    expect(certificate.decoded(oid, () => -1)).toBe(decoded);
  });
});
