import { CURVES } from '../../../crypto/curves.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

/**
 * KECP 4.3: the EC point is uncompressed (SEC 1 2.3.3: 0x04 ‖ X ‖ Y), the one form RFC 5480 2.2
 * makes every implementation support. Whether the point is on the curve is checked where keys are
 * imported (crypto/, trust/): that needs field arithmetic, which lint keeps off its hot path.
 */
export const ecPointRule: LintRule = {
  id: 'kecp.ec-point',
  severity: 'error',
  clause: 'KECP 4.3',
  description: 'The EC public key is an uncompressed point of the length its curve gives.',
  appliesTo: everyProfile,
  check(cert, _profile, ctx) {
    const key = ctx.subjectKey();
    if (key.kind !== 'ec' || key.curve === undefined) return undefined;
    const size = CURVES[key.curve].size;
    const point = cert.publicKey;
    if (point[0] !== 0x04)
      return `EC public key is not an uncompressed point (first octet 0x${(point[0] ?? 0).toString(16).padStart(2, '0')})`;
    if (point.length !== 1 + 2 * size)
      return `EC public key has ${point.length} octets; an uncompressed ${key.curve} point has ${1 + 2 * size}`;
    return undefined;
  },
};
