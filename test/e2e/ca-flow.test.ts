import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SERVICES_REQUIRED,
  probePostgres,
  testDatabase,
  type TestDatabase,
} from '../../packages/keyline/test/store/postgres-harness.js';
import { RUN_SOFTHSM, createSoftHsm, type SoftHsm } from '../../packages/keyline/test/keys/support/softhsm.js';

/**
 * The CA's main job through the real binary (issue 3, "What I will check"), on the embedded
 * SQLite default and on PostgreSQL: init → root → manufacturer CA → issuing CA → a device
 * certificate from an OpenSSL-made CSR → OpenSSL verifies the chain → revoke → `keyline crl` →
 * OpenSSL reads the CRL and refuses the certificate with -crl_check → `keyline audit verify`.
 * And the same with every CA key on a SoftHSM2 token (RFC 7512 `pkcs11:` key URIs).
 * Run `npm run build` first: the binary runs the compiled CLI.
 */

const bin = resolve(import.meta.dirname, '../../packages/keyline/bin/keyline.js');
const PASSPHRASE = 'e2e passphrase, long enough';

// The device profile's subject (KECP 6.1): keylineManufacturerId, keylineProductId, serialNumber,
// CN = the chip serial in lower-case hex. OpenSSL learns Keyline's attribute OIDs from oid_section.
const DEVICE_CSR_CONFIG = `oid_section = keyline_oids
[ keyline_oids ]
keylineManufacturerId = 2.25.947284676343922247703881128959199119.2.1
keylineProductId = 2.25.947284676343922247703881128959199119.2.2
[ req ]
distinguished_name = dn
[ dn ]
`;

/** Each step spawns the CLI a few times; a loaded CI machine needs more than the default 30 s. */
const STEP_TIMEOUT = 120_000;

const MANUFACTURER = '00a1b2';
const PRODUCT = 'thermostat';
const DEVICE_ID = '04a1b2c3d4e5f60718';

function openssl(args: readonly string[]): SpawnSyncReturns<string> {
  return spawnSync('openssl', args, { encoding: 'utf8' });
}

interface Engine {
  readonly name: string;
  /** The --db option, or none for the SQLite default. */
  dbArgs(): string[];
  /** The --key option for a new CA (none: a file key in the data directory). */
  keyArgs?(label: string): string[];
  /** Environment the CLI runs with, besides the passphrase. */
  env?(): Record<string, string>;
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
}

const sqlite: Engine = { name: 'SQLite (the embedded default)', dbArgs: () => [] };

const HSM_TOKEN = 'keyline-e2e';
const HSM_PIN = '246810';
let softHsm: SoftHsm | undefined;
const sqliteWithHsm: Engine = {
  name: 'SQLite, CA keys on a SoftHSM2 token',
  dbArgs: () => [],
  // Generated on the token as sensitive, unextractable keys; the user PIN comes from KEYLINE_PKCS11_PIN.
  keyArgs: (label) => ['--key', `pkcs11:token=${HSM_TOKEN};object=${label}?module-path=${softHsm!.module}`],
  env: () => ({ SOFTHSM2_CONF: softHsm!.conf, KEYLINE_PKCS11_PIN: HSM_PIN }),
  async setup() {
    softHsm = createSoftHsm();
    softHsm.initToken(HSM_TOKEN, HSM_PIN);
  },
  async teardown() {
    softHsm?.cleanup();
  },
};

let pgDatabase: TestDatabase | undefined;
const postgres: Engine = {
  name: 'PostgreSQL',
  dbArgs: () => ['--db', pgDatabase!.url],
  async setup() {
    // A fresh, empty database: `keyline init` makes the schema in it.
    pgDatabase = await testDatabase(true);
  },
  async teardown() {
    await pgDatabase?.drop();
  },
};

const pgProbe = await probePostgres();

