import { isKeylineError } from '../../errors/keyline-error.js';
import type { Certificate } from '../../x509/certificate/certificate.js';
import { decodeThrough } from '../cache/decode-through.js';
import { certificatesFrom } from '../inputs.js';
import type { CertificateInput } from '../types.js';
import { refuse, type Refusal } from '../validate/outcome.js';
import { verifyChainSync } from '../verify-chain.js';
import type { ConsumeResult } from './challenge/challenge-store.js';
import { checkDeviceChainProfile } from './chain-profile.js';
import { deviceNamesOf, type DeviceNames } from './identity.js';
import type { RevocationAnswer } from './revocation/revocation-source.js';
import { parseToken, type ParsedToken } from './token/parse-token.js';
import { checkByShape, learnShape } from './leaf-lane.js';
import { decodeX5c, decodeX5cCas, isRememberedLeaf, sightLeaf, type LeafSighting } from './x5c-certificates.js';
import { checkTokenSignature } from './token/token-signature.js';
import type { DeviceRefusal, VerifiedDevice, VerifyDeviceOptions, VerifyDeviceResult } from './types.js';

/** Default `maxSkewSeconds`. */
export const DEFAULT_MAX_SKEW_SECONDS = 300;

/** verifyChain codes that mean "no path to a trusted root" (a chain to another root). */
const UNTRUSTED = new Set(['ERR_PATH_NO_ISSUER', 'ERR_PATH_UNTRUSTED']);

const CONSUME_CODES = {
  unknown: 'ERR_ATTEST_NONCE_UNKNOWN',
  expired: 'ERR_ATTEST_NONCE_EXPIRED',
  replayed: 'ERR_ATTEST_NONCE_REPLAYED',
} as const;

/**
 * Verifies a device's identity (issue 5 section 2): from an attestation token (proof of
 * possession of the device key, fresh for a challenge) or from a bare chain (mutual TLS, where the
 * handshake proved possession), against the ecosystem trust anchors at `time`.
 *
 * With a token, in this order (the first failure is the answer):
 * 1. the token's form (`parseToken`: size, segments, base64url, JSON, duplicate members, header,
 *    x5c, claims, signature length; `alg` none or HS*: ERR_ATTEST_ALG_NONE / _SYMMETRIC);
 * 2. the x5c certificates decode (ERR_ATTEST_X5C_MALFORMED);
 * 3. the chain validates to a trust anchor with `verifyChain`, profile `ecosystem` (RFC 5280
 *    section 6 plus the Keyline policy linter on every certificate). No path to an anchor (a chain
 *    to another root) is ERR_ATTEST_UNTRUSTED_CHAIN; every other chain failure keeps verifyChain's
 *    code: ERR_PATH_EXPIRED, ERR_PATH_NOT_YET_VALID, ERR_PATH_BAD_SIGNATURE,
 *    ERR_PATH_PROFILE_VIOLATION, …;
 * 4. x5c is exactly the validated path without its trust anchor, leaf first (RFC 7515 4.1.6 and
 *    the attestation token contract): anything more — a duplicate, a certificate not on the path,
 *    the root itself — is ERR_ATTEST_X5C_EXTRA; the right certificates in another order are
 *    ERR_ATTEST_X5C_ORDER;
 * 5. the leaf is a device (IDevID) certificate: ERR_ATTEST_NOT_A_DEVICE;
 * 6. `alg` is the leaf key's (ES256 for P-256): ERR_ATTEST_ALG_MISMATCH; the signature verifies
 *    with the leaf key: ERR_ATTEST_SIGNATURE_INVALID;
 * 7. iss/sub is the leaf's device id (ERR_ATTEST_DEVICE_ID_MISMATCH); `aud` is `audience` when
 *    given (ERR_ATTEST_AUDIENCE_MISMATCH); `iat` is within `maxSkewSeconds` of `time`
 *    (ERR_ATTEST_IAT_SKEW); with `challenge: { nonce }`, the nonce is that one
 *    (ERR_ATTEST_NONCE_MISMATCH);
 * 8. revocation, when a source is given: ERR_ATTEST_REVOKED, or ERR_ATTEST_REVOCATION_UNKNOWN when
 *    the source cannot tell (or fails);
 * 9. with `challenge: { store }`, the nonce is consumed, last, so that only a token that passed
 *    everything uses it up: ERR_ATTEST_NONCE_UNKNOWN, _EXPIRED, _REPLAYED.
 * With a chain: steps 3, 5 and 8.
 *
 * Never rejects for bad input: a malformed token gets a verdict of kind `input` (the CLI maps it
 * to exit 1 like any refusal, HTTP to 400), a well-formed invalid one a verdict of kind `invalid`.
 * Programmer misuse (no token and no chain, both, a time that is not a Date, a challenge without
 * a token) throws a TypeError.
 *
 * Performance: with a shared `cache`, the CA certificates of x5c are decoded once and their
 * signatures verified once, so a new device costs one certificate signature verification (the leaf
 * under its issuing CA), one import of its public key and one token signature verification.
 */
