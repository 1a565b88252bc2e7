import { createECDH } from 'node:crypto';
import { fail, systemRandom, type RandomSource } from '@keyline/core';

/**
 * The P-256 arithmetic the emulated chip needs, over node:crypto. Point multiplication (public keys,
 * ECDH and the signature's k·G) is OpenSSL's; only the scalar arithmetic modulo the group order n of
 * ECDSA's last step is done here with BigInt, because node:crypto signs messages, not the bare
 * 32-byte digests a secure element is given (SEC 1 v2 section 4.1.3).
 */
const CURVE = 'prime256v1';
/** The order n of the P-256 base point (FIPS 186-4 D.1.2.3). */
export const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex'));
}

function toBytes32(value: bigint): Uint8Array {
  return new Uint8Array(Buffer.from(value.toString(16).padStart(64, '0'), 'hex'));
}

const ORDER_BYTES = toBytes32(P256_ORDER);

/** A scalar d with 0 < d < n (compared byte by byte, big-endian). */
export function isValidScalar(scalar: Uint8Array): boolean {
  if (scalar.length !== 32) return false;
  let nonZero = false;
  for (let i = 0; i < 32; i++) {
    const byte = scalar[i]!;
    const limit = ORDER_BYTES[i]!;
    nonZero ||= byte !== 0;
    if (byte !== limit) return byte < limit ? nonZero || scalar.subarray(i + 1).some((b) => b !== 0) : false;
  }
  return false; // equal to n
}

/** Candidates drawn from the system CSPRNG at a time: one draw costs about as much as 32 bytes of it. */
const CANDIDATE_BATCH = 32;
let systemCandidates = new Uint8Array(0);
let systemCandidatesUsed = 0;

/**
 * 32 fresh random bytes. From the system CSPRNG they are taken out of a batch drawn at once (a line
 * makes a key per chip, and each draw of the generator has a fixed cost); each is zeroed in the batch
 * as it is handed out. Any other source (a test's) is asked for each candidate, so it sees the calls
 * it expects.
 */
function candidateScalar(random: RandomSource): Uint8Array {
  if (random !== systemRandom) return random.bytes(32);
  if (systemCandidatesUsed === systemCandidates.length) {
    systemCandidates = new Uint8Array(systemRandom.bytes(32 * CANDIDATE_BATCH));
    systemCandidatesUsed = 0;
  }
  const at = systemCandidatesUsed;
  systemCandidatesUsed += 32;
  const candidate = systemCandidates.slice(at, at + 32);
  systemCandidates.fill(0, at, at + 32);
  return candidate;
}

/** A uniformly random valid scalar (rejection sampling, SEC 1 v2 section 3.2.1). */
export function generateScalar(random: RandomSource): Uint8Array {
  for (;;) {
    const candidate = candidateScalar(random);
    if (isValidScalar(candidate)) return new Uint8Array(candidate);
  }
}

// One ECDH object reused for point multiplications: set the scalar and read the point in the same
// synchronous step, so no other caller can come between.
const multiplier = createECDH(CURVE);

/** The uncompressed public point 04 || X || Y of a valid scalar. */
export function publicKeyOf(scalar: Uint8Array): Uint8Array {
  multiplier.setPrivateKey(scalar);
  return new Uint8Array(multiplier.getPublicKey());
}

/** a⁻¹ mod m by the extended Euclidean algorithm (m prime, a not a multiple of m). */
function modInverse(value: bigint, modulus: bigint): bigint {
  let a = value % modulus;
  let b = modulus;
  let x0 = 1n;
  let x1 = 0n;
  while (b !== 0n) {
    const q = a / b;
    let t = a - q * b;
    a = b;
    b = t;
    t = x0 - q * x1;
    x0 = x1;
    x1 = t;
  }
  return ((x0 % modulus) + modulus) % modulus;
}

/** Per-signature nonces k with k⁻¹ already computed. */
interface Nonce {
  readonly k: Uint8Array;
  readonly kInverse: bigint;
}

const NONCE_BATCH = 32;
const noncePools = new WeakMap<RandomSource, Nonce[]>();

/**
 * The next fresh nonce drawn from `random`. Inversions are done 32 at a time with Montgomery's
 * batch-inversion trick (one inversion and three multiplications per nonce), which makes an emulated
 * signature cost about one point multiplication. Each nonce is used once and dropped.
 */
function nextNonce(random: RandomSource): Nonce {
  let pool = noncePools.get(random);
  if (pool === undefined || pool.length === 0) {
    // One draw for the whole batch; a candidate that is not a valid scalar (odds about 2^-32) is redrawn alone.
    const pool32 = random.bytes(32 * NONCE_BATCH);
    const ks = Array.from({ length: NONCE_BATCH }, (_, i) => {
      const candidate = new Uint8Array(pool32.subarray(32 * i, 32 * i + 32));
      return isValidScalar(candidate) ? candidate : generateScalar(random);
    });
    pool32.fill(0);
    const values = ks.map(toBigInt);
    const prefix: bigint[] = [];
    let product = 1n;
    for (const value of values) {
      prefix.push(product);
      product = (product * value) % P256_ORDER;
    }
    let inverse = modInverse(product, P256_ORDER);
    const inverses: bigint[] = new Array<bigint>(values.length);
    for (let i = values.length - 1; i >= 0; i--) {
      inverses[i] = (inverse * prefix[i]!) % P256_ORDER;
      inverse = (inverse * values[i]!) % P256_ORDER;
    }
    pool = ks.map((k, i) => ({ k, kInverse: inverses[i]! }));
    noncePools.set(random, pool);
  }
  return pool.pop()!;
}

/**
 * An ECDSA signature r || s (32 bytes each) of a 32-byte digest (SEC 1 v2 section 4.1.3 with the
 * digest taken as e, whose 256 bits need no truncation for P-256). k comes from `random`.
 */
export function signDigest(scalar: Uint8Array, digest: Uint8Array, random: RandomSource): Uint8Array {
  const d = toBigInt(scalar);
  const e = toBigInt(digest);
  for (;;) {
    const { k, kInverse } = nextNonce(random);
    const point = publicKeyOf(k);
    k.fill(0);
    const r = toBigInt(point.subarray(1, 33)) % P256_ORDER;
    if (r === 0n) continue;
    const s = (kInverse * ((e + r * d) % P256_ORDER)) % P256_ORDER;
    if (s === 0n) continue;
    const out = new Uint8Array(64);
    out.set(toBytes32(r), 0);
    out.set(toBytes32(s), 32);
    return out;
  }
}

/** The ECDH shared secret (the X coordinate of d·Q, SEC 1 v2 section 3.3.1) with a peer point 04 || X || Y. */
export function sharedSecret(scalar: Uint8Array, peer: Uint8Array): Uint8Array {
  if (peer.length !== 65 || peer[0] !== 0x04) fail('ERR_SE_BAD_PUBLIC_KEY');
  try {
    multiplier.setPrivateKey(scalar);
    // OpenSSL decodes the point and refuses one that is not on the curve.
    return new Uint8Array(multiplier.computeSecret(peer));
  } catch {
    return fail('ERR_SE_BAD_PUBLIC_KEY');
  }
}
