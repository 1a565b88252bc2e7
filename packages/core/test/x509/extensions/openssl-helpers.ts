import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DerCursor } from '../../../src/x509/der/cursor.js';
import { CERTIFICATE_LIMITS } from '../../../src/x509/der/limits.js';
import { readBoolean, readOctetAlignedBitString, readOctetString, readOid } from '../../../src/x509/der/primitives.js';
import { Tag } from '../../../src/x509/der/tags.js';
import { contentOf, type Tlv } from '../../../src/x509/der/tlv.js';
import { parseDer } from '../../../src/x509/der/validate.js';
import type { Extension } from '../../../src/x509/extensions/types.js';
import { readName } from '../../../src/x509/name/parse.js';
import type { Name } from '../../../src/x509/name/types.js';
import { decodePem } from '../../../src/x509/pem.js';

/** The parts of a certificate these tests look at, read with our DER layer only. */
export interface WalkedCertificate {
  readonly serial: Uint8Array;
  readonly issuer: Name;
  readonly subject: Name;
  readonly subjectPublicKey: Uint8Array;
  /** Extensions by OID, each with the DER of its extnValue content. */
  readonly extensions: Map<string, Extension>;
}

/** Walks Certificate → tbsCertificate → … → [3] → Extensions (RFC 5280 4.1) with parseDer and DerCursor. */
export function walkCertificate(certDer: Uint8Array): WalkedCertificate {
  const top = parseDer(certDer, CERTIFICATE_LIMITS);
  const cert = DerCursor.inside(certDer, top, 'Certificate');
  const tbs = DerCursor.inside(certDer, cert.expect(Tag.SEQUENCE, 'tbsCertificate'), 'TBSCertificate');
  tbs.optional(0xa0); // version
  const serialTlv = tbs.expect(Tag.INTEGER, 'serialNumber');
  tbs.expect(Tag.SEQUENCE, 'signature');
  const issuer = readName(certDer, tbs.expect(Tag.SEQUENCE, 'issuer'));
  tbs.expect(Tag.SEQUENCE, 'validity');
  const subject = readName(certDer, tbs.expect(Tag.SEQUENCE, 'subject'));
  const spki = DerCursor.inside(certDer, tbs.expect(Tag.SEQUENCE, 'subjectPublicKeyInfo'), 'SPKI');
  spki.expect(Tag.SEQUENCE, 'algorithm');
  const subjectPublicKey = readOctetAlignedBitString(certDer, spki.next());
  tbs.optional(0x81);
  tbs.optional(0x82);
  const extensions = new Map<string, Extension>();
  const wrapper = tbs.optional(0xa3);
  if (wrapper !== undefined) {
    const list = DerCursor.inside(
      certDer,
      DerCursor.inside(certDer, wrapper, '[3]').expect(Tag.SEQUENCE, 'Extensions'),
      'Extensions',
    );
    while (!list.done) {
      const e = DerCursor.inside(certDer, list.expect(Tag.SEQUENCE, 'Extension'), 'Extension');
      const oid = readOid(certDer, e.expect(Tag.OID, 'extnID'));
      const criticalTlv: Tlv | undefined = e.optional(Tag.BOOLEAN);
      const critical = criticalTlv !== undefined && readBoolean(certDer, criticalTlv);
      const value = Uint8Array.from(readOctetString(certDer, e.expect(Tag.OCTET_STRING, 'extnValue')));
      e.finish();
      extensions.set(oid, { oid, critical, value });
    }
  }
  const serialContent = contentOf(certDer, serialTlv);
  return {
    serial: serialContent[0] === 0 && serialContent.length > 1 ? serialContent.subarray(1) : serialContent,
    issuer,
    subject,
    subjectPublicKey,
    extensions,
  };
}

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'keyline-ext-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function openssl(args: readonly string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Makes a self-signed P-256 certificate with `openssl req -x509` from `config` (written to
 * req.cnf) plus `extraArgs` (e.g. -addext, -subj), and returns its DER.
 */
export function opensslSelfSigned(dir: string, config: string, extraArgs: readonly string[] = []): Uint8Array {
  writeFileSync(join(dir, 'req.cnf'), config);
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
      '-days',
      '10',
      '-config',
      'req.cnf',
      ...extraArgs,
    ],
    dir,
  );
  const [certDer] = decodePem(readFileSync(join(dir, 'cert.pem'), 'utf8'), 'CERTIFICATE');
  return certDer!;
}
