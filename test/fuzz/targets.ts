import { Certificate } from '../../packages/core/src/x509/certificate/certificate.js';
import { CertificationRequest } from '../../packages/core/src/x509/csr/certification-request.js';
import { CertificateRevocationList } from '../../packages/core/src/x509/crl/certificate-revocation-list.js';
import {
  decodeCertificateIssuer,
  decodeCrlNumber,
  decodeInvalidityDate,
  decodeReasonCode,
} from '../../packages/core/src/x509/crl/extension-values.js';
import { decodeIssuingDistributionPoint } from '../../packages/core/src/x509/crl/issuing-distribution-point.js';
import { parseDer } from '../../packages/core/src/x509/der/validate.js';
import { CRL_LIMITS } from '../../packages/core/src/x509/der/limits.js';
import * as der from '../../packages/core/src/x509/der/writer.js';
import { extensionCodecs, type KnownExtensionName } from '../../packages/core/src/x509/extensions/codecs.js';
import { readGeneralNames } from '../../packages/core/src/x509/extensions/general-name.js';
import { parseDeviceUrn } from '../../packages/core/src/x509/extensions/device-urn.js';
import { readName } from '../../packages/core/src/x509/name/parse.js';
import { OID } from '../../packages/core/src/x509/oids.js';
import { decodePemAll, encodePem } from '../../packages/core/src/x509/pem.js';
import { parsePublicKeyInfo } from '../../packages/core/src/crypto/public-key.js';
import { checkEcdsaSignature, checkEd25519Signature } from '../../packages/core/src/crypto/signature-format.js';
import { parseSignatureAlgorithm } from '../../packages/core/src/crypto/algorithms.js';
import { CURVES } from '../../packages/core/src/crypto/curves.js';
import { OcspRequest } from '../../packages/core/src/x509/ocsp/ocsp-request.js';
import { OcspResponse } from '../../packages/core/src/x509/ocsp/ocsp-response.js';
import { decodeNonce } from '../../packages/core/src/x509/ocsp/nonce.js';
import { verifyOcspResponseSignature } from '../../packages/core/src/x509/ocsp/verify.js';
import { verifyChain } from '../../packages/core/src/trust/verify-chain.js';
import type { VerifyChainOptions } from '../../packages/core/src/trust/types.js';
import { corpusFiles } from './lib/corpus.js';
import { Refusal, type ParseFn } from './lib/outcome.js';
import { GENERATORS, type Generator } from './lib/mutate.js';
import { PEM_GENERATORS, TEXT_GENERATORS } from './lib/text-generators.js';

/** One parser under fuzz, with the valid inputs its mutations start from. */
export interface FuzzTarget {
  readonly name: string;
  /** What is called, for the summary. */
  readonly entry: string;
  readonly seeds: readonly Uint8Array[];
  readonly parse: ParseFn;
  readonly generators: readonly Generator[];
  /** True for result-style APIs that must never throw at all (verifyChain). */
  readonly throwsAreBugs?: boolean;
  /** What the seeds must give when it is not acceptance (a result-style target whose seed is refused on purpose). */
  readonly seedCode?: string;
  /** Distinct refusal codes a CI-sized run must see (proof the inputs reach past the first check); default 3. */
  readonly minDistinctCodes?: number;
}

const latin1 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
const text = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

/** True when `step` does not throw (used to keep only seeds a parser accepts). */
function fits(step: () => unknown): boolean {
  try {
    step();
    return true;
  } catch {
    return false;
  }
}

