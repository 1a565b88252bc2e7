import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signatureAlgorithmOf } from '../../packages/core/src/crypto/algorithms.js';
import { parsePublicKeyInfo } from '../../packages/core/src/crypto/public-key.js';
import { checkSignature } from '../../packages/core/src/crypto/verify.js';
import { isKeylineError } from '../../packages/core/src/errors/keyline-error.js';
import { verifyChain } from '../../packages/core/src/trust/verify-chain.js';
import { Certificate } from '../../packages/core/src/x509/certificate/certificate.js';
import { parseDer } from '../../packages/core/src/x509/der/validate.js';
import { DEFECT_FIXTURES, FIXTURE_TIME, type DefectCheck } from '../fixtures/defects/catalog.js';
import { P256, signDeterministic, toBytes } from '../fixtures/defects/lib/p256.js';

/**
 * Issue 2 section 6: fixtures named by their defect, each refused with its own code. The table of
 * files, defects and codes is test/fixtures/defects/catalog.ts (README.md there is made from it).
 */
const DIR = join(import.meta.dirname, '..', 'fixtures', 'defects');
const read = (file: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, file)));

/** The code a synchronous step throws, or null when it returns. Anything but a KeylineError fails the test. */
function codeOf(step: () => unknown): string | null {
  try {
    step();
    return null;
  } catch (error) {
    if (!isKeylineError(error)) throw error;
    return error.code;
  }
}

async function outcomeOf(file: string, check: DefectCheck): Promise<string | null> {
  const bytes = read(file);
  switch (check.via) {
    case 'parseDer':
      return codeOf(() => parseDer(bytes));
    case 'Certificate.fromDer':
      return codeOf(() => Certificate.fromDer(bytes));
    case 'parsePublicKeyInfo':
      return codeOf(() => parsePublicKeyInfo(Certificate.fromDer(bytes).spki));
    case 'checkSignature': {
      const cert = Certificate.fromDer(bytes);
      const issuer = Certificate.fromDer(read(check.issuer));
      const result = checkSignature({
        algorithm: signatureAlgorithmOf(cert.signatureAlgorithm),
        publicKey: issuer.spki,
        data: cert.tbs,
        signature: cert.signatureValue,
      });
      return result.ok ? null : result.code;
    }
    case 'verifyChain': {
      const result = await verifyChain({
        leaf: bytes,
        intermediates: (check.intermediates ?? []).map(read),
        trustAnchors: [read(check.anchor)],
        time: FIXTURE_TIME,
      });
      return result.ok ? null : result.code;
    }
  }
}

describe('defect fixtures are refused with their own code', () => {
  for (const fixture of DEFECT_FIXTURES) {
    describe(`${fixture.file} (${fixture.defect})`, () => {
      for (const check of fixture.checks) {
        it(`${check.via} → ${check.code ?? 'accepted'}`, async () => {
          expect(await outcomeOf(fixture.file, check)).toBe(check.code);
        });
      }
    });
  }
});

describe('the defect catalog', () => {
  it('covers every defect issue 2 section 6 lists', () => {
    const listed = [
      'DER followed by trailing bytes',
      'non-minimal length',
      'non-minimal integer',
      'indefinite length',
      'nesting thousands deep',
      'OID with an arc beyond 2^64',
      'OID hundreds of kilobytes long',
      'a length running past the buffer',
      'a serial that is negative',
      'a serial that is zero',
      'a serial longer than 20 octets',
      'inner and outer signature algorithms that differ',
      'a duplicated extension',
      'an unknown critical extension',
      'explicit EC parameters',
      'a point off the curve',
      'RSA key under 2048 bits',
      'ECDSA signature that is BER rather than DER',
      'ECDSA signature with r zero',
      'ECDSA signature with s zero',
      'ECDSA signature with r out of range',
      'ECDSA signature with s out of range',
      'Ed25519 signature with S ≥ L',
      'notBefore after notAfter',
      'malformed UTCTime',
      'malformed GeneralizedTime',
      'x400Address under name constraints',
      'ediPartyName under name constraints',
      'unknown otherName form under name constraints',
      'policy-mapping tree that would grow without bound',
    ];
    const defects = new Set(DEFECT_FIXTURES.map((f) => f.defect));
    expect(listed.filter((d) => !defects.has(d))).toEqual([]);
  });

  it('names every fixture file in the folder, and every named file exists', () => {
    const onDisk = readdirSync(DIR)
      .filter((f) => f.endsWith('.der'))
      .sort();
    expect(onDisk).toEqual(DEFECT_FIXTURES.map((f) => f.file).sort());
  });

  it('gives every defect (not the controls) at least one refusing check', () => {
    for (const f of DEFECT_FIXTURES) {
      if (f.defect === 'control' || f.file.startsWith('ca-') || f.file.startsWith('policy-ca-')) continue;
      expect(
        f.checks.some((c) => c.code !== null),
        f.file,
      ).toBe(true);
    }
  });

  it('is what make.ts builds, byte for byte (fixtures and README)', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(DIR, 'make.ts'), '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});

describe('fixture provenance', () => {
  it('signs with RFC 6979 nonces (RFC 6979 A.2.5, P-256, SHA-256, message "sample")', () => {
    const d = 0xc9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721n;
    const { r, s } = signDeterministic(d, new TextEncoder().encode('sample'));
    expect(toBytes(r, 32).toString('hex')).toBe('efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716');
    expect(toBytes(s, 32).toString('hex')).toBe('f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8');
    expect(r < P256.n && s < P256.n).toBe(true);
  });

  it('has controls that OpenSSL verifies too (an independent peer)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyline-defects-'));
    const pem = (file: string): string => {
      const out = join(dir, file.replace(/\.der$/, '.pem'));
      execFileSync('openssl', ['x509', '-inform', 'DER', '-in', join(DIR, file), '-out', out]);
      return out;
    };
    const at = String(Date.parse(FIXTURE_TIME) / 1000);
    for (const [root, leaf] of [
      ['control-root.der', 'control-leaf.der'],
      ['control-ed25519-root.der', 'control-ed25519-leaf.der'],
    ] as const) {
      const out = execFileSync('openssl', ['verify', '-attime', at, '-CAfile', pem(root), pem(leaf)], {
        encoding: 'utf8',
      });
      expect(out).toMatch(/: OK/);
    }
    // And OpenSSL refuses the name-constraint fixture for the same reason we do.
    writeFileSync(join(dir, 'untrusted.pem'), readFileSync(pem('ca-nc-x400address.der')));
    const refused = spawnSync(
      'openssl',
      [
        'verify',
        '-attime',
        at,
        '-CAfile',
        pem('control-root.der'),
        '-untrusted',
        join(dir, 'untrusted.pem'),
        pem('leaf-nc-x400address.der'),
      ],
      { encoding: 'utf8' },
    );
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(/unsupported name constraint type/);
  });
});
