import { signatureAlgorithmOf, type SignatureAlgorithm } from '../../crypto/algorithms.js';
import type { PublicKeyInfo } from '../../crypto/public-key.js';
import { checkSignature } from '../../crypto/verify.js';
import { isKeylineError } from '../../errors/keyline-error.js';
import { sameBytes } from '../../policy/lint/helpers.js';
import { Certificate } from '../../x509/certificate/certificate.js';
import type { ValidationCache } from '../cache/validation-cache.js';
import { issuerKeyOf } from '../validate/signature-checker.js';
import { validationSecond } from '../validate/validity.js';
import { rememberedPathFor } from '../verify-chain.js';
import type { DeviceNames } from './identity.js';
import type { DeviceShape } from './leaf-shapes.js';
import { decodeBase64 } from './token/base64.js';
import type { VerifyDeviceOptions } from './types.js';

/** Shapes kept per issuing CA (a CA issuing with several templates: product lines, key usages). */
const MAX_SHAPES_PER_ISSUER = 4;
/** Exemplars a CA's certificates may be learnt from before the lane gives up on that CA. */
const MAX_ATTEMPTS_PER_ISSUER = 8;

interface KnownShape {
  readonly shape: DeviceShape;
  /** The signature algorithm of its certificates (the exemplar's: every match has the same). */
  readonly algorithm: SignatureAlgorithm;
}

interface IssuerShapes {
  readonly shapes: KnownShape[];
  attempts: number;
  /** The last path lookup for this issuer (`pathFor`). */
  path?: PathMemo;
}

/**
 * A remembered path looked up for these inputs, kept while they and the prefix cache stay the
 * same: the lookup builds a key of every pool certificate's fingerprint for each device.
 */
interface PathMemo {
  readonly anchors: readonly Certificate[];
  readonly cas: readonly Certificate[];
  readonly generation: number;
  readonly found: FoundPath;
}

/** What `rememberedPathFor` finds: the entry, the path above the leaf, the pool and the time it was asked for. */
type FoundPath = NonNullable<ReturnType<typeof rememberedPathFor>>;

/** Per ValidationCache, per issuing CA certificate object (the cache hands out the same ones). */
const byCache = new WeakMap<ValidationCache, WeakMap<Certificate, IssuerShapes>>();

function issuersOf(cache: ValidationCache): WeakMap<Certificate, IssuerShapes> {
  let issuers = byCache.get(cache);
  if (issuers === undefined) {
    issuers = new WeakMap();
    byCache.set(cache, issuers);
  }
  return issuers;
}

/** What the lane answers for a device it could check: verifyDevice's steps 2 to 5 passed. */
export interface LanePass {
  /** The validated path, leaf first, trust anchor last (x5c is this without the anchor). */
  readonly chain: readonly Certificate[];
  readonly names: DeviceNames;
}

/**
 * verifyDevice's steps 2 to 5 (x5c decoded, chain validated with the ecosystem profile, x5c the
 * path, a device) for a device certificate of a known shape (leaf-shapes.ts), or undefined when
 * the lane cannot answer and the full check must. It answers only passes, so every refusal and
 * its code comes from the full check.
 *
 * Why a pass here is the full check's pass: the certificate is, octet for octet, a certificate of
 * a shape of which an exemplar passed the full check under the same remembered path prefix (same
 * trust anchors, CA certificates, options and issuer name: verify-chain's prefix shortcut, whose
 * own argument says the full search would take that path again). Its shape guarantees that every
 * check of the leaf's own RFC 5280 steps, of the ecosystem profile and of the device identity
 * reads the same answer from it as from the exemplar, except for three, done here as the full
 * check does them: its signature under the issuing CA's key (6.1.3 (a)(1)), its validity at the
 * verification time ((a)(2), whole seconds, bounds inclusive) and name constraints ((b), (c): the
 * lane runs only where the path has none). The certificate must also not be one of the pool's, as
 * the prefix shortcut requires. The CA certificates above it are valid at this time because the
 * prefix entry's window holds it.
 */
export function checkByShape(
  x5c: readonly string[],
  cas: readonly Certificate[],
  options: VerifyDeviceOptions,
  cache: ValidationCache,
): LanePass | undefined {
  const issuer = cas[0];
  if (issuer === undefined) return undefined;
  const known = issuersOf(cache).get(issuer);
  if (known === undefined || known.shapes.length === 0) return undefined;
  const der = decodeBase64(x5c[0]!);
  if (der === undefined) return undefined;
  let match: ReturnType<DeviceShape['match']>;
  let shape: KnownShape | undefined;
  for (const candidate of known.shapes) {
    match = candidate.shape.match(der);
    if (match !== undefined) {
      shape = candidate;
      break;
    }
  }
  if (match === undefined || shape === undefined) return undefined;

  const path = pathFor(known, cas, options, cache);
  if (path === undefined || !path.entry.passedShapes.has(shape.shape)) return undefined;
  if (!path.entry.prefix.state.nameConstraints.isUnconstrained) return undefined;
  const above = path.above;
  if (above.length !== cas.length + 1) return undefined;
  for (let i = 0; i < cas.length; i++) if (above[i] !== cas[i]) return undefined;
  for (const certificate of path.pool) if (sameBytes(certificate.der, der)) return undefined;
  if (path.atMs < match.notBeforeMs || path.atMs > match.notAfterMs) return undefined;

  const key = issuerKeyOf(issuer);
  if ('ok' in key) return undefined;
  const signature = checkSignature({
    algorithm: shape.algorithm,
    publicKey: key as PublicKeyInfo,
    data: match.tbs,
    signature: match.signatureValue,
  });
  if (!signature.ok) return undefined;

  const leaf = Certificate.withKnownFields(der, {
    tbs: match.tbs,
    serialNumber: match.serialNumber,
    notBefore: new Date(match.notBeforeMs),
    notAfter: new Date(match.notAfterMs),
    spki: match.spki,
    publicKey: match.publicKey,
    signatureValue: match.signatureValue,
  });
  return { chain: [leaf, ...above], names: match.names };
}

