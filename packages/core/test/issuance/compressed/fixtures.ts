import { generateKeyPairSync } from 'node:crypto';
import { seededRandom } from '../../../src/ports/random.js';
import { issueEcosystemHierarchy, type EcosystemHierarchy } from '../fixtures.js';

export const now = new Date('2026-11-25T12:00:00Z');
const random = seededRandom(44);

/** Root (P-384) → manufacturer CA (P-384) → issuing CA (P-256), as in hierarchy.test.ts. */
export function hierarchy(): Promise<EcosystemHierarchy> {
  return issueEcosystemHierarchy({ random, notBefore: now, rootName: 'Keyline Compressed Test Root' });
}

/** A fresh P-256 key's uncompressed point (the last 65 octets of its SPKI). */
export function randomPoint(): Uint8Array {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return Uint8Array.from(spki.subarray(spki.length - 65));
}
