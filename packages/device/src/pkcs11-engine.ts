import { writeFile } from 'node:fs/promises';

/** Where Debian's libengine-pkcs11-openssl (libp11) installs OpenSSL 3's pkcs11 engine. */
export const PKCS11_ENGINE_PATH = '/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so';
/** The engine id a configuration file gives it (`engine_id = pkcs11`). */
export const PKCS11_ENGINE_ID = 'pkcs11';

/** Options of `pkcs11EngineConfig`. */
export interface Pkcs11EngineConfigOptions {
  /** The PKCS#11 module (e.g. SoftHSM2's `/usr/lib/softhsm/libsofthsm2.so`, or a vendor's). */
  readonly modulePath: string;
  /** The engine shared object. Default `PKCS11_ENGINE_PATH`. */
  readonly enginePath?: string;
}

function checkPath(value: string, name: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || /[\r\n]/.test(value)) {
    throw new TypeError(`${name} must be an absolute path on one line`);
  }
  return value;
}

/**
 * The text of an openssl.cnf that loads the pkcs11 engine with `modulePath`, for processes that
 * take their engines from OPENSSL_CONF: the `openssl` command line (`s_client -engine pkcs11
 * -keyform engine -key <uri>`), Mosquitto's clients, curl, and Node itself (which reads the
 * `nodejs_conf` section; with this file loaded, pass `privateKeyEngine: 'pkcs11'`, the id, not the
 * path). `DeviceIdentity.tlsOptions` does not need it: it loads the engine by path and points it
 * at the module with PKCS11_MODULE_PATH.
 */
export function pkcs11EngineConfig(options: Pkcs11EngineConfigOptions): string {
  const modulePath = checkPath(options.modulePath, 'modulePath');
  const enginePath = checkPath(options.enginePath ?? PKCS11_ENGINE_PATH, 'enginePath');
  return [
    "# Loads OpenSSL's pkcs11 engine (libp11) for a Keyline device key on a PKCS#11 token.",
    'openssl_conf = keyline_openssl_init',
    'nodejs_conf = keyline_openssl_init',
    '',
    '[keyline_openssl_init]',
    'engines = keyline_engines',
    '',
    '[keyline_engines]',
    `${PKCS11_ENGINE_ID} = keyline_pkcs11`,
    '',
    '[keyline_pkcs11]',
    `engine_id = ${PKCS11_ENGINE_ID}`,
    `dynamic_path = ${enginePath}`,
    `MODULE_PATH = ${modulePath}`,
    'init = 0',
    '',
  ].join('\n');
}

/** Writes `pkcs11EngineConfig(options)` to `file` (mode 0644) and returns the environment that selects it. */
export async function writePkcs11EngineConfig(
  file: string,
  options: Pkcs11EngineConfigOptions,
): Promise<{ readonly OPENSSL_CONF: string }> {
  await writeFile(file, pkcs11EngineConfig(options), { mode: 0o644 });
  return { OPENSSL_CONF: file };
}
