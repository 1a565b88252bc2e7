import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import {
  Certificate,
  KeylineError,
  OID,
  encodeName,
  encodeSpki,
  generateSigner,
  keyIdentifierFromSpki,
  knownExtension,
  parseIpAddress,
  selfSign,
  type Clock,
  type GeneralName,
} from '@keyline/core';

/** The server's TLS identity as files and PEM text, for Fastify's https options. */
export interface ServerTlsFiles {
  readonly keyPath: string;
  readonly certPath: string;
  readonly key: string;
  readonly cert: string;
  /** SHA-256 of the certificate DER, hex: what a client pins or compares. */
  readonly fingerprint: string;
  /** True when this call made a new self-signed certificate. */
  readonly created: boolean;
}

/** A self-signed server certificate lasts a year; a new one is made when it has expired. */
const SELF_SIGNED_DAYS = 365;

/**
 * The TLS identity of `keyline serve --tls`.
 *
 * With `certFile` and `keyFile`, those (PEM) are used: an operator's certificate from a web PKI or
 * an enterprise CA. Otherwise the server uses `<data>/tls/server-cert.pem` and `server-key.pem`,
 * making them on first start: a P-256 key and a SELF-SIGNED certificate for `localhost`,
 * 127.0.0.1, ::1 and the listening host. Why not issue it from the data directory's CA: the
 * ecosystem policy (KECP 5) has no TLS server profile, its CAs exist to certify devices, and
 * their keys may be offline or in an HSM. Clients pin the printed fingerprint or use `-k`/`-CAfile
 * server-cert.pem`. The key file is written with mode 0600, unencrypted (Node's TLS needs it in
 * memory; it protects transport, not certificates).
 */
export async function loadOrCreateServerTls(input: {
  readonly dataDir: string;
  readonly host: string;
  readonly clock: Clock;
  readonly certFile?: string;
  readonly keyFile?: string;
}): Promise<ServerTlsFiles> {
  if (input.certFile !== undefined || input.keyFile !== undefined) {
    if (input.certFile === undefined || input.keyFile === undefined) {
      throw new KeylineError('ERR_SERVER_TLS_FILES', 'give both --tls-cert and --tls-key, or neither');
    }
    return load(input.certFile, input.keyFile, false);
  }
  const dir = join(input.dataDir, 'tls');
  const certPath = join(dir, 'server-cert.pem');
  const keyPath = join(dir, 'server-key.pem');
  if (existsSync(certPath) && existsSync(keyPath)) {
    const loaded = load(certPath, keyPath, false);
    const certificate = Certificate.fromPem(loaded.cert);
    if (certificate.notAfter.getTime() > input.clock.now().getTime()) return loaded;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { cert, key } = await selfSigned(input.host, input.clock.now());
  writeFileSync(keyPath, key, { mode: 0o600 });
  chmodSync(keyPath, 0o600);
  writeFileSync(certPath, cert);
  return { ...load(certPath, keyPath, true) };
}

function load(certPath: string, keyPath: string, created: boolean): ServerTlsFiles {
  let cert: string;
  let key: string;
  try {
    cert = readFileSync(certPath, 'utf8');
    key = readFileSync(keyPath, 'utf8');
  } catch (cause) {
    const code =
      cause instanceof Error && 'code' in cause ? String((cause as NodeJS.ErrnoException).code) : 'unreadable';
    throw new KeylineError('ERR_SERVER_TLS_FILES', `cannot read the TLS certificate or key (${code})`, {
      certPath,
      keyPath,
    });
  }
  let certificate: Certificate;
  try {
    certificate = Certificate.fromPem(cert);
    const fromKey = encodeSpki(createPublicKey(createPrivateKey(key)));
    if (Buffer.compare(fromKey, certificate.spki) !== 0) throw new Error('mismatch');
  } catch {
    throw new KeylineError('ERR_SERVER_TLS_FILES', `${keyPath} is not the key of the certificate in ${certPath}`, {
      certPath,
      keyPath,
    });
  }
  return { certPath, keyPath, cert, key, fingerprint: certificate.fingerprint, created };
}

async function selfSigned(host: string, now: Date): Promise<{ cert: string; key: string }> {
  const signer = generateSigner('P-256');
  const names: GeneralName[] = [
    { type: 'dns', value: 'localhost' },
    { type: 'ip', value: parseIpAddress('127.0.0.1') },
    { type: 'ip', value: parseIpAddress('::1') },
  ];
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  if (!wildcard && host !== 'localhost') {
    const ip = isIP(host) === 0 ? undefined : parseIpAddress(host);
    if (ip === undefined) names.push({ type: 'dns', value: host });
    else if (!names.some((n) => n.type === 'ip' && Buffer.compare(n.value, ip) === 0))
      names.push({ type: 'ip', value: ip });
  }
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  serial[0]! |= 0x01;
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + SELF_SIGNED_DAYS * 86_400_000);
  const certificate = await selfSign(
    {
      serial,
      subject: encodeName([[{ type: OID.commonName, value: 'Keyline server' }]]),
      notBefore,
      notAfter,
      extensions: [
        knownExtension('basicConstraints', { ca: false }, true),
        knownExtension('keyUsage', new Set(['digitalSignature'] as const), true),
        knownExtension('extKeyUsage', [OID.serverAuth]),
        knownExtension('subjectKeyIdentifier', keyIdentifierFromSpki(signer.publicKeySpki)),
        knownExtension('subjectAltName', names),
      ],
    },
    signer,
  );
  const key = signer.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { cert: certificate.toPem(), key };
}
