import { subjectAltNameOf } from '../../decoded.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

/** Most octets a hwSerialNum may have: a device id is at most 32 octets (KECP 6.1). */
const MAX_SERIAL_OCTETS = 32;

/** RFC 4108 5 and KECP 6.2: a hardwareModuleName has a non-empty hwSerialNum of at most 32 octets. */
export const hardwareModuleNameRule: LintRule = {
  id: 'kecp.hardware-module-name',
  severity: 'error',
  clause: 'KECP 6.2',
  description: 'A hardwareModuleName has a hwSerialNum of 1 to 32 octets.',
  appliesTo: everyProfile,
  check(cert) {
    const problems: string[] = [];
    for (const gn of subjectAltNameOf(cert) ?? []) {
      if (gn.type !== 'otherName' || gn.hardwareModuleName === undefined) continue;
      const length = gn.hardwareModuleName.hwSerialNum.length;
      if (length === 0) problems.push('hardwareModuleName has an empty hwSerialNum');
      else if (length > MAX_SERIAL_OCTETS)
        problems.push(`hardwareModuleName hwSerialNum has ${length} octets; at most ${MAX_SERIAL_OCTETS} are allowed`);
    }
    return problems;
  },
};
