import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChainSync } from '../../src/trust/verify-chain.js';
import type { Purpose } from '../../src/trust/types.js';
import { EXT, OpensslPki, opensslDate } from './fixtures/openssl-pki.js';

/**
 * Keyline's verdict against `openssl verify` on chains the OpenSSL command line builds: the same
 * answer for the valid chain and for each way RFC 5280 forbids (issue 2, "What I will check").
 */
describe('verifyChain agrees with openssl verify', () => {
  const pki = new OpensslPki();
  const day = 86_400_000;
  // An hour from now, in whole seconds: after every certificate and CRL the tests make (their
  // validity starts when they are made), and the same instant for both sides.
  const now = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000);

  afterAll(() => pki.dispose());

  beforeAll(() => {
    pki.root('root', '/CN=OpenSSL Test Root/O=Keyline Tests');
    pki.issue('ca', 'root', '/CN=OpenSSL Test CA/O=Keyline Tests', EXT.ca, { days: 3000 });
    pki.issue('leaf', 'ca', '/CN=device.example.com', EXT.leaf);
    pki.issue('shortLeaf', 'ca', '/CN=short-lived', EXT.leaf, { days: 2 });
    pki.issue('futureLeaf', 'ca', '/CN=not yet', EXT.leaf, {
      start: opensslDate(new Date(now.getTime() + 30 * day)),
      end: opensslDate(new Date(now.getTime() + 60 * day)),
    });
    pki.issue('notCa', 'root', '/CN=Not A CA', EXT.notCa, { days: 3000 });
    pki.issue('belowNotCa', 'notCa', '/CN=below not-a-CA', EXT.leaf);
    pki.issue('ca0', 'root', '/CN=PathLen Zero CA', EXT.caPathLen0, { days: 3000 });
    pki.issue('subCa', 'ca0', '/CN=Sub CA', EXT.ca, { days: 3000 });
    pki.issue('belowSub', 'subCa', '/CN=below pathlen', EXT.leaf);
    pki.issue('noCertSign', 'root', '/CN=No keyCertSign CA', EXT.caWithoutKeyCertSign, { days: 3000 });
    pki.issue('belowNoCertSign', 'noCertSign', '/CN=below no keyCertSign', EXT.leaf);
    pki.issue('critical', 'ca', '/CN=unknown critical', EXT.leafUnknownCritical);
    pki.issue('clientOnly', 'ca', '/CN=client only', EXT.leafClientOnly);
    pki.issue('revoked', 'ca', '/CN=revoked', EXT.leaf);
    pki.revoke('revoked', 'ca');
    // A forgery: same issuer name, signed by an impostor CA key.
    pki.root('impostorRoot', '/CN=Impostor Root');
    pki.issue('impostor', 'impostorRoot', '/CN=OpenSSL Test CA/O=Keyline Tests', EXT.ca, { days: 3000 });
    pki.issue('forged', 'impostor', '/CN=forged', EXT.leaf);
  });

  interface Case {
    readonly leaf: string;
    readonly untrusted?: string[];
    readonly at?: Date;
    readonly purpose?: Purpose;
    readonly crls?: boolean;
    /** What Keyline must answer (its code when it refuses). */
    readonly expected: 'OK' | string;
  }

  const OPENSSL_PURPOSE: Record<Purpose, string | undefined> = {
    any: undefined,
    serverAuth: 'sslserver',
    clientAuth: 'sslclient',
  };

  const cases: Record<string, Case> = {
    'a valid chain': { leaf: 'leaf', untrusted: ['ca'], expected: 'OK' },
    'an expired leaf': {
      leaf: 'shortLeaf',
      untrusted: ['ca'],
      at: new Date(now.getTime() + 10 * day),
      expected: 'ERR_PATH_EXPIRED',
    },
    'a leaf not yet valid': { leaf: 'futureLeaf', untrusted: ['ca'], expected: 'ERR_PATH_NOT_YET_VALID' },
    'a wrong signature': { leaf: 'forged', untrusted: ['ca'], expected: 'ERR_PATH_BAD_SIGNATURE' },
    'a CA:FALSE intermediate': { leaf: 'belowNotCa', untrusted: ['notCa'], expected: 'ERR_PATH_NOT_CA' },
    'an exceeded pathLen': { leaf: 'belowSub', untrusted: ['ca0', 'subCa'], expected: 'ERR_PATH_LENGTH_EXCEEDED' },
    'a CA without keyCertSign': {
      leaf: 'belowNoCertSign',
      untrusted: ['noCertSign'],
      expected: 'ERR_PATH_KEY_CERT_SIGN_MISSING',
    },
    'an unknown critical extension': {
      leaf: 'critical',
      untrusted: ['ca'],
      expected: 'ERR_PATH_UNKNOWN_CRITICAL_EXTENSION',
    },
    'an EKU that does not allow serverAuth': {
      leaf: 'clientOnly',
      untrusted: ['ca'],
      purpose: 'serverAuth',
      expected: 'ERR_PATH_PURPOSE_MISMATCH',
    },
    'an EKU that allows clientAuth': { leaf: 'clientOnly', untrusted: ['ca'], purpose: 'clientAuth', expected: 'OK' },
    'a missing intermediate': { leaf: 'leaf', expected: 'ERR_PATH_NO_ISSUER' },
    'CRLs that do not list the leaf': {
      leaf: 'leaf',
      untrusted: ['ca'],
      crls: true,
      expected: 'OK',
    },
    'a leaf revoked by CRL': {
      leaf: 'revoked',
      untrusted: ['ca'],
      crls: true,
      expected: 'ERR_PATH_REVOKED',
    },
    'a CRL missing for the intermediate': {
      leaf: 'leaf',
      untrusted: ['ca'],
      crls: true,
      expected: 'ERR_REVOCATION_UNKNOWN',
    },
  };

  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const at = c.at ?? now;
      const crlFiles =
        c.crls !== true
          ? []
          : c.expected === 'ERR_REVOCATION_UNKNOWN'
            ? [pki.crl('ca')]
            : [pki.crl('root'), pki.crl('ca')];
      const purpose = c.purpose ?? 'any';
      const openssl = pki.opensslVerify(`${c.leaf}.pem`, {
        anchors: 'root.pem',
        untrusted: (c.untrusted ?? []).map((n) => `${n}.pem`),
        crls: crlFiles,
        atSeconds: at.getTime() / 1000,
        ...(OPENSSL_PURPOSE[purpose] !== undefined && { purpose: OPENSSL_PURPOSE[purpose] }),
      });
      const ours = verifyChainSync({
        leaf: pki.read(`${c.leaf}.pem`),
        intermediates: (c.untrusted ?? []).map((n) => pki.read(`${n}.pem`)),
        trustAnchors: pki.read('root.pem'),
        crls: crlFiles.map((f) => readFileSync(f, 'latin1')),
        time: at,
        purpose,
      });
      expect(ours.ok ? 'OK' : ours.code).toBe(c.expected);
      expect(ours.ok).toBe(openssl);
    });
  }
});