export async function verifyDevice(options: VerifyDeviceOptions): Promise<VerifyDeviceResult> {
  const prepared = prepare(options);
  if (!prepared.ok) return prepared;
  // A challenge comes only with a token (checkOptions): without one there is no nonce to consume.
  const refusal = await finishDeviceCheck(options, prepared.token?.claims.nonce ?? '', () => prepared.chain);
  return refusal ?? verified(prepared);
}

/**
 * `verifyDevice` without the Promise, for synchronous callers (benchmarks, a TLS verify callback):
 * the same checks in the same order. A RevocationSource or ChallengeStore that answers with a
 * Promise is misuse here (TypeError): use `verifyDevice`.
 */
export function verifyDeviceSync(options: VerifyDeviceOptions): VerifyDeviceResult {
  const prepared = prepare(options);
  if (!prepared.ok) return prepared;
  const { revocation, challenge } = options;
  if (revocation !== undefined) {
    for (const [certificate, issuer] of revocationTargets(options, prepared.chain)) {
      let answer: RevocationAnswer | Promise<RevocationAnswer>;
      try {
        answer = revocation.check(certificate, issuer, options.time);
      } catch (error) {
        answer = sourceFailed(error);
      }
      if (isPromise(answer)) throw new TypeError('verifyDeviceSync needs a synchronous RevocationSource');
      const refusal = revocationRefusal(answer, certificate);
      if (refusal !== undefined) return refusal;
    }
  }
  if (challenge !== undefined && 'store' in challenge && prepared.token !== undefined) {
    const result = challenge.store.consume(prepared.token.claims.nonce, options.time);
    if (isPromise(result)) throw new TypeError('verifyDeviceSync needs a synchronous ChallengeStore');
    const refusal = consumeRefusal(result);
    if (refusal !== undefined) return refusal;
  }
  return verified(prepared);
}

/** What `checkDeviceTokenSync` answers for a token that passed: the identity and the token's nonce claim. */
export type CheckedDeviceToken = VerifiedDevice & {
  /** The token's `nonce` claim: what a ChallengeStore must consume (step 9) before the device is accepted. */
  readonly nonce: string;
};

/**
 * Steps 1 to 7 of `verifyDevice` for a token, synchronously: everything but revocation (step 8)
 * and consuming the nonce from a ChallengeStore (step 9). For a verifier that runs these steps
 * elsewhere (a worker thread) and does 8 and 9 itself, in that order, with the `nonce` answered
 * here. A `challenge` may only be `{ nonce }`; `revocation` must be absent (TypeError otherwise).
 */
