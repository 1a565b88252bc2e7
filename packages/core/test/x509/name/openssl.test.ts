import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { namesEqual } from '../../../src/x509/name/compare.js';
import { encodeName } from '../../../src/x509/name/encode.js';
import { formatName } from '../../../src/x509/name/format.js';
import { nameFromString } from '../../../src/x509/name/from-string.js';
import { toHex } from '../extensions/helpers.js';
import { openssl, opensslSelfSigned, walkCertificate, withTempDir } from '../extensions/openssl-helpers.js';

const CONFIG = '[req]\ndistinguished_name = dn\n[dn]\n';

interface Case {
  /** The -subj argument (OpenSSL's own syntax, first RDN first). */
  readonly subj: string;
  /** The same name as encodeName input. */
  readonly rdns: Array<Array<{ type: string; value: string }>>;
  /** Whether OpenSSL's RFC 2253 output should equal formatName's exactly. */
  readonly sameText: boolean;
}

const cases: Case[] = [
  {
    subj: '/C=FI/O=Keyline Test/CN=Extension Test',
    rdns: [
      [{ type: 'C', value: 'FI' }],
      [{ type: 'O', value: 'Keyline Test' }],
      [{ type: 'CN', value: 'Extension Test' }],
    ],
    sameText: true,
  },
  {
    subj: '/DC=com/DC=example/O=Example\\, Inc./serialNumber=SN-0001/emailAddress=dev@example.com/CN=#hash\\+lead',
    rdns: [
      [{ type: 'DC', value: 'com' }],
      [{ type: 'DC', value: 'example' }],
      [{ type: 'O', value: 'Example, Inc.' }],
      [{ type: 'serialNumber', value: 'SN-0001' }],
      [{ type: 'emailAddress', value: 'dev@example.com' }],
      [{ type: 'CN', value: '#hash+lead' }],
    ],
    sameText: true,
  },
  {
    subj: '/O=Org/OU=Line 1+CN=Device 1/dnQualifier=q1/ST=Uusimaa/L=Espoo',
    rdns: [
      [{ type: 'O', value: 'Org' }],
      [
        { type: 'OU', value: 'Line 1' },
        { type: 'CN', value: 'Device 1' },
      ],
      [{ type: 'dnQualifier', value: 'q1' }],
      [{ type: 'ST', value: 'Uusimaa' }],
      [{ type: 'L', value: 'Espoo' }],
    ],
    sameText: false, // OpenSSL may order a multi-valued RDN differently in text
  },
  {
    subj: '/CN=Käyttäjä Ö/O=Ünïcode',
    rdns: [[{ type: 'CN', value: 'Käyttäjä Ö' }], [{ type: 'O', value: 'Ünïcode' }]],
    sameText: false, // RFC 2253 output escapes non-ASCII octets as \XX
  },
];

describe('OpenSSL cross-check: names', () => {
  for (const c of cases) {
    it(`encodes ${c.subj} byte-identically and formats/parses it compatibly`, () => {
      withTempDir((dir) => {
        const certDer = opensslSelfSigned(dir, CONFIG, ['-subj', c.subj, '-multivalue-rdn', '-utf8']);
        const { subject } = walkCertificate(certDer);
        // Same default string types as OpenSSL's "utf8only" mask: Printable for C, serialNumber,
        // dnQualifier; IA5 for emailAddress and DC; UTF8String for the rest.
        expect(toHex(encodeName(c.rdns))).toBe(toHex(subject.der));
        const theirs = openssl(['x509', '-in', join(dir, 'cert.pem'), '-noout', '-subject', '-nameopt', 'RFC2253'], dir)
          .trim()
          .replace(/^subject=/, '');
        expect(namesEqual(nameFromString(theirs), subject)).toBe(true);
        if (c.sameText) expect(formatName(subject)).toBe(theirs);
        expect(toHex(nameFromString(formatName(subject)).der)).toBe(toHex(subject.der));
        expect(readFileSync(join(dir, 'cert.pem'), 'utf8')).toMatch(/BEGIN CERTIFICATE/);
      });
    });
  }
});
