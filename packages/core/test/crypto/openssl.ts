/** Test helpers: real OpenSSL as an independent peer, in a temporary directory per suite. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DerCursor } from '../../src/x509/der/cursor.js';
import { readOctetAlignedBitString } from '../../src/x509/der/primitives.js';
import { Tag, contextConstructed } from '../../src/x509/der/tags.js';
import { encodingOf, type Tlv } from '../../src/x509/der/tlv.js';
import { parseDer } from '../../src/x509/der/validate.js';

export interface OpenSslDir {
  readonly dir: string;
  path(name: string): string;
  /** Runs `openssl` with `args` in the directory; returns stdout. */
  run(...args: string[]): Buffer;
  write(name: string, data: Uint8Array | string): string;
  read(name: string): Uint8Array;
  remove(): void;
}

export function openSslDir(prefix = 'keyline-crypto-'): OpenSslDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    path: (name) => join(dir, name),
    run: (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }),
    write(name, data) {
      writeFileSync(join(dir, name), data);
      return join(dir, name);
    },
    read: (name) => new Uint8Array(readFileSync(join(dir, name))),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The three parts of a certificate, and the TBS's SubjectPublicKeyInfo. */
export interface CertificateParts {
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: { buf: Uint8Array; tlv: Tlv };
  readonly innerSignatureAlgorithm: Uint8Array;
  readonly signature: Uint8Array;
  readonly spki: Uint8Array;
}

/** Splits a DER certificate (RFC 5280 4.1) just enough to check its signature. */
export function splitCertificate(der: Uint8Array): CertificateParts {
  const top = parseDer(der);
  const outer = DerCursor.inside(der, top, 'Certificate');
  const tbsTlv = outer.expect(Tag.SEQUENCE, 'tbsCertificate');
  const algTlv = outer.expect(Tag.SEQUENCE, 'signatureAlgorithm');
  const signature = readOctetAlignedBitString(der, outer.expect(Tag.BIT_STRING, 'signature'));
  outer.finish();
  const tbs = DerCursor.inside(der, tbsTlv, 'TBSCertificate');
  tbs.optional(contextConstructed(0));
  tbs.expect(Tag.INTEGER, 'serialNumber');
  const inner = tbs.expect(Tag.SEQUENCE, 'signature');
  tbs.expect(Tag.SEQUENCE, 'issuer');
  tbs.expect(Tag.SEQUENCE, 'validity');
  tbs.expect(Tag.SEQUENCE, 'subject');
  const spki = tbs.expect(Tag.SEQUENCE, 'subjectPublicKeyInfo');
  return {
    tbs: encodingOf(der, tbsTlv),
    signatureAlgorithm: { buf: der, tlv: algTlv },
    innerSignatureAlgorithm: encodingOf(der, inner),
    signature,
    spki: encodingOf(der, spki),
  };
}

export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/[^0-9a-fA-F]/g, ''), 'hex'));
}

export { codeOf } from '../support/error-code.js';
