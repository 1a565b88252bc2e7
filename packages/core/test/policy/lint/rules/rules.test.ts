import { describe, expect, it } from 'vitest';
import { lint } from '../../../../src/policy/lint/lint.js';
import { RULES } from '../../../../src/policy/lint/rules/index.js';
import { KEYLINE_ATTRIBUTE, KEYLINE_HARDWARE_TYPE } from '../../../../src/policy/oids.js';
import { PROFILES } from '../../../../src/policy/profiles/index.js';
import type { ProfileName } from '../../../../src/policy/profiles/types.js';
import type { LintTarget } from '../../../../src/policy/target.js';
import { NO_EXPIRATION } from '../../../../src/x509/der/time.js';
import { Tag } from '../../../../src/x509/der/tags.js';
import * as der from '../../../../src/x509/der/writer.js';
import { knownExtension } from '../../../../src/x509/extensions/codecs.js';
import { hardwareModuleNameOtherName } from '../../../../src/x509/extensions/hardware-module-name.js';
import { OID } from '../../../../src/x509/oids.js';
import {
  CHIP_SERIAL,
  DEVICE_ID,
  ISSUING_NAME,
  T0,
  X,
  build,
  daysAfter,
  ext,
  hierarchy,
  keyPair,
  withExt,
  withoutExt,
  yearsAfter,
  type CertSpec,
} from '../../fixtures/build.js';
import { stub } from '../../fixtures/stub.js';

/**
 * Every rule has a good fixture (a conforming certificate of a profile the rule applies to, on
 * which the rule reports nothing) and a bad one (the same certificate with the one defect the
 * rule names, on which it reports a finding whose message matches). The table is keyed by rule id
 * and a test checks it covers RULES, so a new rule cannot ship without its fixtures.
 */

const h = hierarchy();
const spec = h.specs;

interface Case {
  readonly profile: ProfileName;
  readonly cert: LintTarget;
  readonly issuer?: LintTarget;
}

interface RuleCases {
  readonly good: () => Case;
  readonly bad: () => Case;
  readonly message: RegExp;
}

/** The conforming certificate of a profile, with its issuer given. */
function good(profile: ProfileName): Case {
  return { profile, cert: build(spec[profile]), issuer: profile === 'root' ? undefined : h.issuers[profile] };
}

/** A certificate of `profile` built from a modified spec, with the profile's issuer given. */
function bad(profile: ProfileName, modify: (s: CertSpec) => CertSpec): Case {
  return { profile, cert: build(modify(spec[profile])), issuer: profile === 'root' ? undefined : h.issuers[profile] };
}

function compressed(point: Uint8Array): Uint8Array {
  const out = new Uint8Array(33);
  out[0] = (point[64]! & 1) === 1 ? 0x03 : 0x02;
  out.set(point.subarray(1, 33), 1);
  return out;
}

const deviceSubject = spec.device.subject;
const UNKNOWN_OID = '1.3.6.1.4.1.99999.1.1';

