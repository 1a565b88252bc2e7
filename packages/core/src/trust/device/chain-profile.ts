import { hasErrors, lint } from '../../policy/lint/lint.js';
import { detectProfile } from '../../policy/profiles/detect.js';
import type { ProfileName } from '../../policy/profiles/types.js';
import type { Certificate } from '../../x509/certificate/certificate.js';
import { formatName } from '../../x509/name/format.js';
import { checkEcosystemProfile } from '../ecosystem-profile.js';
import { refuse, type Refusal } from '../validate/outcome.js';

/** The leaf profiles an ecosystem chain admits (ecosystem-profile.ts, KECP section 5). */
const LEAF_PROFILES: readonly ProfileName[] = ['device', 'ldevid', 'ocsp-signer'];

/**
 * CA parts of chains (issuing CA … trust anchor) that `checkEcosystemProfile` found conforming,
 * by their first certificate. Linting depends only on a certificate's bytes and its issuer's (the
 * linter never reads a clock), and with a ValidationCache the same decoded CA certificate objects
 * come back on every call, so a hit can stand for the full check; without a cache the objects are
 * new each time and nothing is found. A WeakMap: entries go with the certificates.
 */
const conformingCaParts = new WeakMap<Certificate, readonly Certificate[]>();

/**
 * A leaf's verdict under a conforming CA part, kept with the leaf object (a device seen again; see
 * x5c-certificates.ts) through Certificate.memo rather than a WeakMap, which V8's scavenger would
 * let keep every young leaf alive.
 */
interface LeafVerdict {
  issuer: Certificate | undefined;
  failure: Refusal | undefined;
}
const LEAF_VERDICT = Symbol('keyline.leafVerdict');
const noVerdict = (): LeafVerdict => ({ issuer: undefined, failure: undefined });

/**
 * `profile: 'ecosystem'` on a validated device chain (leaf first, anchor last), with the verdicts
 * of its CA part remembered: the first time a CA part is seen the whole chain goes through
 * trust/'s `checkEcosystemProfile`; afterwards only the leaf is linted, with the same rules and the
 * same messages. Answers ERR_PATH_PROFILE_VIOLATION as verifyChain would.
 */
export function checkDeviceChainProfile(chain: readonly Certificate[]): Refusal | undefined {
  const leaf = chain[0]!;
  const issuer = chain[1];
  if (issuer !== undefined) {
    const known = conformingCaParts.get(issuer);
    if (known !== undefined && sameCertificates(known, chain, 1)) {
      const remembered = leaf.memo(LEAF_VERDICT, noVerdict);
      if (remembered.issuer === issuer) return remembered.failure;
      const failure = checkLeaf(leaf, issuer);
      remembered.issuer = issuer;
      remembered.failure = failure;
      return failure;
    }
  }
  const failure = checkEcosystemProfile(chain);
  if (failure !== undefined) return refuse(failure.code, failure.message);
  if (issuer !== undefined) conformingCaParts.set(issuer, chain.slice(1));
  return undefined;
}

function sameCertificates(known: readonly Certificate[], chain: readonly Certificate[], from: number): boolean {
  if (known.length !== chain.length - from) return false;
  for (let i = 0; i < known.length; i++) if (known[i] !== chain[from + i]) return false;
  return true;
}

/** checkEcosystemProfile's check of depth 0, word for word. */
function checkLeaf(leaf: Certificate, issuer: Certificate): Refusal | undefined {
  const profile = detectProfile(leaf);
  if (!LEAF_PROFILES.includes(profile)) {
    return refuse(
      'ERR_PATH_PROFILE_VIOLATION',
      `${formatName(leaf.subject)}: a ${profile} certificate cannot be the leaf of an ecosystem chain (expected ${LEAF_PROFILES.join(' or ')})`,
    );
  }
  const findings = lint(leaf, profile, { issuer });
  if (!hasErrors(findings)) return undefined;
  const errors = findings.filter((f) => f.severity === 'error');
  return refuse(
    'ERR_PATH_PROFILE_VIOLATION',
    `${formatName(leaf.subject)}: does not conform to the ${profile} profile: ${errors.map((f) => `${f.id}: ${f.message}`).join('; ')}`,
  );
}
