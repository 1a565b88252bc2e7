import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's softhsm2 package installs the module (KEYLINE_PKCS11_MODULE overrides). */
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

export const USER_PIN = '123456';

/**
 * A SoftHSM2 of this test file's own: a token directory and a softhsm2.conf in a temporary
 * directory. The keyline package's tests use it too (keys/support/softhsm.ts): one set-up for
 * every package's PKCS#11 tests.
 */
export interface SoftHsm {
  readonly dir: string;
  /** The softhsm2.conf, for a child process's SOFTHSM2_CONF. */
  readonly conf: string;
  readonly module: string;
  /** Initialises a token labelled `label` in the next free slot; returns the label. */
  initToken(label: string, pin?: string, soPin?: string): string;
  /** Removes the token directory (after every element or provider using it is closed). */
  cleanup(): void;
}

let count = 0;

/**
 * Makes the directory and exports SOFTHSM2_CONF to this process. SoftHSM reads it at C_Initialize, so
 * this runs before any element loads the module; the elements of a test file close between tests, so
 * the module is initialised again (and sees new tokens) for the next one.
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
    initToken(label, pin = USER_PIN, soPin = '87654321') {
      const r = spawnSync(
        'softhsm2-util',
        ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', soPin],
        { encoding: 'utf8', env: { ...process.env, SOFTHSM2_CONF: conf } },
      );
      if (r.status !== 0) throw new Error(`softhsm2-util --init-token failed: ${r.stderr}${r.stdout}`);
      return label;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A token label not used before in this process. */
export function freshLabel(prefix = 'se'): string {
  count++;
  return `${prefix}-${process.pid}-${count}`;
}