/**
 * After the full check passed a device (every step of verifyDevice) whose certificate it decoded:
 * finds or learns the certificate's shape and records that it passed under the chain's remembered
 * path prefix, so that later devices of that shape go through the lane. The prefix is looked up
 * as the full check's own lookup was: x5c's CA certificates (the chain without its leaf and
 * anchor, which x5c is once it passed) as intermediates. Learning is bounded per issuing CA.
 */
export function learnShape(
  leaf: Certificate,
  chain: readonly Certificate[],
  options: VerifyDeviceOptions,
  cache: ValidationCache,
): void {
  const port = cache.deviceShapes;
  const issuer = chain[1];
  if (port === undefined || issuer === undefined || chain.length < 3) return;
  const issuers = issuersOf(cache);
  let known = issuers.get(issuer);
  if (known === undefined) {
    known = { shapes: [], attempts: 0 };
    issuers.set(issuer, known);
  }
  let shape = known.shapes.find((candidate) => candidate.shape.match(leaf.der) !== undefined);
  if (shape === undefined) {
    if (known.attempts >= MAX_ATTEMPTS_PER_ISSUER || known.shapes.length >= MAX_SHAPES_PER_ISSUER) return;
    known.attempts++;
    shape = learn(port.learn(leaf, issuer), leaf);
    if (shape === undefined) return;
    known.shapes.push(shape);
  }
  const cas = chain.slice(1, -1);
  const path = rememberedPathFor(
    { intermediates: cas, trustAnchors: options.trustAnchors, time: options.time, cache },
    leaf.issuer.der,
  );
  if (path === undefined || path.above.length !== chain.length - 1) return;
  for (let i = 0; i < path.above.length; i++) if (path.above[i] !== chain[i + 1]) return;
  path.entry.passedShapes.add(shape.shape);
}

/**
 * `rememberedPathFor` the issuer's devices under these options, through the issuer's memo when the
 * trust anchors (given as the same decoded objects), the CA certificates and the prefix cache are
 * those of the memo's lookup; the entry's window is checked at this call's time either way.
 */
function pathFor(
  known: IssuerShapes,
  cas: readonly Certificate[],
  options: VerifyDeviceOptions,
  cache: ValidationCache,
): FoundPath | undefined {
  const generation = cache.pathPrefixes?.generation;
  const anchors = decodedAnchors(options.trustAnchors);
  const memo = known.path;
  if (
    memo !== undefined &&
    anchors !== undefined &&
    memo.generation === generation &&
    sameObjects(memo.anchors, anchors) &&
    sameObjects(memo.cas, cas)
  ) {
    const atMs = validationSecond(options.time);
    const { entry } = memo.found;
    if (atMs < entry.notBefore || atMs > entry.notAfter) return undefined;
    return { ...memo.found, atMs };
  }
  const path = rememberedPathFor(
    { intermediates: cas, trustAnchors: options.trustAnchors, time: options.time, cache },
    cas[0]!.subject.der,
  );
  if (path !== undefined && generation !== undefined && anchors !== undefined) {
    known.path = { anchors: [...anchors], cas: [...cas], generation, found: path };
  }
  return path;
}

/** The anchors when given as Certificate objects (the lookup uses these very objects), else undefined. */
function decodedAnchors(anchors: VerifyDeviceOptions['trustAnchors']): readonly Certificate[] | undefined {
  if (anchors instanceof Certificate) return [anchors];
  if (!Array.isArray(anchors)) return undefined;
  for (const anchor of anchors) if (!(anchor instanceof Certificate)) return undefined;
  return anchors as readonly Certificate[];
}

function sameObjects(a: readonly Certificate[], b: readonly Certificate[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function learn(shape: DeviceShape | undefined, leaf: Certificate): KnownShape | undefined {
  if (shape === undefined || shape.match(leaf.der) === undefined) return undefined;
  try {
    return { shape, algorithm: signatureAlgorithmOf(leaf.signatureAlgorithm) };
  } catch (error) {
    if (isKeylineError(error)) return undefined;
    throw error;
  }
}
