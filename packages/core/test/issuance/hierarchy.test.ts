import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSigner } from '../../src/crypto/signer.js';
import { isKeylineError } from '../../src/errors/keyline-error.js';
import { issueCertificate } from '../../src/issuance/issue.js';
import { rootCertificateFields } from '../../src/issuance/ca-fields.js';
import { randomSerial } from '../../src/issuance/serial.js';
import { lint } from '../../src/policy/lint/lint.js';
import { seededRandom } from '../../src/ports/random.js';
import { DeviceTemplate } from '../../src/issuance/template/index.js';
import { Certificate } from '../../src/x509/certificate/certificate.js';
import { issueEcosystemHierarchy, opensslVerifyChain } from './fixtures.js';

const random = seededRandom(7);
const now = new Date('2026-11-25T12:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'keyline-hierarchy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('issuing the ecosystem hierarchy (KECP 5.1–5.4)', () => {
  it('makes a root, a manufacturer CA, an issuing CA and devices that lint clean and that OpenSSL verifies', async () => {
    const { root, mfr, issuing, issuingKey } = await issueEcosystemHierarchy({ random, notBefore: now });
    expect(lint(root.certificate, 'root').filter((f) => f.severity === 'error')).toEqual([]);
    expect(lint(mfr.certificate, 'manufacturer-ca').filter((f) => f.severity === 'error')).toEqual([]);
    expect(lint(issuing.certificate, 'issuing-ca').filter((f) => f.severity === 'error')).toEqual([]);

    const template = DeviceTemplate.compile({ issuer: issuing.certificate, signer: issuingKey });
    const deviceKey = generateSigner('P-256');
    const chipSerial = Uint8Array.from(Buffer.from('0123c0ffee0815a1ee', 'hex'));
    const device = Certificate.fromDer(
      template.issue({ serial: randomSerial(random), chipSerial, publicKey: deviceKey.publicKeySpki, notBefore: now }),
    );
    expect(lint(device, 'device').filter((f) => f.severity === 'error')).toEqual([]);

    const out = opensslVerifyChain(dir, {
      root: root.certificate.der,
      untrusted: [issuing.certificate.der, mfr.certificate.der],
      leaf: device.der,
    });
    expect(out.trim()).toMatch(/device\.pem: OK$/);
  });

  it('refuses to sign what its profile forbids, before signing', async () => {
    const rootKey = generateSigner('P-256');
    let signed = 0;
    const counting = { ...rootKey, sign: (d: Uint8Array) => (signed++, rootKey.sign(d)) };
    const fields = rootCertificateFields({
      commonName: 'Too Long Root',
      organization: 'Keyline Test Ecosystem',
      serial: randomSerial(random),
      notBefore: now,
      validityYears: 40,
      spki: rootKey.publicKeySpki,
    });
    const error = await issueCertificate(fields, 'root', counting).catch((e: unknown) => e);
    expect(isKeylineError(error, 'ERR_POLICY_LINT_FAILED')).toBe(true);
    expect(signed).toBe(0);
  });
});
