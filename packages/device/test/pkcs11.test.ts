import { spawnSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { Pkcs11Element } from '@keyline/se';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceIdentity, PKCS11_ENGINE_PATH, pkcs11EngineConfig } from '../src/index.js';
import { decodeJws, makeHierarchy, provision, serverCertificate, type Hierarchy } from './fixtures.js';

/**
 * The SDK on a PKCS#11 element (SoftHSM2): open and attest through the token, and mutual TLS with
 * the token's key through OpenSSL's pkcs11 engine. KEYLINE_REQUIRE_SERVICES=1 makes a missing
 * SoftHSM2 or engine a failure; otherwise the suite is skipped without them.
 */
const MODULE = process.env.KEYLINE_PKCS11_MODULE || '/usr/lib/softhsm/libsofthsm2.so';
const REQUIRE = process.env.KEYLINE_REQUIRE_SERVICES === '1';
const AVAILABLE =
  spawnSync('softhsm2-util', ['--version']).status === 0 && existsSync(MODULE) && existsSync(PKCS11_ENGINE_PATH);
const PIN = '123456';

describe.skipIf(!REQUIRE && !AVAILABLE)('DeviceIdentity on a SoftHSM2 token', () => {
  let dir: string;
  let acme: Hierarchy;
  let element: Pkcs11Element;
  let identity: DeviceIdentity;

  beforeAll(async () => {
    expect(AVAILABLE, 'SoftHSM2 and libengine-pkcs11-openssl must be installed').toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'keyline-device-softhsm-'));
    mkdirSync(join(dir, 'tokens'));
    const conf = join(dir, 'softhsm2.conf');
    writeFileSync(
      conf,
      `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
    );
    process.env.SOFTHSM2_CONF = conf;
    const label = `device-${process.pid}`;
    const init = spawnSync(
      'softhsm2-util',
      ['--init-token', '--free', '--label', label, '--pin', PIN, '--so-pin', '87654321'],
      { encoding: 'utf8' },
    );
    expect(init.status, init.stderr).toBe(0);
    acme = await makeHierarchy('Acme');
    element = await Pkcs11Element.open({
      modulePath: MODULE,
      tokenLabel: label,
      pin: PIN,
      serialNumber: '0123a1b2c3d4e5f601',
    });
    await provision(element, acme);
    identity = await DeviceIdentity.open(element, { definition: acme.definition });
  });

  afterAll(async () => {
    await element?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('opens the identity and attests with the token key', async () => {
    expect(identity.deviceId).toBe('0123a1b2c3d4e5f601');
    expect(identity.manufacturerId).toBe('acme');
    const { payload, signingInput, signature } = decodeJws(await identity.attest({ nonce: 'n-1', audience: 'svc' }));
    expect(payload.sub).toBe('0123a1b2c3d4e5f601');
    const leafKey = createPublicKey({ key: Buffer.from(identity.chain[0]!.spki), format: 'der', type: 'spki' });
    expect(verify('sha256', Buffer.from(signingInput), { key: leafKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(
      true,
    );
  });

  it('gives tls.connect the chain and the key through the pkcs11 engine, and the handshake succeeds', async () => {
    const modulePathBefore = process.env.PKCS11_MODULE_PATH;
    const options = identity.tlsOptions();
    if (modulePathBefore === undefined || modulePathBefore === '') expect(process.env.PKCS11_MODULE_PATH).toBe(MODULE);
    expect(options.key).toBeUndefined();
    expect(options.privateKeyEngine).toBe(PKCS11_ENGINE_PATH);
    expect(options.privateKeyIdentifier).toBe(
      `pkcs11:token=device-${process.pid};object=keyline-slot-0;type=private?pin-value=${PIN}`,
    );
    const server = serverCertificate();
    const seen: string[] = [];
    const listener = tls.createServer(
      { key: server.keyPem, cert: server.certPem, ca: acme.root.toPem(), requestCert: true, rejectUnauthorized: true },
      (socket) => {
        seen.push(socket.getPeerCertificate().subject.CN as string);
        socket.end('hello token\n');
      },
    );
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    try {
      const socket = tls.connect({
        host: '127.0.0.1',
        port: (listener.address() as AddressInfo).port,
        servername: 'localhost',
        ...identity.tlsOptions({ ca: server.certPem }),
      });
      socket.setEncoding('utf8');
      let data = '';
      socket.on('data', (chunk: string) => (data += chunk));
      await once(socket, 'end');
      socket.destroy();
      expect(data).toBe('hello token\n');
      expect(seen).toEqual([identity.deviceId]);
    } finally {
      listener.close();
    }
  });

  it('names the engine by id when OPENSSL_CONF loads it, and refuses a missing engine', () => {
    const cnf = join(dir, 'detect.cnf');
    writeFileSync(cnf, pkcs11EngineConfig({ modulePath: MODULE }));
    const saved = process.env.OPENSSL_CONF;
    process.env.OPENSSL_CONF = cnf;
    try {
      expect(identity.tlsOptions().privateKeyEngine).toBe('pkcs11');
    } finally {
      if (saved === undefined) delete process.env.OPENSSL_CONF;
      else process.env.OPENSSL_CONF = saved;
    }
    expect(() => identity.tlsOptions({ engine: '/nonexistent/engines-3/pkcs11.so' })).toThrow(
      expect.objectContaining({ code: 'ERR_DEVICE_NO_TLS_KEY' }),
    );
    expect(element.keyUri(0)).toBe(`pkcs11:token=device-${process.pid};object=keyline-slot-0;type=private`);
  });

  it('writes an openssl.cnf that the openssl command line signs with through the engine', () => {
    const cnf = join(dir, 'openssl.cnf');
    writeFileSync(cnf, pkcs11EngineConfig({ modulePath: MODULE }));
    const csr = spawnSync(
      'openssl',
      [
        'req',
        '-new',
        '-engine',
        'pkcs11',
        '-keyform',
        'engine',
        '-key',
        element.keyUri(0, { pin: true }),
        '-subj',
        '/CN=engine-check',
        '-outform',
        'PEM',
      ],
      { encoding: 'utf8', env: { ...process.env, OPENSSL_CONF: cnf } },
    );
    expect(csr.status, csr.stderr).toBe(0);
    const pub = spawnSync('openssl', ['req', '-noout', '-pubkey', '-verify'], { input: csr.stdout, encoding: 'utf8' });
    expect(pub.status, pub.stderr).toBe(0);
    expect(createPublicKey(pub.stdout).export({ format: 'der', type: 'spki' })).toEqual(
      Buffer.from(identity.chain[0]!.spki),
    );
  });
});