function flow(engine: Engine): void {
  let work: string;
  let global: string[];
  const ids: { root?: string; manufacturer?: string; issuing?: string; serial?: string } = {};
  const file = (name: string) => join(work, name);
  const key = (label: string) => engine.keyArgs?.(label) ?? [];

  function keyline(...args: string[]): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, [bin, ...global, ...args], {
      encoding: 'utf8',
      env: { ...process.env, KEYLINE_PASSPHRASE: PASSPHRASE, ...engine.env?.() },
    });
  }

  function jsonOf<T>(run: SpawnSyncReturns<string>): T {
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    return JSON.parse(run.stdout) as T;
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'keyline-ca-e2e-'));
    await engine.setup?.();
    global = ['--data', join(work, 'data'), ...engine.dbArgs()];
  });
  afterAll(async () => {
    await engine.teardown?.();
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'init prints the admin token once; a second init is refused (exit 1)',
    () => {
      const init = jsonOf<{ dataDir: string; db: string; adminToken: string }>(keyline('init', '--json'));
      expect(init.adminToken).toMatch(/^kl_/);
      expect(init.dataDir).toBe(join(work, 'data'));
      if (engine === postgres) expect(init.db).toContain(pgDatabase!.name);
      else expect(init.db).toBe(`sqlite:${join(work, 'data', 'keyline.db')}`);
      const again = keyline('init', '--json');
      expect(again.status).toBe(1);
      expect(JSON.parse(again.stdout)).toMatchObject({ ok: false, code: 'ERR_CLI_ALREADY_INITIALISED' });
    },
    STEP_TIMEOUT,
  );

  it(
    'root create → ca create (manufacturer) → ca create (issuing)',
    () => {
      const root = jsonOf<{ id: string; serial: string; certificatePem: string; fingerprint: string }>(
        keyline('root', 'create', '--name', 'Keyline E2E Root', ...key('root'), '--json'),
      );
      expect(root.serial).toMatch(/^[0-9a-f]+$/);
      writeFileSync(file('root.pem'), root.certificatePem);
      // OpenSSL computes the same fingerprint.
      const fingerprint = openssl(['x509', '-in', file('root.pem'), '-noout', '-fingerprint', '-sha256']);
      expect(fingerprint.stdout.replace(/^.*=/, '').trim().replace(/:/g, '').toLowerCase()).toBe(root.fingerprint);
      ids.root = root.id;

      const manufacturer = jsonOf<{ id: string; certificatePem: string }>(
        keyline(
          ...['ca', 'create', '--parent', root.id, '--kind', 'manufacturer', '--manufacturer-id', MANUFACTURER],
          ...['--name', 'E2E Manufacturer CA', ...key('manufacturer'), '--json'],
        ),
      );
      ids.manufacturer = manufacturer.id;
      const issuing = jsonOf<{ id: string; certificatePem: string }>(
        keyline(
          ...['ca', 'create', '--parent', manufacturer.id, '--kind', 'issuing', '--manufacturer-id', MANUFACTURER],
          ...['--product-id', PRODUCT, '--name', 'E2E Issuing CA', ...key('issuing'), '--json'],
        ),
      );
      ids.issuing = issuing.id;
      writeFileSync(file('intermediates.pem'), issuing.certificatePem + manufacturer.certificatePem);

      const list = jsonOf<{ id: string; kind: string; status: string }[]>(keyline('ca', 'list', '--json'));
      expect(list.map((c) => [c.id, c.kind, c.status]).sort()).toEqual(
        [
          [root.id, 'root', 'active'],
          [manufacturer.id, 'manufacturer', 'active'],
          [issuing.id, 'issuing', 'active'],
        ].sort(),
      );
      // Where the CA keys are: files in the data directory, or objects on the token (no file).
      const keyUris = jsonOf<{ keyUri: string }[]>(keyline('ca', 'list', '--json')).map((c) => c.keyUri);
      for (const uri of keyUris)
        expect(uri).toMatch(engine.keyArgs === undefined ? /^file:keys\// : /^pkcs11:token=keyline-e2e;/);
      const keyFiles = readdirSync(join(work, 'data', 'keys')).sort();
      expect(keyFiles).toEqual(
        engine.keyArgs === undefined
          ? ['audit.pem', 'e2e-issuing-ca.pem', 'e2e-manufacturer-ca.pem', 'keyline-e2e-root.pem']
          : ['audit.pem'],
      );
    },
    STEP_TIMEOUT,
  );

  it(
    'issues a device certificate from an OpenSSL-made CSR, and openssl verify accepts the chain',
    () => {
      writeFileSync(file('device.cnf'), DEVICE_CSR_CONFIG);
      const req = openssl([
        ...['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
        ...['-keyout', file('device.key'), '-out', file('device.csr'), '-config', file('device.cnf')],
        ...[
          '-subj',
          `/keylineManufacturerId=${MANUFACTURER}/keylineProductId=${PRODUCT}/serialNumber=TH-0001/CN=${DEVICE_ID}`,
        ],
      ]);
      expect(req.status, req.stderr).toBe(0);

      const issued = jsonOf<{ id: string; serial: string; certificatePem: string; reused: boolean }>(
        keyline(
          'issue',
          '--ca',
          ids.issuing!,
          '--csr',
          file('device.csr'),
          '--request-id',
          'e2e-1',
          '--out',
          file('device.pem'),
          '--json',
        ),
      );
      expect(issued.reused).toBe(false);
      expect(issued.serial).toMatch(/^[0-9a-f]{32}$/);
      expect(readFileSync(file('device.pem'), 'utf8')).toBe(issued.certificatePem);
      ids.serial = issued.serial;

      const again = jsonOf<{ serial: string; reused: boolean }>(
        keyline('issue', '--ca', ids.issuing!, '--csr', file('device.csr'), '--request-id', 'e2e-1', '--json'),
      );
      expect(again).toMatchObject({ serial: issued.serial, reused: true });

      const serialText = openssl(['x509', '-in', file('device.pem'), '-noout', '-serial']);
      expect(serialText.stdout.trim().toLowerCase()).toBe(`serial=${issued.serial}`);
      const verified = openssl([
        ...['verify', '-x509_strict', '-CAfile', file('root.pem'), '-untrusted', file('intermediates.pem')],
        file('device.pem'),
      ]);
      expect(verified.stdout.trim(), verified.stderr).toBe(`${file('device.pem')}: OK`);
      expect(verified.status).toBe(0);

      const list = jsonOf<{ serial: string; deviceId: string; status: string; chipSerial: string | null }[]>(
        keyline('cert', 'list', '--ca', ids.issuing!, '--json'),
      );
      expect(list).toEqual([
        expect.objectContaining({ serial: issued.serial, deviceId: DEVICE_ID, status: 'valid', chipSerial: null }),
      ]);
    },
    STEP_TIMEOUT,
  );

  it(
    'revoke → keyline crl → openssl crl lists it and openssl verify -crl_check refuses the certificate',
    () => {
      const revoked = jsonOf<{ status: string; revocationReason: string }>(
        keyline('revoke', '--ca', ids.issuing!, ids.serial!, '--reason', 'keyCompromise', '--json'),
      );
      expect(revoked).toMatchObject({ status: 'revoked', revocationReason: 'keyCompromise' });

      const crl = jsonOf<{ number: string; entries: number }>(
        keyline('crl', '--ca', ids.issuing!, '--out', file('issuing.crl'), '--json'),
      );
      expect(crl.entries).toBe(1);
      const text = openssl(['crl', '-inform', 'DER', '-in', file('issuing.crl'), '-noout', '-text']);
      expect(text.status, text.stderr).toBe(0);
      expect(text.stdout).toContain(`Serial Number: ${ids.serial!.toUpperCase()}`);
      expect(text.stdout).toContain('Key Compromise');
      expect(text.stdout).toMatch(/X509v3 CRL Number: *\n *1\n/);
      const toPem = openssl(['crl', '-inform', 'DER', '-in', file('issuing.crl'), '-out', file('issuing.crl.pem')]);
      expect(toPem.status).toBe(0);
      // The CRL's signature verifies with the issuing CA's key.
      const signature = openssl([
        'crl',
        '-in',
        file('issuing.crl.pem'),
        '-noout',
        '-CAfile',
        file('intermediates.pem'),
      ]);
      expect(signature.stderr).toMatch(/verify OK/);

      const refused = openssl([
        ...['verify', '-crl_check', '-CAfile', file('root.pem'), '-untrusted', file('intermediates.pem')],
        ...['-CRLfile', file('issuing.crl.pem'), file('device.pem')],
      ]);
      expect(refused.status).not.toBe(0);
      expect(`${refused.stdout}${refused.stderr}`).toContain('certificate revoked');

      const list = jsonOf<{ serial: string; status: string }[]>(
        keyline('cert', 'list', '--ca', ids.issuing!, '--status', 'revoked', '--json'),
      );
      expect(list.map((c) => [c.serial, c.status])).toEqual([[ids.serial, 'revoked']]);
    },
    STEP_TIMEOUT,
  );

  it(
    'the audit log of all that verifies (keyline audit verify exit 0)',
    () => {
      if (!existsSync(resolve(import.meta.dirname, '../../packages/keyline/dist/cli/commands/audit.js'))) {
        throw new Error('keyline audit verify is missing from the build: run npm run build');
      }
      const run = keyline('audit', 'verify', '--json');
      const result = jsonOf<{ ok: boolean; entries: number; signaturesChecked: boolean }>(run);
      expect(result.ok).toBe(true);
      expect(result.signaturesChecked).toBe(true);
      // init and its checkpoint; per CA create, prepare, issue, activate; the device's prepare and issue; revoke; crl.
      expect(result.entries).toBeGreaterThanOrEqual(2 + 3 * 4 + 2 + 1 + 1);
    },
    STEP_TIMEOUT,
  );

  it(
    'bad usage exits 2; unknown CAs and serials exit 1',
    () => {
      const cases: [string[], number][] = [
        [['issue', '--ca', ids.issuing!], 2],
        [['issue', '--ca', ids.issuing!, '--csr', file('missing.csr')], 2],
        [['issue', '--ca', ids.issuing!, '--csr', file('device.key')], 2],
        [['revoke', '--ca', ids.issuing!, ids.serial!, '--reason', 'stolen'], 2],
        [['revoke', '--ca', ids.issuing!, 'not-hex', '--reason', 'superseded'], 2],
        [['cert', 'list', '--limit', 'many'], 2],
        [['ca', 'create', '--parent', ids.root!, '--kind', 'manufacturer', '--name', 'X'], 2],
        [['root', 'create', '--name', 'X', '--curve', 'P-521'], 2],
        [['crl', '--ca', ids.issuing!], 2],
        [['no-such-command'], 2],
        [['revoke', '--ca', ids.issuing!, ids.serial!, '--reason', 'superseded'], 1],
        [['cert', 'show', 'abcdef', '--ca', ids.issuing!], 1],
        [['issue', '--ca', 'ca_unknown', '--csr', file('device.csr')], 1],
      ];
      for (const [args, status] of cases) {
        const run = keyline(...args, '--json');
        expect(run.status, args.join(' ')).toBe(status);
        expect(JSON.parse(run.stdout), args.join(' ')).toMatchObject({ ok: false });
      }
    },
    STEP_TIMEOUT,
  );
}

describe('keyline CA flow through the real binary', () => {
  describe(sqlite.name, () => flow(sqlite));

  if (pgProbe.reachable) {
    describe(postgres.name, () => flow(postgres));
  } else if (SERVICES_REQUIRED) {
    it('PostgreSQL is required (KEYLINE_REQUIRE_SERVICES=1) but unreachable', () => {
      throw new Error(`PostgreSQL unreachable: ${pgProbe.reason}`);
    });
  } else {
    it.skip(`PostgreSQL (unreachable: ${pgProbe.reason})`, () => undefined);
  }

  // createSoftHsm fails when SoftHSM2 is missing and KEYLINE_REQUIRE_SERVICES=1 asked for it.
  if (RUN_SOFTHSM) describe(sqliteWithHsm.name, () => flow(sqliteWithHsm));
  else it.skip('SoftHSM2 (not installed: apt-get install softhsm2)', () => undefined);
});
