import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DerCursor } from '../../../src/x509/der/cursor.js';
import { readOctetAlignedBitString } from '../../../src/x509/der/primitives.js';
import { Tag } from '../../../src/x509/der/tags.js';
import { parseDer } from '../../../src/x509/der/validate.js';
import * as der from '../../../src/x509/der/writer.js';
import { OID } from '../../../src/x509/oids.js';

/** A Name of one CN attribute (UTF8String), enough for builder tests. */
export function cnName(cn: string): Uint8Array {
  return der.seq(der.setOf(der.seq(der.oid(OID.commonName), der.utf8(cn))));
}

export function ext(
  oid: string,
  critical: boolean,
  value: Uint8Array,
): { oid: string; critical: boolean; value: Uint8Array } {
  return { oid, critical, value };
}

export const caExtensions = (spki: Uint8Array, issuerSpki: Uint8Array, pathLen?: number) => [
  ext(OID.basicConstraints, true, der.seq(der.bool(true), ...(pathLen === undefined ? [] : [der.int(pathLen)]))),
  ext(OID.keyUsage, true, der.namedBits([5, 6])),
  ext(OID.subjectKeyIdentifier, false, der.octets(keyId(spki))),
  ext(OID.authorityKeyIdentifier, false, der.seq(der.octets(keyId(issuerSpki), 0x80))),
];

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING content (unused-bits octet excluded). */
export function keyId(spki: Uint8Array): Uint8Array {
  const c = DerCursor.inside(spki, parseDer(spki), 'SubjectPublicKeyInfo');
  c.expect(Tag.SEQUENCE, 'algorithm');
  const key = readOctetAlignedBitString(spki, c.expect(Tag.BIT_STRING, 'subjectPublicKey'));
  return new Uint8Array(createHash('sha1').update(key).digest());
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'keyline-builder-'));
}

export function writePem(dir: string, name: string, pem: string): string {
  const path = join(dir, name);
  writeFileSync(path, pem);
  return path;
}

/** Runs openssl; returns stdout+stderr and the exit status without throwing. */
export function openssl(args: string[]): { status: number; out: string } {
  try {
    const out = execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: 0, out };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    return { status: e.status ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}
