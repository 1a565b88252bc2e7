import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fail, KeylineError, type Certificate } from '@keyline/core';
import type { SecureElement } from '@keyline/se';
import { PKCS11_ENGINE_ID, PKCS11_ENGINE_PATH } from './pkcs11-engine.js';

/**
 * Options for `tls.connect`, `https.request`/`https.Agent` and `mqtt.connect` (which hands them to
 * `tls.connect`): the client certificate chain and a way to the element's key.
 */
export interface DeviceTlsOptions {
  /** PEM: the device certificate, then the issuing and manufacturer CA certificates (no root). */
  readonly cert: string;
  /** EMULATOR-ONLY: the emulated identity key in PEM (PKCS#8). Never set for a real element. */
  readonly key?: string;
  /** PKCS#11: OpenSSL's pkcs11 engine, by path (or id, when OPENSSL_CONF loads it). */
  readonly privateKeyEngine?: string;
  /** PKCS#11: the RFC 7512 URI of the identity key, with the PIN (`?pin-value=`): a secret. */
  readonly privateKeyIdentifier?: string;
  /** The CA certificates to trust the server with, when given to `tlsOptions`. */
  readonly ca?: string | string[] | Buffer | Buffer[];
}

/** Options of `DeviceIdentity.tlsOptions`. */
export interface TlsOptionsRequest {
  /** Trust anchors for the server's certificate, passed through as `ca`. */
  readonly ca?: string | string[] | Buffer | Buffer[];
  /** The pkcs11 engine: its path (default `PKCS11_ENGINE_PATH`) or, with OPENSSL_CONF loading it, its id. */
  readonly engine?: string;
}

/** What a `Pkcs11Element` offers beyond `SecureElement` (duck-typed, so the SDK needs no PKCS#11 code). */
interface Pkcs11KeyReference {
  readonly modulePath: string;
  keyUri(slot: number, options: { pin: boolean }): string;
}

/**
 * The engine to name: its id when the process's OPENSSL_CONF already loads the pkcs11 engine
 * (OpenSSL refuses to load it a second time by path), else its path.
 */
function defaultEngine(): string {
  const conf = process.env.OPENSSL_CONF;
  if (conf !== undefined && conf !== '') {
    try {
      if (/^\s*engine_id\s*=\s*pkcs11\s*$/m.test(readFileSync(conf, 'utf8'))) return PKCS11_ENGINE_ID;
    } catch {
      // An unreadable OPENSSL_CONF loads nothing: fall back to the path.
    }
  }
  return PKCS11_ENGINE_PATH;
}

function isPkcs11(element: SecureElement): element is SecureElement & Pkcs11KeyReference {
  const candidate = element as Partial<Pkcs11KeyReference>;
  return typeof candidate.keyUri === 'function' && typeof candidate.modulePath === 'string';
}

/**
 * The TLS client options for the element's identity key:
 * - a PKCS#11 element: OpenSSL's pkcs11 engine signs on the token. The engine is loaded by path and
 *   reads the module from PKCS11_MODULE_PATH, which this sets for the process to the element's
 *   module when it is unset;
 * - an emulated chip with an EMULATOR-ONLY key handle (`emulatorTlsKey` from `@keyline/se/emulator-tls`):
 *   the key in PEM, checked to be the certificate's;
 * - anything else (an emulated chip over its socket, a chip without a key hook): ERR_DEVICE_NO_TLS_KEY.
 */
export function deviceTlsOptions(
  element: SecureElement,
  keySlot: number,
  chain: readonly Certificate[],
  tlsKey: KeyObject | undefined,
  request: TlsOptionsRequest = {},
): DeviceTlsOptions {
  const cert = chain.map((c) => c.toPem()).join('');
  const ca = request.ca === undefined ? {} : { ca: request.ca };
  if (isPkcs11(element)) {
    const engine = request.engine ?? defaultEngine();
    if (engine.startsWith('/')) {
      if (!existsSync(engine)) {
        fail(
          'ERR_DEVICE_NO_TLS_KEY',
          `OpenSSL's pkcs11 engine is not installed at ${engine} (libengine-pkcs11-openssl)`,
        );
      }
      // The engine reads its module from PKCS11_MODULE_PATH when it loads; one set by the caller (for
      // example p11-kit's proxy, which reaches the same token) is left as it is.
      const configured = process.env.PKCS11_MODULE_PATH;
      if (configured === undefined || configured === '') process.env.PKCS11_MODULE_PATH = element.modulePath;
    }
    return { cert, privateKeyEngine: engine, privateKeyIdentifier: element.keyUri(keySlot, { pin: true }), ...ca };
  }
  if (tlsKey !== undefined) {
    if (tlsKey.type !== 'private' || tlsKey.asymmetricKeyType !== 'ec') {
      throw new TypeError('tlsKey must be an EC private KeyObject (emulatorTlsKey)');
    }
    const spki = createPublicKey(tlsKey).export({ format: 'der', type: 'spki' });
    if (Buffer.compare(spki, Buffer.from(chain[0]!.spki)) !== 0) fail('ERR_DEVICE_TLS_KEY_MISMATCH');
    return { cert, key: tlsKey.export({ format: 'pem', type: 'pkcs8' }) as string, ...ca };
  }
  throw new KeylineError(
    'ERR_DEVICE_NO_TLS_KEY',
    'this element gives TLS no way to its key: use a PKCS#11 element, or (emulator only) open the identity with ' +
      "{ tlsKey: await emulatorTlsKey(chip) } from '@keyline/se/emulator-tls'",
  );
}