export function checkDeviceTokenSync(options: VerifyDeviceOptions): CheckedDeviceToken | DeviceRefusal {
  if (typeof options === 'object' && options !== null) {
    if (options.revocation !== undefined) throw new TypeError('checkDeviceTokenSync checks no revocation');
    if (options.challenge !== undefined && 'store' in options.challenge) {
      throw new TypeError('checkDeviceTokenSync consumes no nonce: give challenge { nonce } or none');
    }
    if (options.token === undefined) throw new TypeError('checkDeviceTokenSync needs a token');
  }
  const prepared = prepare(options);
  if (!prepared.ok) return prepared;
  return { ...verified(prepared), nonce: prepared.token!.claims.nonce };
}

/**
 * Steps 8 and 9 of `verifyDevice` for a token that passed steps 1 to 7 elsewhere
 * (`checkDeviceTokenSync`, in a worker thread): revocation of `chain()` when `options.revocation`
 * is given (the chain is asked for only then), then, last, the nonce consumed from
 * `options.challenge.store` when there is one. Answers the refusal, or undefined when the device
 * is accepted. `options` are the caller's verifyDevice options, `nonce` the token's claim.
 */
export async function finishDeviceCheck(
  options: VerifyDeviceOptions,
  nonce: string,
  chain: () => readonly Certificate[],
): Promise<DeviceRefusal | undefined> {
  const { revocation, challenge } = options;
  if (revocation !== undefined) {
    for (const [certificate, issuer] of revocationTargets(options, chain())) {
      let answer: RevocationAnswer;
      try {
        answer = await revocation.check(certificate, issuer, options.time);
      } catch (error) {
        answer = sourceFailed(error);
      }
      const refusal = revocationRefusal(answer, certificate);
      if (refusal !== undefined) return refusal;
    }
  }
  if (challenge !== undefined && 'store' in challenge) {
    return consumeRefusal(await challenge.store.consume(nonce, options.time));
  }
  return undefined;
}

interface Prepared {
  readonly ok: true;
  readonly names: DeviceNames;
  readonly chain: readonly Certificate[];
  readonly token: ParsedToken | undefined;
}

/** Steps 1 to 7: everything synchronous. */
function prepare(options: VerifyDeviceOptions): Prepared | Refusal {
  const maxSkewSeconds = checkOptions(options);
  try {
    return options.token !== undefined ? prepareToken(options, options.token, maxSkewSeconds) : prepareChain(options);
  } catch (error) {
    // Every step answers with reasons; malformed input met deeper (a key the crypto layer refuses)
    // becomes an answer too.
    if (isKeylineError(error)) return refuse(error.code, error.message);
    throw error;
  }
}

function prepareToken(options: VerifyDeviceOptions, text: string, maxSkewSeconds: number): Prepared | Refusal {
  const token = parseToken(text);
  if ('ok' in token) return token;
  const lane = checkLeafAndChain(token, options);
  if ('ok' in lane) return lane;
  const { leaf, chain, names } = lane;

  const signature = checkTokenSignature(token, leaf);
  if (!signature.ok) return signature;
  const { claims } = token;
  if (claims.iss !== names.deviceId) {
    return refuse(
      'ERR_ATTEST_DEVICE_ID_MISMATCH',
      `iss/sub ${JSON.stringify(claims.iss.slice(0, 80))} is not device ${names.deviceId}`,
    );
  }
  if (options.audience !== undefined && claims.aud !== options.audience) {
    return refuse('ERR_ATTEST_AUDIENCE_MISMATCH', `the token is for ${JSON.stringify(claims.aud.slice(0, 80))}`);
  }
  const skew = claims.iat - Math.floor(options.time.getTime() / 1000);
  if (Math.abs(skew) > maxSkewSeconds) {
    return refuse(
      'ERR_ATTEST_IAT_SKEW',
      `iat is ${Math.abs(skew)} s ${skew > 0 ? 'after' : 'before'} the verification time; at most ${maxSkewSeconds} s allowed`,
    );
  }
  const challenge = options.challenge;
  if (challenge !== undefined && 'nonce' in challenge && claims.nonce !== challenge.nonce) {
    return refuse('ERR_ATTEST_NONCE_MISMATCH', 'the token nonce is not the expected one');
  }
  if (lane.learn) learnShape(leaf, chain, options, options.cache!);
  return { ok: true, names, chain, token };
}