/** Seeds shared by several targets, read once from the committed corpus. */
export function loadSeeds(): {
  certificates: Uint8Array[];
  /** The corpus chain: root (anchor), CA (name constraints, policies, mappings), leaf. */
  chain: { root: Uint8Array; ca: Uint8Array; leaf: Uint8Array };
  csrs: Uint8Array[];
  crls: Uint8Array[];
  ocspRequests: Uint8Array[];
  ocspResponses: Uint8Array[];
  pem: Uint8Array[];
} {
  const certificates = corpusFiles('cert-');
  const chain = {
    root: corpusFiles('cert-root')[0]!,
    ca: corpusFiles('cert-ca')[0]!,
    leaf: corpusFiles('cert-leaf')[0]!,
  };
  const csrs = corpusFiles('csr');
  const crls = corpusFiles('crl');
  const ocspRequests = corpusFiles('ocsp-request');
  const ocspResponses = corpusFiles('ocsp-response');
  const pem = [
    ...corpusFiles('cert-', '.pem'),
    text(certificates.map((c) => encodePem('CERTIFICATE', c)).join('')),
    text(encodePem('CERTIFICATE REQUEST', csrs[0]!)),
    text(`junk before\n${encodePem('X509 CRL', crls[0]!)}junk after\r\n`),
  ];
  return { certificates, chain, csrs, crls, ocspRequests, ocspResponses, pem };
}

function extensionValues(
  certs: readonly Certificate[],
  csrs: readonly CertificationRequest[],
  oids: string[],
): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const holder of [...certs, ...csrs]) {
    for (const ext of holder.extensions) if (oids.includes(ext.oid)) out.push(ext.value);
  }
  return out;
}

