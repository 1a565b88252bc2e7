import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's softhsm2 package installs the module. */
export const SOFTHSM_MODULE = process.env.KEYLINE_PKCS11_MODULE || '/usr/lib/softhsm/libsofthsm2.so';

/** CI sets KEYLINE_REQUIRE_SERVICES=1: then a missing SoftHSM2 fails the tests instead of skipping them. */
export const REQUIRE_SERVICES = process.env.KEYLINE_REQUIRE_SERVICES === '1';

/** Whether SoftHSM2 (softhsm2-util and its module) is installed here. */
export function softHsmAvailable(): boolean {
  const util = spawnSync('softhsm2-util', ['--version'], { encoding: 'utf8' });
  return util.status === 0 && existsSync(SOFTHSM_MODULE);
}

/** Run the PKCS#11 suites when SoftHSM2 is present, or when CI requires it (then they fail without it). */
export const RUN_SOFTHSM = REQUIRE_SERVICES || softHsmAvailable();

export interface SoftHsm {
  readonly dir: string;
  readonly conf: string;
  readonly module: string;
  /** Initialises a token in the next free slot. */
  initToken(label: string, pin: string, soPin?: string): void;
  /** Removes the token directory (after every provider using it is closed). */
  cleanup(): void;
}

/**
 * A SoftHSM2 of this test run's own: a token directory and a SOFTHSM2_CONF in a temporary
 * directory, exported to this process (SoftHSM reads it at C_Initialize, so set it before the
 * first provider opens a pkcs11: key, and close every provider before the next test file sets
 * another).
 */
export function createSoftHsm(): SoftHsm {
  if (!softHsmAvailable()) {
    throw new Error(
      'SoftHSM2 is not installed (apt-get install softhsm2); KEYLINE_REQUIRE_SERVICES=1 makes that a failure',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'keyline-softhsm-'));
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env.SOFTHSM2_CONF = conf;
  return {
    dir,
    conf,
    module: SOFTHSM_MODULE,
    initToken(label, pin, soPin = '87654321') {
      const r = spawnSync(
        'softhsm2-util',
        ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', soPin],
        { encoding: 'utf8', env: { ...process.env, SOFTHSM2_CONF: conf } },
      );
      if (r.status !== 0) throw new Error(`softhsm2-util --init-token failed: ${r.stderr}${r.stdout}`);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