/** Steps 2 to 5: the device's certificate and chain, through the shape lane when it can answer. */
function checkLeafAndChain(
  token: ParsedToken,
  options: VerifyDeviceOptions,
): { leaf: Certificate; chain: readonly Certificate[]; names: DeviceNames; learn: boolean } | Refusal {
  const { cache } = options;
  let sighting: LeafSighting | undefined;
  let fresh = false;
  if (cache?.deviceShapes !== undefined && token.x5c.length > 1 && !isRememberedLeaf(token.x5c[0]!, cache)) {
    fresh = true;
    sighting = sightLeaf(token.x5c[0]!, cache);
    // A device met again goes the full way once, so that its certificate is remembered with its verdicts.
    const cas = sighting.again ? undefined : decodeX5cCas(token.x5c, cache);
    const pass = Array.isArray(cas) ? checkByShape(token.x5c, cas, options, cache) : undefined;
    if (pass !== undefined) return { leaf: pass.chain[0]!, chain: pass.chain, names: pass.names, learn: false };
  }
  const certificates = decodeX5c(token.x5c, cache, sighting);
  if (!Array.isArray(certificates)) return certificates;
  const [leaf, ...rest] = certificates as [Certificate, ...Certificate[]];
  const chain = validateChain(leaf, rest, options);
  if (!Array.isArray(chain)) return chain;
  const shape = checkX5cShape(certificates, chain);
  if (shape !== undefined) return shape;
  const names = deviceNamesOf(leaf);
  if ('ok' in names) return names;
  return { leaf, chain, names, learn: fresh };
}

function prepareChain(options: VerifyDeviceOptions): Prepared | Refusal {
  const [leaf, ...rest] = chainCertificates(options);
  if (leaf === undefined) return refuse('ERR_ATTEST_X5C_EMPTY', 'the chain holds no certificate');
  const chain = validateChain(leaf, rest, options);
  if (!Array.isArray(chain)) return chain;
  const names = deviceNamesOf(leaf);
  if ('ok' in names) return names;
  return { ok: true, names, chain, token: undefined };
}

function validateChain(
  leaf: Certificate,
  intermediates: readonly Certificate[],
  options: VerifyDeviceOptions,
): Certificate[] | Refusal {
  // RFC 5280 validation here, the ecosystem profile just after with its CA verdicts remembered
  // (chain-profile.ts): the same checks as verifyChain's profile 'ecosystem' on the one path an
  // exact x5c allows, without linting the same CA certificates for every device.
  const result = verifyChainSync({
    leaf,
    intermediates,
    trustAnchors: options.trustAnchors,
    time: options.time,
    ...(options.cache === undefined ? {} : { cache: options.cache }),
  });
  if (!result.ok) {
    if (UNTRUSTED.has(result.code)) {
      return refuse('ERR_ATTEST_UNTRUSTED_CHAIN', `no path to a trusted root (${result.code}: ${result.message})`);
    }
    return refuse(result.code, result.message);
  }
  return checkDeviceChainProfile(result.chain) ?? result.chain;
}

/**
 * The certificates of a bare chain. Given as a list with a cache, the ones after the first (the CA
 * certificates a TLS client sends with every connection) are decoded through the cache; the leaf,
 * new with every device, is decoded on its own.
 */
function chainCertificates(options: VerifyDeviceOptions): Certificate[] {
  const { chain, cache } = options;
  if (cache === undefined || !Array.isArray(chain) || chain.length < 2) return certificatesFrom(chain);
  const items = chain as readonly CertificateInput[];
  return [...certificatesFrom(items[0]), ...certificatesFrom(decodeThrough(cache, items.slice(1)))];
}