/** Every fuzz target. Seeds are the committed corpus and values taken out of it. */
export function buildTargets(): FuzzTarget[] {
  const seeds = loadSeeds();
  const certs = seeds.certificates.map((d) => Certificate.fromDer(d));
  const csrs = seeds.csrs.map((d) => CertificationRequest.fromDer(d));
  const crls = seeds.crls.map((d) => CertificateRevocationList.fromDer(d));
  const all = [...seeds.certificates, ...seeds.csrs, ...seeds.crls, ...seeds.ocspRequests, ...seeds.ocspResponses];

  const targets: FuzzTarget[] = [
    {
      name: 'der',
      entry: 'parseDer(bytes)',
      seeds: all,
      parse: (input) => parseDer(input),
      generators: GENERATORS,
    },
    {
      name: 'certificate',
      entry: 'Certificate.fromDer(bytes)',
      seeds: seeds.certificates,
      parse: (input) => Certificate.fromDer(input),
      generators: GENERATORS,
    },
    {
      name: 'csr',
      entry: 'CertificationRequest.fromDer(bytes)',
      seeds: seeds.csrs,
      parse: (input) => CertificationRequest.fromDer(input),
      generators: GENERATORS,
    },
    {
      name: 'crl',
      entry: 'CertificateRevocationList.fromDer(bytes) + entries + isRevoked',
      seeds: seeds.crls,
      parse: (input) => {
        const crl = CertificateRevocationList.fromDer(input, CRL_LIMITS);
        // Entries are materialised lazily: walk them so their decoding is fuzzed too.
        void crl.revoked;
        return crl.isRevoked('7e57c0ffee');
      },
      generators: GENERATORS,
    },
    {
      name: 'pem',
      entry: 'decodePemAll(text) + Certificate.allFromPem(text)',
      seeds: seeds.pem,
      parse: (input) => {
        const s = latin1(input);
        decodePemAll(s);
        return Certificate.allFromPem(s);
      },
      generators: PEM_GENERATORS,
    },
    {
      name: 'name',
      entry: 'readName(bytes, parseDer(bytes))',
      seeds: [...certs.flatMap((c) => [c.issuer.der, c.subject.der]), ...csrs.map((c) => c.subject.der)],
      parse: (input) => readName(input, parseDer(input)),
      generators: GENERATORS,
    },
    {
      name: 'general-names',
      entry: 'readGeneralNames(bytes, parseDer(bytes))',
      seeds: extensionValues(certs, csrs, [OID.subjectAltName]),
      parse: (input) => readGeneralNames(input, parseDer(input)),
      generators: GENERATORS,
    },
    {
      name: 'device-urn',
      entry: 'parseDeviceUrn(text)',
      seeds: [
        'urn:dev:ow:10e2073a01080063',
        'urn:dev:mac:0024befffe804ff1_port1',
        'urn:dev:org:32473-foo',
        'urn:dev:os:32473-123456',
        'urn:dev:ops:32473-Refrigerator-5002',
      ].map(text),
      parse: (input) => parseDeviceUrn(latin1(input)),
      generators: TEXT_GENERATORS,
      minDistinctCodes: 1,
    },
    {
      name: 'spki',
      entry: 'parsePublicKeyInfo(bytes)',
      seeds: [...certs.map((c) => c.spki), ...csrs.map((c) => c.spki)],
      parse: (input) => parsePublicKeyInfo(input),
      generators: GENERATORS,
    },
    {
      name: 'signature-algorithm',
      entry: 'parseSignatureAlgorithm(bytes)',
      seeds: certs.map((c) => c.signatureAlgorithm.der),
      parse: (input) => parseSignatureAlgorithm(input),
      generators: GENERATORS,
    },
    ...(['P-256', 'P-384'] as const).map((curve): FuzzTarget => ({
      name: `ecdsa-signature-${curve.toLowerCase()}`,
      entry: `checkEcdsaSignature(bytes, CURVES['${curve}'])`,
      // Every corpus ECDSA signature whose r and s fit the curve's order.
      seeds: [...certs, ...csrs, ...crls]
        .map((c) => c.signatureValue)
        .filter((sig) => sig[0] === 0x30 && fits(() => checkEcdsaSignature(sig, CURVES[curve]))),
      parse: (input) => checkEcdsaSignature(input, CURVES[curve]),
      generators: GENERATORS,
      minDistinctCodes: 2,
    })),
    {
      name: 'ed25519-signature',
      entry: 'checkEd25519Signature(bytes)',
      seeds: certs.filter((c) => c.signatureValue.length === 64).map((c) => c.signatureValue),
      parse: (input) => checkEd25519Signature(input),
      generators: GENERATORS,
      minDistinctCodes: 2,
    },
  ];

  // OCSP (RFC 6960).
  const caSpki = Certificate.fromDer(seeds.chain.ca).spki;
  targets.push(
    {
      name: 'ocsp-request',
      entry: 'OcspRequest.fromDer(bytes)',
      seeds: seeds.ocspRequests,
      parse: (input) => OcspRequest.fromDer(input),
      generators: GENERATORS,
    },
    {
      name: 'ocsp-response',
      entry: 'OcspResponse.fromDer(bytes) + verifyOcspResponseSignature(basic, caKey)',
      seeds: seeds.ocspResponses,
      parse: (input) => {
        const response = OcspResponse.fromDer(input);
        return response.basic === undefined ? response : verifyOcspResponseSignature(response.basic, caSpki);
      },
      generators: GENERATORS,
    },
    {
      name: 'ocsp-nonce',
      entry: 'decodeNonce(bytes)',
      seeds: [der.octets(Uint8Array.from({ length: 16 }, (_, i) => i + 1)), der.octets(Uint8Array.of(1))],
      parse: (input) => decodeNonce(input),
      generators: GENERATORS,
      minDistinctCodes: 1,
    },
  );

  // Path validation: verifyChain must answer every mutated leaf, intermediate or CRL with a result,
  // never a throw (issue 2 section 4: "never throws for a bad certificate").
  const leafCert = Certificate.fromDer(seeds.chain.leaf);
  const base: VerifyChainOptions = {
    leaf: seeds.chain.leaf,
    intermediates: [seeds.chain.ca],
    trustAnchors: [seeds.chain.root],
    time: new Date(leafCert.notBefore.getTime() + 3_600_000),
  };
  const verdict = async (options: VerifyChainOptions): Promise<unknown> => {
    const result = await verifyChain(options);
    return result.ok ? result : new Refusal(result.code);
  };
  const rootCrl = corpusFiles('crl-root')[0]!;
  targets.push(
    {
      name: 'verify-chain-leaf',
      entry: 'verifyChain({ leaf: bytes, intermediates: [ca], trustAnchors: [root] })',
      seeds: [seeds.chain.leaf],
      parse: (input) => verdict({ ...base, leaf: input, purpose: 'clientAuth' }),
      generators: GENERATORS,
      throwsAreBugs: true,
    },
    {
      name: 'verify-chain-intermediate',
      entry: 'verifyChain({ leaf, intermediates: [bytes], trustAnchors: [root], policy: explicit })',
      seeds: [seeds.chain.ca],
      parse: (input) =>
        verdict({
          ...base,
          intermediates: [input],
          policy: { explicitPolicy: true, initialPolicySet: ['1.3.6.1.4.1.99999.1'] },
        }),
      generators: GENERATORS,
      throwsAreBugs: true,
    },
    {
      name: 'verify-chain-crl',
      entry: 'verifyChain({ leaf, intermediates: [ca], trustAnchors: [root], crls: [bytes, rootCrl] })',
      seeds: corpusFiles('crl.'),
      parse: (input) => verdict({ ...base, crls: [input, rootCrl] }),
      generators: GENERATORS,
      throwsAreBugs: true,
      // The corpus CRL revokes the corpus leaf: the seed's answer is a refusal, and the right one.
      seedCode: 'ERR_PATH_REVOKED',
    },
  );

  // One target per extension decoder, seeded with the values the corpus carries (or, for the few
  // it lacks, values of the same shape).
  const alike: Partial<Record<KnownExtensionName, string>> = {
    issuerAltName: OID.subjectAltName,
    subjectInfoAccess: OID.authorityInfoAccess,
  };
  for (const name of Object.keys(extensionCodecs) as KnownExtensionName[]) {
    const codec = extensionCodecs[name];
    const decode = codec.decode as (value: Uint8Array) => unknown;
    targets.push({
      name: `ext-${name}`,
      entry: `extensionCodecs.${name}.decode(bytes)`,
      seeds: extensionValues(certs, csrs, [codec.oid, alike[name] ?? codec.oid]),
      parse: (input) => decode(input),
      generators: GENERATORS,
    });
  }

  // CRL and CRL entry extensions (RFC 5280 5.2, 5.3).
  const crlExtensionSeeds = (oid: string): Uint8Array[] =>
    crls.flatMap((c) => c.extensions.filter((e) => e.oid === oid).map((e) => e.value));
  targets.push(
    {
      name: 'crl-ext-crlNumber',
      entry: 'decodeCrlNumber(bytes)',
      seeds: crlExtensionSeeds(OID.cRLNumber),
      parse: (input) => decodeCrlNumber(input),
      generators: GENERATORS,
    },
    {
      name: 'crl-ext-reasonCode',
      entry: 'decodeReasonCode(bytes)',
      seeds: [der.int(1, 0x0a), der.int(10, 0x0a)],
      parse: (input) => decodeReasonCode(input),
      generators: GENERATORS,
    },
    {
      name: 'crl-ext-invalidityDate',
      entry: 'decodeInvalidityDate(bytes)',
      seeds: [der.generalizedTime(new Date(Date.UTC(2025, 0, 2, 3, 4, 5)))],
      parse: (input) => decodeInvalidityDate(input),
      generators: GENERATORS,
    },
    {
      name: 'crl-ext-certificateIssuer',
      entry: 'decodeCertificateIssuer(bytes)',
      seeds: extensionValues(certs, csrs, [OID.subjectAltName]),
      parse: (input) => decodeCertificateIssuer(input),
      generators: GENERATORS,
    },
    {
      name: 'crl-ext-issuingDistributionPoint',
      entry: 'decodeIssuingDistributionPoint(bytes)',
      seeds: [
        der.seq(der.explicit(0, der.tlv(0xa0, der.ia5('http://crl.example.com/ca.crl', 0x86)))),
        der.seq(der.tlv(0x81, Uint8Array.of(0xff)), der.tlv(0x83, Uint8Array.of(0x07, 0x80))),
      ],
      parse: (input) => decodeIssuingDistributionPoint(input),
      generators: GENERATORS,
    },
  );
  return targets;
}
