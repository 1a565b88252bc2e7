import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CurveName } from '../../src/crypto/curves.js';
import { generateSigner, type SoftwareSigner } from '../../src/crypto/signer.js';
import { rootCertificateFields, subordinateCaFields } from '../../src/issuance/ca-fields.js';
import { deriveSignerSerial } from '../../src/issuance/compressed/index.js';
import { issueCertificate, type IssuedCertificate } from '../../src/issuance/issue.js';
import { randomSerial } from '../../src/issuance/serial.js';
import { addYears } from '../../src/policy/lint/helpers.js';
import type { RandomSource } from '../../src/ports/random.js';
import { encodeNameConstraints } from '../../src/x509/extensions/name-constraints.js';
import type { NameConstraints } from '../../src/x509/extensions/types.js';
import { OID } from '../../src/x509/oids.js';
import { encodePem } from '../../src/x509/pem.js';

/**
 * The ecosystem hierarchy the tests of every package build on: root → manufacturer CA → issuing
 * CA, issued with core's issuance and linted against their profiles like the real ones.
 */

export interface EcosystemHierarchyOptions {
  /** Serials are drawn from it in issuance order, so a seeded source keeps each suite's serials as they were. */
  readonly random: RandomSource;
  readonly notBefore: Date;
  readonly rootName?: string;
  readonly ecosystem?: string;
  readonly manufacturerName?: string;
  readonly issuingName?: string;
  readonly curves?: { readonly root?: CurveName; readonly manufacturer?: CurveName; readonly issuing?: CurveName };
  /** Country of the issuing CA's subject; the compressed chain definition carries it. */
  readonly issuingCountry?: string;
  /** Whether the issuing CA names a CRL and an OCSP responder (devices inherit them). */
  readonly revocationUrls?: boolean;
  /** An issuing CA a chip can store compressed: its serial derived from its key and dates instead of random. */
  readonly compressibleIssuing?: boolean;
  /** nameConstraints (critical) for the issuing CA. */
  readonly issuingNameConstraints?: NameConstraints;
}

export interface EcosystemHierarchy {
  readonly root: IssuedCertificate;
  readonly rootKey: SoftwareSigner;
  readonly mfr: IssuedCertificate;
  readonly mfrKey: SoftwareSigner;
  readonly issuing: IssuedCertificate;
  readonly issuingKey: SoftwareSigner;
}

/** Defaults: root and manufacturer CA on P-384, issuing CA on P-256 for product sensor-1, with CRL and OCSP URLs. */
export async function issueEcosystemHierarchy(options: EcosystemHierarchyOptions): Promise<EcosystemHierarchy> {
  const { random, notBefore } = options;
  const validity = (key: SoftwareSigner, validityYears: number) => ({
    notBefore,
    validityYears,
    spki: key.publicKeySpki,
  });
  const acme = { organization: 'Acme Devices', manufacturerId: 'acme' };

  const rootKey = generateSigner(options.curves?.root ?? 'P-384');
  const rootFields = rootCertificateFields({
    commonName: options.rootName ?? 'Keyline Test Root',
    organization: options.ecosystem ?? 'Keyline Test Ecosystem',
    serial: randomSerial(random),
    ...validity(rootKey, 20),
  });
  const root = await issueCertificate(rootFields, 'root', rootKey);

  const mfrKey = generateSigner(options.curves?.manufacturer ?? 'P-384');
  const mfrFields = subordinateCaFields({
    kind: 'manufacturer-ca',
    issuer: root.certificate,
    commonName: options.manufacturerName ?? 'Acme Manufacturer CA',
    ...acme,
    serial: randomSerial(random),
    ...validity(mfrKey, 15),
  });
  const mfr = await issueCertificate(mfrFields, 'manufacturer-ca', rootKey);

  const issuingKey = generateSigner(options.curves?.issuing ?? 'P-256');
  const issuingYears = 10;
  const issuingFields = subordinateCaFields({
    kind: 'issuing-ca',
    issuer: mfr.certificate,
    commonName: options.issuingName ?? 'Acme Line 1 Issuing CA',
    ...acme,
    ...(options.issuingCountry !== undefined && { country: options.issuingCountry }),
    productId: 'sensor-1',
    serial:
      options.compressibleIssuing === true
        ? deriveSignerSerial(issuingKey.publicKeySpki, notBefore, addYears(notBefore, issuingYears))
        : randomSerial(random),
    ...validity(issuingKey, issuingYears),
    ...((options.revocationUrls ?? true) && {
      crlUrl: 'http://keyline.example/crl/1.crl',
      ocspUrl: 'http://keyline.example/ocsp/1',
    }),
  });
  const constraints = options.issuingNameConstraints;
  const issuing = await issueCertificate(
    constraints === undefined
      ? issuingFields
      : {
          ...issuingFields,
          extensions: [
            ...(issuingFields.extensions ?? []),
            { oid: OID.nameConstraints, critical: true, value: encodeNameConstraints(constraints) },
          ],
        },
    'issuing-ca',
    mfrKey,
  );
  return { root, rootKey, mfr, mfrKey, issuing, issuingKey };
}

/**
 * Writes the chain as PEM files in `dir` (the leaf as device.pem) and returns what
 * `openssl verify -x509_strict` prints, for the caller to judge; it throws if OpenSSL refuses.
 */
export function opensslVerifyChain(
  dir: string,
  chain: {
    readonly root: Uint8Array;
    readonly untrusted: readonly Uint8Array[];
    readonly leaf: Uint8Array;
    readonly at?: Date;
  },
): string {
  const rootPem = join(dir, 'root.pem');
  const untrustedPem = join(dir, 'untrusted.pem');
  const leafPem = join(dir, 'device.pem');
  writeFileSync(rootPem, encodePem('CERTIFICATE', chain.root));
  writeFileSync(untrustedPem, chain.untrusted.map((der) => encodePem('CERTIFICATE', der)).join(''));
  writeFileSync(leafPem, encodePem('CERTIFICATE', chain.leaf));
  const at = chain.at === undefined ? [] : ['-attime', String(chain.at.getTime() / 1000)];
  return execFileSync(
    'openssl',
    ['verify', '-x509_strict', ...at, '-CAfile', rootPem, '-untrusted', untrustedPem, leafPem],
    { encoding: 'utf8' },
  );
}