/** Step 4: x5c must be the validated path minus its anchor, in order. */
function checkX5cShape(x5c: readonly Certificate[], chain: readonly Certificate[]): Refusal | undefined {
  const path = chain.length - 1; // certificates of the path below the anchor
  if (x5c.length > path) {
    return refuse('ERR_ATTEST_X5C_EXTRA', `x5c holds ${x5c.length} certificates; the path below the root has ${path}`);
  }
  for (let i = 0; i < x5c.length; i++) {
    // verifyChain returns the very Certificate objects it was given.
    if (x5c[i] !== chain[i])
      return refuse('ERR_ATTEST_X5C_ORDER', `x5c[${i}] is not the certificate at that place of the path`);
  }
  return undefined;
}

function revocationTargets(options: VerifyDeviceOptions, chain: readonly Certificate[]): [Certificate, Certificate][] {
  const last = options.revocationScope === 'chain' ? chain.length - 1 : Math.min(1, chain.length - 1);
  const out: [Certificate, Certificate][] = [];
  for (let i = 0; i < last; i++) out.push([chain[i]!, chain[i + 1]!]);
  return out;
}

function revocationRefusal(answer: RevocationAnswer, certificate: Certificate): DeviceRefusal | undefined {
  if (answer?.status === 'good') return undefined;
  const who = `certificate ${certificate.serialHex}`;
  if (answer?.status === 'revoked') {
    return refuse('ERR_ATTEST_REVOKED', `${who} is revoked${answer.reason === undefined ? '' : `: ${answer.reason}`}`);
  }
  const reason = answer?.reason === undefined ? '' : `: ${answer.reason}`;
  return refuse('ERR_ATTEST_REVOCATION_UNKNOWN', `the revocation status of ${who} is unknown${reason}`);
}

/** A source that throws (a transport error, a bug) cannot vouch for the certificate: fail closed. */
function sourceFailed(error: unknown): RevocationAnswer {
  return { status: 'unknown', reason: `the revocation source failed: ${(error as Error)?.message ?? String(error)}` };
}

function consumeRefusal(result: ConsumeResult): DeviceRefusal | undefined {
  if (result === 'ok') return undefined;
  const code = CONSUME_CODES[result] ?? 'ERR_ATTEST_NONCE_UNKNOWN';
  return refuse(code, `the nonce is ${result === 'unknown' ? 'not one this verifier issued' : result}`);
}

function verified(prepared: Prepared): VerifiedDevice {
  return { ok: true, ...prepared.names, chain: prepared.chain };
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function checkOptions(options: VerifyDeviceOptions): number {
  if (typeof options !== 'object' || options === null) throw new TypeError('verifyDevice expects an options object');
  const hasToken = options.token !== undefined;
  if (hasToken === (options.chain !== undefined)) throw new TypeError('give exactly one of token and chain');
  if (hasToken && typeof options.token !== 'string') throw new TypeError('token must be a string');
  if (!(options.time instanceof Date) || Number.isNaN(options.time.getTime()))
    throw new TypeError('time must be a valid Date');
  const challenge = options.challenge;
  if (challenge !== undefined) {
    if (!hasToken) throw new TypeError('a challenge needs a token');
    const byNonce = typeof (challenge as { nonce?: unknown }).nonce === 'string';
    const byStore = typeof (challenge as { store?: { consume?: unknown } }).store?.consume === 'function';
    if (byNonce === byStore) throw new TypeError('challenge must be { nonce } or { store }');
  }
  if (options.audience !== undefined && (!hasToken || typeof options.audience !== 'string')) {
    throw new TypeError('audience must be a string, with a token');
  }
  if (options.revocation !== undefined && typeof options.revocation.check !== 'function') {
    throw new TypeError('revocation must be a RevocationSource');
  }
  const scope = options.revocationScope;
  if (scope !== undefined && scope !== 'leaf' && scope !== 'chain')
    throw new TypeError("revocationScope must be 'leaf' or 'chain'");
  const skew = options.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS;
  if (!Number.isFinite(skew) || skew < 0) throw new TypeError('maxSkewSeconds must be a non-negative number');
  return skew;
}
