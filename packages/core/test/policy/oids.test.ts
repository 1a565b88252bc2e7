import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  KEYLINE_ARC,
  KEYLINE_ATTRIBUTE,
  KEYLINE_EXTENSION_ARC,
  KEYLINE_HARDWARE_TYPE,
  KEYLINE_POLICY,
  KEYLINE_UUID,
} from '../../src/policy/oids.js';
import { oidFromContent } from '../../src/x509/der/primitives.js';
import * as der from '../../src/x509/der/writer.js';

const ALL = [
  ...Object.values(KEYLINE_POLICY),
  ...Object.values(KEYLINE_ATTRIBUTE),
  ...Object.values(KEYLINE_HARDWARE_TYPE),
];

describe('the Keyline OID arc', () => {
  it('is 2.25 followed by the UUID as one 128-bit integer (X.667 6.3)', () => {
    expect(KEYLINE_UUID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(KEYLINE_ARC).toBe(`2.25.${BigInt(`0x${KEYLINE_UUID.replaceAll('-', '')}`).toString(10)}`);
  });

  it('never changes (these values are published in docs/certificate-policy.md)', () => {
    expect(KEYLINE_ARC).toBe('2.25.947284676343922247703881128959199119');
    expect(KEYLINE_POLICY.deviceIdentityV1).toBe(`${KEYLINE_ARC}.1.1`);
    expect(KEYLINE_POLICY.operationalV1).toBe(`${KEYLINE_ARC}.1.2`);
    expect(KEYLINE_ATTRIBUTE).toEqual({
      manufacturerId: `${KEYLINE_ARC}.2.1`,
      productId: `${KEYLINE_ARC}.2.2`,
      hardwareVersion: `${KEYLINE_ARC}.2.3`,
    });
    expect(KEYLINE_EXTENSION_ARC).toBe(`${KEYLINE_ARC}.3`);
    expect(KEYLINE_HARDWARE_TYPE.secureElementDevice).toBe(`${KEYLINE_ARC}.4.1`);
  });

  it('assigns every OID once', () => {
    expect(new Set(ALL).size).toBe(ALL.length);
  });

  it('round-trips through our DER writer and reader', () => {
    for (const oid of ALL) expect(oidFromContent(der.oidContent(oid))).toBe(oid);
  });

  it('encodes as OpenSSL encodes it', () => {
    const encoded = Buffer.from(der.oid(KEYLINE_POLICY.deviceIdentityV1)).toString('hex').toUpperCase();
    const dir = mkdtempSync(join(tmpdir(), 'keyline-oid-'));
    try {
      const file = join(dir, 'oid.der');
      execFileSync('openssl', [
        'asn1parse',
        '-genstr',
        `OID:${KEYLINE_POLICY.deviceIdentityV1}`,
        '-out',
        file,
        '-noout',
      ]);
      expect(readFileSync(file).toString('hex').toUpperCase()).toBe(encoded);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
