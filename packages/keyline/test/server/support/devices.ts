import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { Certificate, encodePem, systemRandom } from '@keyline/core';
import { CLI_ACTOR } from '../../../src/ca/service-port.js';
import type { CertificateAuthority } from '../../../src/ca/index.js';
import type { CaRecord } from '../../../src/ca/records.js';

/**
 * Devices for tests of device verification that need no secure element: a software P-256 key,
 * an IDevID issued by the CA core's factory path (`issueDevices`), and attestation tokens signed
 * exactly as the contract of the device SDK says (compact JWS, ES256, x5c leaf first without the
 * root).
 */
export interface TestDevice {
  readonly deviceId: string;
  readonly privateKey: KeyObject;
  /** Device certificate, issuing CA, manufacturer CA (DER). */
  readonly chain: readonly Uint8Array[];
  readonly certificate: Certificate;
  /** The chain as PEM, for a TLS client's `cert`. */
  readonly chainPem: string;
  readonly keyPem: string;
}

/** Issues a device under `issuing` (whose parent is `manufacturer`). */
export async function issueTestDevice(
  ca: CertificateAuthority,
  issuing: CaRecord,
  manufacturer: CaRecord,
  options: { readonly validityDays?: number } = {},
): Promise<TestDevice> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const chipSerial = systemRandom.bytes(9);
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const [result] = await ca.issueDevices(
    { caId: issuing.id, devices: [{ chipSerial, publicKey: spki, ...options }] },
    CLI_ACTOR,
  );
  const leaf = result!.record.der!;
  const chain = [leaf, issuing.certificateDer!, manufacturer.certificateDer!];
  return {
    deviceId: Buffer.from(chipSerial).toString('hex'),
    privateKey,
    chain,
    certificate: Certificate.fromDer(leaf),
    chainPem: chain.map((der) => encodePem('CERTIFICATE', der)).join(''),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

const b64url = (value: string | Uint8Array): string => Buffer.from(value).toString('base64url');

/** What a test may change in a token. */
export interface TokenOverrides {
  readonly header?: Record<string, unknown>;
  readonly payload?: Record<string, unknown>;
  /** Sign with another key (a token signed by a key other than the certificate's). */
  readonly key?: KeyObject;
}

/** An attestation token of `device` for `nonce` and `audience`, issued at `iat` (seconds). */
export function attestationToken(
  device: TestDevice,
  claims: { readonly nonce: string; readonly audience: string; readonly iat: number },
  overrides: TokenOverrides = {},
): string {
  const header = {
    alg: 'ES256',
    typ: 'keyline-attestation+jwt',
    x5c: device.chain.map((der) => Buffer.from(der).toString('base64')),
    ...overrides.header,
  };
  const payload = {
    iss: device.deviceId,
    sub: device.deviceId,
    aud: claims.audience,
    nonce: claims.nonce,
    iat: claims.iat,
    ...overrides.payload,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = sign('sha256', Buffer.from(input, 'ascii'), {
    key: overrides.key ?? device.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${b64url(signature)}`;
}
