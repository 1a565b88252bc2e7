import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkEcdsaSignature,
  CURVES,
  encodeSpki,
  generateSigner,
  isSyncSigner,
  parsePublicKeyInfo,
  signatureAlgorithmByName,
  softwareSigner,
  verifySignature,
  type CurveName,
  type Signer,
} from '../../src/crypto/index.js';
import { encodePem } from '../../src/x509/pem.js';
import { codeOf, openSslDir, type OpenSslDir } from './openssl.js';

const KINDS: Array<CurveName | 'ed25519'> = ['P-256', 'P-384', 'P-521', 'ed25519'];

describe('softwareSigner / generateSigner', () => {
  it('chooses the hash of the curve strength by default', () => {
    expect(generateSigner().algorithm).toBe('ecdsa-sha256');
    expect(generateSigner('P-384').algorithm).toBe('ecdsa-sha384');
    expect(generateSigner('P-521').algorithm).toBe('ecdsa-sha512');
    expect(generateSigner('ed25519').algorithm).toBe('ed25519');
  });

  it('signs with another ECDSA hash when asked', () => {
    const signer = generateSigner('P-256', { algorithm: 'ecdsa-sha384' });
    expect(signer.algorithm).toBe('ecdsa-sha384');
    const data = new Uint8Array([1, 2, 3]);
    const signature = signer.signSync(data);
    expect(
      verifySignature({
        algorithm: signatureAlgorithmByName('ecdsa-sha384'),
        publicKey: signer.publicKeySpki,
        data,
        signature,
      }),
    ).toBe(true);
  });

  it('publishes the SPKI of its key, which parses strictly', () => {
    for (const kind of KINDS) {
      const signer = generateSigner(kind);
      expect(signer.publicKeySpki).toEqual(encodeSpki(signer.privateKey));
      expect(signer.publicKeySpki).toEqual(encodeSpki(signer.publicKey));
      const key = parsePublicKeyInfo(signer.publicKeySpki);
      expect(key.algorithm).toBe(kind === 'ed25519' ? 'ed25519' : 'ec');
      if (kind !== 'ed25519') expect(key.curve).toBe(kind);
    }
  });

  it('produces DER ECDSA signatures (X9.62), as X.509 carries them', () => {
    for (const kind of ['P-256', 'P-384', 'P-521'] as const) {
      const signature = generateSigner(kind).signSync(new Uint8Array(10));
      expect(signature[0]).toBe(0x30);
      expect(codeOf(() => checkEcdsaSignature(signature, CURVES[kind]))).toBe('no error');
    }
  });

  it('is synchronous, and sign returns the same kind of value as signSync', () => {
    const signer = generateSigner('ed25519');
    expect(isSyncSigner(signer)).toBe(true);
    const data = new Uint8Array([9]);
    expect(signer.sign(data)).toEqual(signer.signSync(data)); // Ed25519 is deterministic
    const remote: Signer = {
      algorithm: 'ed25519',
      publicKeySpki: signer.publicKeySpki,
      sign: async (d) => signer.signSync(d),
    };
    expect(isSyncSigner(remote)).toBe(false);
  });

  it('refuses keys it cannot sign with', () => {
    expect(codeOf(() => softwareSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey))).toBe(
      'ERR_CRYPTO_UNSUPPORTED_SIGNING_KEY',
    );
    expect(codeOf(() => softwareSigner(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey))).toBe(
      'ERR_CRYPTO_UNSUPPORTED_SIGNING_KEY',
    );
    expect(codeOf(() => softwareSigner(generateKeyPairSync('ed25519').privateKey, { algorithm: 'ecdsa-sha256' }))).toBe(
      'ERR_CRYPTO_UNSUPPORTED_SIGNING_KEY',
    );
    expect(codeOf(() => generateSigner('P-256', { algorithm: 'ed25519' }))).toBe('ERR_CRYPTO_UNSUPPORTED_SIGNING_KEY');
    expect(() => softwareSigner(generateKeyPairSync('ed25519').publicKey)).toThrow(TypeError);
  });
});

describe('round trip (property): random messages signed and verified', () => {
  it.each(KINDS)('%s', async (kind) => {
    const signer = generateSigner(kind);
    const algorithm = signatureAlgorithmByName(signer.algorithm);
    const publicKey = parsePublicKeyInfo(signer.publicKeySpki);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.nat(), async (data, flip) => {
        const signature = await signer.sign(data);
        expect(verifySignature({ algorithm, publicKey, data, signature })).toBe(true);
        if (data.length > 0) {
          const other = Uint8Array.from(data);
          other[flip % other.length]! ^= 1 << (flip % 8);
          expect(verifySignature({ algorithm, publicKey, data: other, signature })).toBe(false);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('OpenSSL verifies what our signers sign', () => {
  let ssl: OpenSslDir;
  beforeAll(() => {
    ssl = openSslDir();
  });
  afterAll(() => ssl.remove());

  it.each(KINDS)('%s', (kind) => {
    const signer = generateSigner(kind);
    const data = new TextEncoder().encode(`signed by a ${kind} software signer`);
    ssl.write('pub.pem', encodePem('PUBLIC KEY', signer.publicKeySpki));
    ssl.write('data.bin', data);
    ssl.write('sig.bin', signer.signSync(data));
    const out =
      kind === 'ed25519'
        ? ssl.run(
            'pkeyutl',
            '-verify',
            '-pubin',
            '-inkey',
            'pub.pem',
            '-rawin',
            '-in',
            'data.bin',
            '-sigfile',
            'sig.bin',
          )
        : ssl.run('dgst', `-${CURVES[kind].hash}`, '-verify', 'pub.pem', '-signature', 'sig.bin', 'data.bin');
    expect(out.toString()).toMatch(/Verified OK|Signature Verified Successfully/);
  });
});
