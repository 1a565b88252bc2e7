import { seededRandom } from '@keyline/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../src/ca/index.js';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import { createKeyProvider, staticPassphrase } from '../../src/keys/index.js';
import { RUN_SOFTHSM, createSoftHsm } from '../keys/support/softhsm.js';
import { ocspStatus } from './support/ocsp.js';
import { deviceCsr } from './support/hierarchy.js';
import { manualClock } from './support/clock.js';
import { OpensslDir } from './support/openssl.js';
import { sqliteStore } from './support/store.js';

/** The CA over keys/'s real backends: encrypted key files, and a SoftHSM2 token. */
describe('the CA with real key backends', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('issues with encrypted file keys, and again after a restart that opens them from disk', async () => {
    const { store, dir, dispose } = await sqliteStore();
    cleanups.push(dispose);
    const clock = manualClock(new Date());
    const keys = createKeyProvider({ dataDir: dir, passphrase: staticPassphrase('correct horse battery staple') });
    const ca = createCertificateAuthority({ store, keys, clock, random: seededRandom(11) });
    const root = await ca.createRoot({ name: 'File Root' }, CLI_ACTOR);
    expect(root.keyUri).toMatch(/^file:/);
    const mfr = await ca.createCa(
      { parentId: root.id, name: 'File Mfr', kind: 'manufacturer', manufacturerId: 'acme' },
      CLI_ACTOR,
    );
    const line = await ca.createCa(
      { parentId: mfr.id, name: 'File Line', kind: 'issuing', manufacturerId: 'acme', productId: 'p' },
      CLI_ACTOR,
    );
    await ca.issue({ caId: line.id, csrDer: await deviceCsr('0badc0de'), profile: 'device' }, CLI_ACTOR);
    ca.close();
    await keys.close();

    const reopened = createKeyProvider({ dataDir: dir, passphrase: staticPassphrase('correct horse battery staple') });
    cleanups.push(() => reopened.close());
    const again = createCertificateAuthority({ store, keys: reopened, clock, random: seededRandom(12) });
    const { record } = await again.issue(
      { caId: line.id, csrDer: await deviceCsr('0badc0df'), profile: 'device' },
      CLI_ACTOR,
    );
    await again.revoke({ caId: line.id, serialHex: record.serialHex, reason: 'keyCompromise' }, CLI_ACTOR);
    expect((await ocspStatus(again, line, record.serialHex)).status).toBe('revoked');
    const ossl = new OpensslDir();
    cleanups.push(() => ossl.dispose());
    ossl.writePem('root.pem', 'CERTIFICATE', root.certificateDer!);
    ossl.writePem('chain.pem', 'CERTIFICATE', line.certificateDer!, mfr.certificateDer!);
    ossl.writePem('dev.pem', 'CERTIFICATE', record.der!);
    expect(ossl.run('verify', '-CAfile', 'root.pem', '-untrusted', 'chain.pem', 'dev.pem').trim()).toBe('dev.pem: OK');
    again.close();
  });

  it.runIf(RUN_SOFTHSM)('issues with CA keys made on a SoftHSM2 token', async () => {
    const hsm = createSoftHsm();
    cleanups.push(() => hsm.cleanup());
    hsm.initToken('keyline-ca', '12345678');
    const { store, dir, dispose } = await sqliteStore();
    cleanups.push(dispose);
    const keys = createKeyProvider({
      dataDir: dir,
      // The OCSP signer's key has no URI, so it is a file key under this passphrase.
      passphrase: staticPassphrase('ocsp signer passphrase'),
      pin: staticPassphrase('12345678', 'pin'),
      pkcs11Module: hsm.module,
    });
    const clock = manualClock(new Date());
    const ca = createCertificateAuthority({ store, keys, clock, random: seededRandom(13) });
    try {
      const root = await ca.createRoot({ name: 'HSM Root', keyUri: 'pkcs11:token=keyline-ca;object=root' }, CLI_ACTOR);
      const mfr = await ca.createCa(
        {
          parentId: root.id,
          name: 'HSM Mfr',
          kind: 'manufacturer',
          manufacturerId: 'acme',
          keyUri: 'pkcs11:token=keyline-ca;object=mfr',
        },
        CLI_ACTOR,
      );
      const line = await ca.createCa(
        {
          parentId: mfr.id,
          name: 'HSM Line',
          kind: 'issuing',
          manufacturerId: 'acme',
          productId: 'p',
          keyUri: 'pkcs11:token=keyline-ca;object=line',
        },
        CLI_ACTOR,
      );
      const { record } = await ca.issue(
        { caId: line.id, csrDer: await deviceCsr('c0ffee00'), profile: 'device' },
        CLI_ACTOR,
      );
      const crl = await ca.generateCrl({ caId: line.id }, CLI_ACTOR);
      const ossl = new OpensslDir();
      cleanups.push(() => ossl.dispose());
      ossl.writePem('root.pem', 'CERTIFICATE', root.certificateDer!);
      ossl.writePem('chain.pem', 'CERTIFICATE', line.certificateDer!, mfr.certificateDer!);
      ossl.writePem('dev.pem', 'CERTIFICATE', record.der!);
      ossl.writePem('crl.pem', 'X509 CRL', crl.der);
      expect(
        ossl
          .run(
            'verify',
            '-crl_check',
            '-CRLfile',
            'crl.pem',
            '-CAfile',
            'root.pem',
            '-untrusted',
            'chain.pem',
            'dev.pem',
          )
          .trim(),
      ).toBe('dev.pem: OK');
      expect((await ocspStatus(ca, line, record.serialHex)).status).toBe('good');
    } finally {
      ca.close();
      await keys.close();
    }
  });
});
