import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Certificate } from '../../../src/x509/certificate/certificate.js';

/**
 * Read access to the NIST PKITS data in test/conformance/data/pkits (see its README): the test
 * index and the certificates, decoded. Shared by the policy and name-constraint tests, which run
 * their own module over the PKITS paths without the rest of path validation.
 */
export const PKITS_DIR =
  process.env.PKITS_DIR ?? join(import.meta.dirname, '../../../../../test/conformance/data/pkits');

export interface PkitsSettings {
  readonly initial_policy_set: string[];
  readonly initial_explicit_policy: boolean;
  readonly initial_policy_mapping_inhibit: boolean;
  readonly initial_any_policy_inhibit: boolean;
}

export interface PkitsTest {
  readonly id: string;
  readonly key: string;
  readonly name: string;
  readonly expected: 'valid' | 'invalid';
  readonly intermediates: string[];
  readonly end_entity: string;
  readonly settings: PkitsSettings;
}

export function pkitsTests(sections: string[]): PkitsTest[] {
  const index = JSON.parse(readFileSync(join(PKITS_DIR, 'tests.json'), 'utf8')) as { tests: PkitsTest[] };
  return index.tests.filter((t) => sections.some((s) => t.id.startsWith(`${s}.`)));
}

const cache = new Map<string, Certificate>();

export function pkitsCertificate(file: string): Certificate {
  let cert = cache.get(file);
  if (cert === undefined) {
    cert = Certificate.fromDer(readFileSync(join(PKITS_DIR, 'certs', file)));
    cache.set(file, cert);
  }
  return cert;
}

/** The path of a test as RFC 5280 numbers it: certificate 1 (below the trust anchor) to n (the end entity). */
export function pkitsPath(test: PkitsTest): Certificate[] {
  return [...test.intermediates, test.end_entity].map(pkitsCertificate);
}