const CASES: Readonly<Record<string, RuleCases>> = {
  'rfc5280.extension-value': {
    good: () => good('device'),
    bad: () => bad('device', (s) => withExt(s, ext(OID.keyUsage, Uint8Array.of(Tag.BIT_STRING, 1, 0), true))),
    message: /keyUsage does not decode/,
  },
  'kecp.version': {
    good: () => good('device'),
    bad: () => bad('device', (s) => ({ ...s, version: 1, extensions: [] })),
    message: /version 1/,
  },
  'rfc5280.serial-number': {
    good: () => good('device'),
    bad: () => ({ profile: 'device', cert: stub(build(spec.device), { serialNumber: new Uint8Array(21).fill(0x11) }) }),
    message: /21 octets/,
  },
  'kecp.serial-entropy': {
    good: () => good('device'),
    bad: () => bad('device', (s) => ({ ...s, serial: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) })),
    message: /8 significant octets/,
  },
  'rfc5758.ecdsa-parameters': {
    good: () => good('device'),
    bad: () => bad('device', (s) => ({ ...s, signatureAlgorithm: der.seq(der.oid(OID.ecdsaWithSha256), der.nul()) })),
    message: /carries parameters/,
  },
  'kecp.signature-algorithm': {
    good: () => good('device'),
    bad: () => bad('device', (s) => ({ ...s, signatureAlgorithm: der.seq(der.oid(OID.ecdsaWithSha512)) })),
    message: /ecdsa-with-SHA512 is not allowed/,
  },
  'kecp.signature-hash': {
    good: () => good('device'),
    bad: () => bad('device', (s) => ({ ...s, signatureAlgorithm: der.seq(der.oid(OID.ecdsaWithSha384)) })),
    message: /issuer key is P-256, so the signature must be ecdsa-with-SHA256/,
  },
  'rfc5280.issuer-not-empty': {
    good: () => good('device'),
    bad: () => bad('device', (s) => ({ ...s, issuer: [] })),
    message: /issuer is an empty/,
  },
  'kecp.issuer-linkage': {
    good: () => good('device'),
    bad: () => ({ ...good('device'), issuer: h.issuers['issuing-ca'] }),
    message: /issuer name differs/,
  },
  'rfc5280.validity-encoding': {
    good: () => good('ldevid'),
    bad: () => bad('ldevid', (s) => ({ ...s, notBeforeTag: Tag.GENERALIZED_TIME })),
    message: /notBefore .* is encoded as GeneralizedTime; it must be UTCTime/,
  },
  'kecp.validity-period': {
    good: () => good('manufacturer-ca'),
    bad: () => bad('manufacturer-ca', (s) => ({ ...s, notAfter: yearsAfter(T0, 21) })),
    message: /longer than 20 years/,
  },
  'kecp.no-expiration': {
    good: () => good('ldevid'),
    bad: () => bad('ldevid', (s) => ({ ...s, notAfter: NO_EXPIRATION })),
    message: /99991231235959Z/,
  },
  'kecp.validity-within-issuer': {
    good: () => good('issuing-ca'),
    bad: () => bad('issuing-ca', (s) => ({ ...s, notBefore: daysAfter(T0, -1) })),
    message: /before the issuer's/,
  },
  'rfc5280.empty-subject-alt-name': {
    good: () => good('ldevid'),
    bad: () =>
      bad('ldevid', (s) =>
        withExt({ ...s, subject: [] }, X.san([{ type: 'uri', value: 'urn:dev:mac:0024befffe804ff1' }])),
      ),
    message: /subject is empty but subjectAltName is not critical/,
  },
  'kecp.subject-attributes': {
    good: () => good('device'),
    bad: () =>
      bad('device', (s) => ({
        ...s,
        subject: deviceSubject.filter((rdn) => rdn[0]![0] !== KEYLINE_ATTRIBUTE.productId),
      })),
    message: /requires subject attribute keylineProductId/,
  },
  'kecp.attribute-syntax': {
    good: () => good('device'),
    bad: () =>
      bad('device', (s) => ({
        ...s,
        subject: [[[KEYLINE_ATTRIBUTE.manufacturerId, 'ACME']], ...deviceSubject.slice(1)],
      })),
    message: /keylineManufacturerId "ACME" is not 1–32 of a-z/,
  },
  'kecp.device-id': {
    good: () => good('device'),
    bad: () =>
      bad('device', (s) => ({ ...s, subject: [...deviceSubject.slice(0, 3), [[OID.commonName, 'Thermostat 42']]] })),
    message: /"Thermostat 42" is not a device id/,
  },
  'kecp.manufacturer-matches-issuer': {
    good: () => good('device'),
    bad: () =>
      bad('device', (s) => ({
        ...s,
        subject: [[[KEYLINE_ATTRIBUTE.manufacturerId, 'globex']], ...deviceSubject.slice(1)],
      })),
    message: /"globex" differs from the issuer's "acme"/,
  },
  'kecp.root-self-issued': {
    good: () => good('root'),
    bad: () => bad('root', (s) => ({ ...s, issuer: ISSUING_NAME })),
    message: /root issuer differs from its subject/,
  },
  'rfc5480.named-curve': {
    good: () => good('device'),
    bad: () =>
      bad('device', (s) => ({
        ...s,
        spki: der.seq(der.seq(der.oid(OID.ecPublicKey), der.seq(der.int(1))), der.bits(h.keys.device.point)),
      })),
    message: /not a namedCurve OID/,
  },
  'kecp.subject-key': {
    good: () => good('device'),
    bad: () => bad('device', (s) => ({ ...s, spki: keyPair('P-384').spki })),
    message: /subject key is on P-384; the Device IDevID profile requires P-256/,
  },
  'kecp.ec-point': {
    good: () => good('device'),
    bad: () =>
      bad('device', (s) => ({
        ...s,
        spki: der.seq(
          der.seq(der.oid(OID.ecPublicKey), der.oid(OID.prime256v1)),
          der.bits(compressed(h.keys.device.point)),
        ),
      })),
    message: /not an uncompressed point/,
  },
  'rfc5280.unique-identifiers': {
    good: () => good('device'),
    bad: () => bad('device', (s) => ({ ...s, subjectUniqueId: Uint8Array.of(1, 2, 3) })),
    message: /subjectUniqueID present/,
  },
  'rfc5280.extensions-unique': {
    good: () => good('device'),
    bad: () => {
      const cert = build(spec.device);
      return {
        profile: 'device',
        cert: stub(cert, { extensions: [...cert.extensions, cert.extensions[0]!] }),
        issuer: h.issuers.device,
      };
    },
    message: /appears more than once/,
  },
  'kecp.extensions-allowed': {
    good: () => good('device'),
    bad: () => bad('device', (s) => withExt(s, ext(UNKNOWN_OID, der.nul()))),
    message: /extension 1\.3\.6\.1\.4\.1\.99999\.1\.1 is not allowed in the Device IDevID profile/,
  },
  'kecp.extensions-required': {
    good: () => good('device'),
    bad: () => bad('device', (s) => withoutExt(s, OID.certificatePolicies)),
    message: /requires extension certificatePolicies/,
  },
  'kecp.extension-criticality': {
    good: () => good('device'),
    bad: () => bad('device', (s) => withExt(s, X.ku(['digitalSignature'], false))),
    message: /keyUsage must be critical/,
  },
  'rfc5280.unknown-critical-extension': {
    good: () => good('device'),
    bad: () => bad('device', (s) => withExt(s, ext(UNKNOWN_OID, der.nul(), true))),
    message: /is critical but not one/,
  },
  'rfc5280.authority-key-identifier': {
    good: () => good('device'),
    bad: () => bad('device', (s) => withoutExt(s, OID.authorityKeyIdentifier)),
    message: /authorityKeyIdentifier is missing/,
  },
  'rfc5280.ca-subject-key-identifier': {
    good: () => good('issuing-ca'),
    bad: () => bad('issuing-ca', (s) => withoutExt(s, OID.subjectKeyIdentifier)),
    message: /CA certificate has no subjectKeyIdentifier/,
  },
  'rfc5280.key-identifiers-non-critical': {
    good: () => good('device'),
    bad: () => bad('device', (s) => withExt(s, { ...X.akiOf(h.keys.issuing), critical: true })),
    message: /authorityKeyIdentifier is marked critical/,
  },
  'kecp.subject-key-identifier-method': {
    good: () => good('issuing-ca'),
    bad: () => bad('issuing-ca', (s) => withExt(s, X.ski(Uint8Array.of(1, 2, 3, 4)))),
    message: /not derived from the public key/,
  },
  'rfc5280.basic-constraints-critical': {
    good: () => good('issuing-ca'),
    bad: () => bad('issuing-ca', (s) => withExt(s, X.bc(true, 0, false))),
    message: /asserts cA but is not critical/,
  },
  'kecp.basic-constraints': {
    good: () => good('manufacturer-ca'),
    bad: () => bad('manufacturer-ca', (s) => withExt(s, X.bc(true, 2))),
    message: /requires pathLenConstraint 1, found 2/,
  },
  'rfc5280.key-cert-sign': {
    good: () => good('issuing-ca'),
    bad: () => bad('issuing-ca', (s) => withExt(s, X.ku(['cRLSign']))),
    message: /asserts cA but keyUsage does not assert keyCertSign/,
  },
  'rfc5280.path-len': {
    good: () => good('ldevid'),
    bad: () => bad('ldevid', (s) => withExt(s, ext(OID.basicConstraints, der.seq(der.int(0)), true))),
    message: /pathLenConstraint is present but cA is not asserted/,
  },
  'kecp.key-usage': {
    good: () => good('device'),
    bad: () => bad('device', (s) => withExt(s, X.ku(['digitalSignature', 'keyEncipherment']))),
    message: /keyEncipherment, which the Device IDevID profile does not allow/,
  },
  'rfc5280.key-agreement-only-bits': {
    good: () => good('device'),
    bad: () => bad('device', (s) => withExt(s, X.ku(['digitalSignature', 'encipherOnly']))),
    message: /encipherOnly without keyAgreement/,
  },
  'kecp.ext-key-usage': {
    good: () => good('ldevid'),
    bad: () => bad('ldevid', (s) => withExt(s, X.eku([OID.serverAuth]))),
    message: /lacks clientAuth/,
  },
  'kecp.certificate-policies': {
    good: () => good('manufacturer-ca'),
    bad: () => bad('manufacturer-ca', (s) => withExt(s, X.policies([OID.anyPolicy]))),
    message: /policy anyPolicy is not allowed/,
  },
  'rfc5280.policy-extensions': {
    good: () => good('manufacturer-ca'),
    bad: () => bad('manufacturer-ca', (s) => withExt(s, knownExtension('inhibitAnyPolicy', 0, false))),
    message: /inhibitAnyPolicy is not critical/,
  },
  'rfc5280.name-constraints': {
    good: () => good('issuing-ca'),
    bad: () =>
      bad('issuing-ca', (s) =>
        withExt(
          s,
          knownExtension(
            'nameConstraints',
            { permitted: [{ base: { type: 'dns', value: 'acme.example' }, minimum: 0 }] },
            false,
          ),
        ),
      ),
    message: /nameConstraints is not critical/,
  },
  'rfc5280.subject-alt-name-critical': {
    good: () => good('device'),
    bad: () =>
      bad('device', (s) =>
        withExt(s, X.san([hardwareModuleNameOtherName(KEYLINE_HARDWARE_TYPE.secureElementDevice, CHIP_SERIAL)], true)),
      ),
    message: /critical although the subject is not empty/,
  },
  'kecp.subject-alt-name': {
    good: () => good('device'),
    bad: () => bad('device', (s) => withExt(s, X.san([{ type: 'dns', value: 'thermo.acme.example' }]))),
    message: /dns name, which the Device IDevID profile does not allow/,
  },
  'kecp.device-urn': {
    good: () =>
      bad('device', (s) =>
        withExt(
          s,
          X.san([
            hardwareModuleNameOtherName(KEYLINE_HARDWARE_TYPE.secureElementDevice, CHIP_SERIAL),
            { type: 'uri', value: `urn:dev:ops:32473-thermo2-${DEVICE_ID}` },
          ]),
        ),
      ),
    bad: () =>
      bad('device', (s) =>
        withExt(
          s,
          X.san([
            hardwareModuleNameOtherName(KEYLINE_HARDWARE_TYPE.secureElementDevice, CHIP_SERIAL),
            { type: 'uri', value: 'urn:dev:ops:32473-thermo2' },
          ]),
        ),
      ),
    message: /not an RFC 9039 device URN/,
  },
  'kecp.hardware-module-name': {
    good: () => good('device'),
    bad: () =>
      bad('device', (s) =>
        withExt(s, X.san([hardwareModuleNameOtherName(KEYLINE_HARDWARE_TYPE.secureElementDevice, new Uint8Array(0))])),
      ),
    message: /empty hwSerialNum/,
  },
  'kecp.device-id-hardware-serial': {
    good: () => good('device'),
    bad: () =>
      bad('device', (s) =>
        withExt(
          s,
          X.san([hardwareModuleNameOtherName(KEYLINE_HARDWARE_TYPE.secureElementDevice, Uint8Array.of(9, 9, 9, 9))]),
        ),
      ),
    message: /serial 09090909 differs from the commonName/,
  },
  'rfc5280.authority-info-access': {
    good: () => good('device'),
    bad: () =>
      bad('device', (s) =>
        withExt(
          s,
          knownExtension(
            'authorityInfoAccess',
            [{ method: OID.caIssuers, location: { type: 'uri', value: 'http://pki.acme.example/ca.der' } }],
            true,
          ),
        ),
      ),
    message: /authorityInfoAccess is marked critical/,
  },
  'kecp.ocsp-no-check': {
    good: () => good('ocsp-signer'),
    bad: () => bad('ocsp-signer', (s) => withExt(s, ext(OID.ocspNoCheck, der.bool(true)))),
    message: /value is not NULL/,
  },
};

function findingsOf(c: Case, id: string) {
  return lint(c.cert, c.profile, c.issuer === undefined ? {} : { issuer: c.issuer }).filter((f) => f.id === id);
}

describe('lint rules', () => {
  it('every rule has a good and a bad fixture, and every fixture names a rule', () => {
    expect(Object.keys(CASES).sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  for (const rule of RULES) {
    const cases = CASES[rule.id];
    describe(rule.id, () => {
      it('stays silent on its good fixture', () => {
        const c = cases!.good();
        expect(rule.appliesTo(PROFILES[c.profile])).toBe(true);
        expect(findingsOf(c, rule.id)).toEqual([]);
      });
      it('reports its bad fixture', () => {
        const c = cases!.bad();
        const findings = findingsOf(c, rule.id);
        expect(findings.length).toBeGreaterThan(0);
        expect(findings.map((f) => f.message).join('\n')).toMatch(cases!.message);
        for (const f of findings) expect(f).toMatchObject({ severity: rule.severity, clause: rule.clause });
      });
    });
  }
});
