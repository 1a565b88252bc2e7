import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Certificate, OID, fixedClock, formatIpAddress, isKeylineError, decodeSubjectAltName } from '@keyline/core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateServerTls } from '../../../src/server/tls/server-certificate.js';

const dir = mkdtempSync(join(tmpdir(), 'keyline-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const clock = fixedClock(new Date());

describe('the TLS identity of keyline serve --tls', () => {
  it('makes a self-signed certificate on first start, for localhost and the host, key file 0600', async () => {
    const made = await loadOrCreateServerTls({ dataDir: dir, host: '192.0.2.7', clock });
    expect(made.created).toBe(true);
    expect(statSync(made.keyPath).mode & 0o777).toBe(0o600);
    const cert = Certificate.fromPem(made.cert);
    expect(cert.fingerprint).toBe(made.fingerprint);
    const san = decodeSubjectAltName(cert.extensions.find((e) => e.oid === OID.subjectAltName)!.value);
    const names = san.map((n) => (n.type === 'ip' ? formatIpAddress(n.value) : n.type === 'dns' ? n.value : n.type));
    expect(names).toEqual(expect.arrayContaining(['localhost', '127.0.0.1', '192.0.2.7']));
    // OpenSSL accepts it as a TLS server certificate for those names.
    const out = execFileSync(
      'openssl',
      ['verify', '-CAfile', made.certPath, '-purpose', 'sslserver', '-verify_ip', '192.0.2.7', made.certPath],
      {
        encoding: 'utf8',
      },
    );
    expect(out).toContain('OK');
  });

  it('uses the same files on the next start', async () => {
    const first = await loadOrCreateServerTls({ dataDir: dir, host: '127.0.0.1', clock });
    const again = await loadOrCreateServerTls({ dataDir: dir, host: '127.0.0.1', clock });
    expect(again.created).toBe(false);
    expect(again.fingerprint).toBe(first.fingerprint);
  });

  it('makes a new one when it has expired', async () => {
    const first = await loadOrCreateServerTls({ dataDir: dir, host: '127.0.0.1', clock });
    const later = fixedClock(new Date(clock.now().getTime() + 400 * 86_400_000));
    const renewed = await loadOrCreateServerTls({ dataDir: dir, host: '127.0.0.1', clock: later });
    expect(renewed.created).toBe(true);
    expect(renewed.fingerprint).not.toBe(first.fingerprint);
  });

  it('refuses given files that cannot be read or do not belong together', async () => {
    const other = mkdtempSync(join(tmpdir(), 'keyline-tls-other-'));
    try {
      const a = await loadOrCreateServerTls({ dataDir: join(other, 'a'), host: '127.0.0.1', clock });
      const b = await loadOrCreateServerTls({ dataDir: join(other, 'b'), host: '127.0.0.1', clock });
      const code = async (input: { certFile?: string; keyFile?: string }) =>
        loadOrCreateServerTls({ dataDir: other, host: '127.0.0.1', clock, ...input }).then(
          () => 'ok',
          (e: unknown) => (isKeylineError(e) ? e.code : 'raw'),
        );
      expect(await code({ certFile: a.certPath, keyFile: b.keyPath })).toBe('ERR_SERVER_TLS_FILES');
      expect(await code({ certFile: join(other, 'missing.pem'), keyFile: a.keyPath })).toBe('ERR_SERVER_TLS_FILES');
      expect(await code({ certFile: a.certPath })).toBe('ERR_SERVER_TLS_FILES');
      writeFileSync(join(other, 'garbage.pem'), 'not pem');
      expect(await code({ certFile: join(other, 'garbage.pem'), keyFile: a.keyPath })).toBe('ERR_SERVER_TLS_FILES');
      expect(await code({ certFile: a.certPath, keyFile: a.keyPath })).toBe('ok');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
