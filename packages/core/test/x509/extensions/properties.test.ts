import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeylineError } from '../../../src/errors/keyline-error.js';
import * as ext from '../../../src/x509/extensions/index.js';
import { KEY_USAGE_NAMES, REASON_FLAG_NAMES } from '../../../src/x509/extensions/types.js';
import { OID } from '../../../src/x509/oids.js';
import { asciiString, bytes, der, generalNameArb, generalNamesArb, oidArb } from './helpers.js';

const count = fc.integer({ min: 0, max: 0x7fffffff });
const nonEmpty = <T>(arb: fc.Arbitrary<T>, maxLength = 4) => fc.array(arb, { minLength: 1, maxLength });
const subsetOf = <T extends string>(names: readonly T[]) => fc.subarray([...names]).map((a) => new Set<T>(a));

/** Value arbitraries for every codec, limited to what the encoders accept. */
const valueArbs: { [K in ext.KnownExtensionName]: fc.Arbitrary<ext.KnownExtensionValue<K>> } = {
  basicConstraints: fc.oneof(
    fc.constant({ ca: false }),
    fc.constant({ ca: true }),
    count.map((pathLen) => ({ ca: true, pathLen })),
  ),
  keyUsage: subsetOf(KEY_USAGE_NAMES).filter((s) => s.size > 0),
  extKeyUsage: nonEmpty(oidArb),
  subjectKeyIdentifier: bytes(0, 32),
  authorityKeyIdentifier: fc
    .record(
      {
        keyIdentifier: bytes(0, 32),
        issuerAndSerial: fc.tuple(
          generalNamesArb,
          bytes(1, 20).filter((b) => b[0] !== 0 || b.length === 1),
        ),
      },
      { requiredKeys: [] },
    )
    .map(({ keyIdentifier, issuerAndSerial }) => ({
      ...(keyIdentifier === undefined ? {} : { keyIdentifier }),
      ...(issuerAndSerial === undefined
        ? {}
        : { authorityCertIssuer: issuerAndSerial[0], authorityCertSerialNumber: issuerAndSerial[1] }),
    })),
  subjectAltName: generalNamesArb,
  issuerAltName: generalNamesArb,
  nameConstraints: fc
    .record(
      {
        permitted: nonEmpty(generalNameArb.map((base) => ({ base, minimum: 0 }))),
        excluded: nonEmpty(generalNameArb.map((base) => ({ base, minimum: 0 }))),
      },
      { requiredKeys: [] },
    )
    .filter((nc) => nc.permitted !== undefined || nc.excluded !== undefined),
  certificatePolicies: nonEmpty(
    fc.record(
      {
        policyId: oidArb,
        qualifiers: nonEmpty(
          fc.oneof(
            asciiString(30)
              .filter((s) => /^[\x20-\x7e]*$/.test(s))
              .map((s) => ext.cpsQualifier(s)),
            fc.string({ unit: 'grapheme', maxLength: 50 }).map((s) => ext.userNoticeQualifier(s)),
            fc.tuple(oidArb, asciiString(10)).map(([id, s]) => ({ id, qualifier: der.utf8(s) })),
          ),
          2,
        ),
      },
      { requiredKeys: ['policyId'] },
    ),
  ).map((list) => list.filter((p, i) => list.findIndex((q) => q.policyId === p.policyId) === i)),
  policyMappings: nonEmpty(
    fc.record({ issuerDomainPolicy: oidArb, subjectDomainPolicy: oidArb }).filter((m) => !ext.mappingUsesAnyPolicy(m)),
  ),
  policyConstraints: fc
    .record({ requireExplicitPolicy: count, inhibitPolicyMapping: count }, { requiredKeys: [] })
    .filter((pc) => pc.requireExplicitPolicy !== undefined || pc.inhibitPolicyMapping !== undefined),
  inhibitAnyPolicy: count,
  cRLDistributionPoints: nonEmpty(
    fc
      .record(
        {
          name: fc.oneof(
            generalNamesArb.map((fullName) => ({ fullName })),
            asciiString(10).map((cn) => ({
              nameRelativeToCRLIssuer: der.setOf(der.seq(der.oid(OID.commonName), der.utf8(cn))),
            })),
          ),
          reasons: subsetOf(REASON_FLAG_NAMES),
          crlIssuer: generalNamesArb,
        },
        { requiredKeys: [] },
      )
      .filter((p) => p.name !== undefined || p.crlIssuer !== undefined)
      .map(({ name, reasons, crlIssuer }) => ({
        ...name,
        ...(reasons === undefined ? {} : { reasons }),
        ...(crlIssuer === undefined ? {} : { crlIssuer }),
      })),
    3,
  ),
  authorityInfoAccess: nonEmpty(fc.record({ method: oidArb, location: generalNameArb })),
  subjectInfoAccess: nonEmpty(fc.record({ method: oidArb, location: generalNameArb })),
};

describe('extension codecs: property round trips', () => {
  for (const name of Object.keys(valueArbs) as ext.KnownExtensionName[]) {
    it(`${name}: decode(encode(v)) = v and encode(decode(bytes)) = bytes`, () => {
      const codec = ext.extensionCodecs[name] as unknown as ext.ExtensionCodec<unknown>;
      fc.assert(
        fc.property(valueArbs[name] as fc.Arbitrary<unknown>, (value) => {
          const encoded = codec.encode(value);
          const decoded = codec.decode(encoded);
          expect(decoded).toEqual(value);
          expect(codec.encode(decoded)).toEqual(encoded);
          const viaTable = ext.decodeKnownExtension({ oid: codec.oid, critical: false, value: encoded });
          expect(viaTable).toEqual({ name, value });
        }),
        { numRuns: 150 },
      );
    });
  }
});

/** Flips, truncates, extends or splices bytes of a valid encoding. */
const mutate = (input: Uint8Array) =>
  fc.oneof(
    fc.tuple(fc.nat(input.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
      const out = Uint8Array.from(input);
      out[i]! ^= x;
      return out;
    }),
    fc.nat(input.length - 1).map((n) => input.subarray(0, n)),
    bytes(1, 4).map((extra) => der.concat([input, extra])),
    fc
      .tuple(fc.nat(input.length - 1), bytes(1, 4))
      .map(([i, extra]) => der.concat([input.subarray(0, i), extra, input.subarray(i)])),
  );

describe('extension decoders: malformed input', () => {
  for (const name of Object.keys(valueArbs) as ext.KnownExtensionName[]) {
    it(`${name}: mutated and random bytes end in a KeylineError or a value that re-encodes`, () => {
      const codec = ext.extensionCodecs[name] as unknown as ext.ExtensionCodec<unknown>;
      const inputs = fc.oneof(
        (valueArbs[name] as fc.Arbitrary<unknown>).chain((v) => mutate(codec.encode(v))),
        bytes(0, 40),
      );
      fc.assert(
        fc.property(inputs, (input) => {
          let decoded: unknown;
          try {
            decoded = codec.decode(input);
          } catch (error) {
            expect(error).toBeInstanceOf(KeylineError);
            return;
          }
          // Whatever decodes is DER the decoder fully understood: re-encoding (when the encoder
          // accepts the value at all) gives the same bytes back.
          let again: Uint8Array;
          try {
            again = codec.encode(decoded);
          } catch (error) {
            expect((error as KeylineError).code).toBe('ERR_X509_BUILD_INVALID');
            return;
          }
          expect(again).toEqual(input);
        }),
        { numRuns: 300 },
      );
    });
  }
});
