import { generateKeyPairSync, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CURVES,
  ED25519_ORDER,
  checkEcdsaSignature,
  checkEd25519Signature,
  ecdsaSignatureFromRaw,
  ecdsaSignatureToRaw,
} from '../../src/crypto/index.js';
import * as der from '../../src/x509/der/writer.js';
import { codeOf, hex } from './openssl.js';

const P256 = CURVES['P-256'];
const sig = (r: bigint, s: bigint): Uint8Array => der.seq(der.int(r), der.int(s));
const nOf = (curve: typeof P256): bigint => BigInt('0x' + Buffer.from(curve.n).toString('hex'));

describe('checkEcdsaSignature: DER ECDSA-Sig-Value with r, s in [1, n-1]', () => {
  it('accepts the extremes 1 and n-1 on every curve', () => {
    for (const curve of Object.values(CURVES)) {
      const n = nOf(curve);
      const { r, s } = checkEcdsaSignature(sig(1n, n - 1n), curve);
      expect(r).toEqual(Uint8Array.of(1));
      expect(BigInt('0x' + Buffer.from(s).toString('hex'))).toBe(n - 1n);
    }
  });

  it('refuses r = 0, s = 0, s = n, r = n + 1 and negative values as out of range', () => {
    const n = nOf(P256);
    for (const [r, s] of [
      [0n, 1n],
      [1n, 0n],
      [1n, n],
      [n + 1n, 1n],
      [-1n, 1n],
      [1n, -n],
    ] as const) {
      expect(codeOf(() => checkEcdsaSignature(sig(r, s), P256))).toBe('ERR_CRYPTO_ECDSA_SIGNATURE_OUT_OF_RANGE');
    }
    // The P-521 order is larger than the P-256 one: a P-521-sized s is out of range for P-256.
    expect(codeOf(() => checkEcdsaSignature(sig(1n, nOf(CURVES['P-521']) - 1n), P256))).toBe(
      'ERR_CRYPTO_ECDSA_SIGNATURE_OUT_OF_RANGE',
    );
  });

  it('refuses BER: non-minimal lengths, non-minimal integers, indefinite length', () => {
    const cases = {
      'long-form length below 128': hex('30 81 06 02 01 01 02 01 01'),
      'long-form INTEGER length': hex('30 07 02 81 01 01 02 01 01'),
      'INTEGER with a superfluous 00': hex('30 07 02 02 00 01 02 01 01'),
      'INTEGER with a superfluous ff': hex('30 07 02 02 ff 80 02 01 01'),
      'indefinite length': hex('30 80 02 01 01 02 01 01 00 00'),
      'constructed INTEGER': hex('30 08 22 03 02 01 01 02 01 01'),
      'empty INTEGER': hex('30 05 02 00 02 01 01'),
    };
    for (const [defect, encoded] of Object.entries(cases)) {
      expect([defect, codeOf(() => checkEcdsaSignature(encoded, P256))]).toEqual([
        defect,
        'ERR_CRYPTO_ECDSA_SIGNATURE_NOT_DER',
      ]);
    }
  });

  it('refuses trailing bytes, a third INTEGER, a missing s, other tags and truncation', () => {
    const good = sig(5n, 7n);
    const cases = {
      'bytes after the SEQUENCE': der.concat([good, Uint8Array.of(0)]),
      'third INTEGER': der.seq(der.int(5), der.int(7), der.int(9)),
      'missing s': der.seq(der.int(5)),
      'SET instead of SEQUENCE': der.tlv(0x31, der.concat([der.int(5), der.int(7)])),
      'OCTET STRING r': der.seq(der.octets(Uint8Array.of(5)), der.int(7)),
      truncated: good.subarray(0, good.length - 1),
      empty: new Uint8Array(0),
      'raw r||s instead of DER': new Uint8Array(64).fill(1),
    };
    for (const [defect, encoded] of Object.entries(cases)) {
      expect([defect, codeOf(() => checkEcdsaSignature(encoded, P256))]).toEqual([
        defect,
        'ERR_CRYPTO_ECDSA_SIGNATURE_NOT_DER',
      ]);
    }
  });

  it('never throws anything but its two codes on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const code = codeOf(() => checkEcdsaSignature(bytes, P256));
        expect(['no error', 'ERR_CRYPTO_ECDSA_SIGNATURE_NOT_DER', 'ERR_CRYPTO_ECDSA_SIGNATURE_OUT_OF_RANGE']).toContain(
          code,
        );
      }),
      { numRuns: 2000 },
    );
  });
});

describe('ECDSA raw (IEEE P1363) and DER forms', () => {
  it('converts both ways in agreement with node:crypto dsaEncoding', () => {
    for (const curve of Object.values(CURVES)) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve.opensslName });
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), (message) => {
          const derSig = sign(curve.hash, message, privateKey);
          const raw = ecdsaSignatureToRaw(derSig, curve);
          expect(raw.length).toBe(2 * curve.size);
          expect(verify(curve.hash, message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
          expect(Buffer.from(ecdsaSignatureFromRaw(raw))).toEqual(derSig);
        }),
        { numRuns: 30 },
      );
    }
  });

  it('refuses a raw signature of odd or zero length', () => {
    expect(() => ecdsaSignatureFromRaw(new Uint8Array(63))).toThrow(TypeError);
    expect(() => ecdsaSignatureFromRaw(new Uint8Array(0))).toThrow(TypeError);
  });
});

describe('checkEd25519Signature: 64 octets, S < L (RFC 8032 5.1.7)', () => {
  const le = (value: bigint): Uint8Array => {
    const out = new Uint8Array(32);
    for (let i = 0; i < 32; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
    return out;
  };
  const withS = (s: bigint): Uint8Array => der.concat([new Uint8Array(32), le(s)]);

  it('L is 2^252 + 27742317777372353535851937790883648493', () => {
    expect(ED25519_ORDER.toString(16)).toBe('1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed');
  });

  it('accepts S = 0 and S = L - 1, refuses S = L, L + 1 and 2^256 - 1', () => {
    expect(codeOf(() => checkEd25519Signature(withS(0n)))).toBe('no error');
    expect(codeOf(() => checkEd25519Signature(withS(ED25519_ORDER - 1n)))).toBe('no error');
    for (const s of [ED25519_ORDER, ED25519_ORDER + 1n, (1n << 256n) - 1n, 1n << 253n]) {
      expect(codeOf(() => checkEd25519Signature(withS(s)))).toBe('ERR_CRYPTO_ED25519_SIGNATURE_NOT_CANONICAL');
    }
  });

  it('refuses signatures that are not 64 octets', () => {
    expect(codeOf(() => checkEd25519Signature(new Uint8Array(63)))).toBe('ERR_CRYPTO_BAD_ED25519_SIGNATURE');
    expect(codeOf(() => checkEd25519Signature(new Uint8Array(65)))).toBe('ERR_CRYPTO_BAD_ED25519_SIGNATURE');
  });
});
