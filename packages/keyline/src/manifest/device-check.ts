import {
  Certificate,
  KeylineError,
  OID,
  decodeSubjectAltName,
  isKeylineError,
  verifyChainSync,
  type CertificateInput,
} from '@keyline/core';
import type { DeviceEntry } from './format.js';
import { jwkFromSpki, sameJwk } from './jwk.js';

/** OID of the RFC 4108 hardwareModuleName otherName. */
const ID_ON_HARDWARE_MODULE_NAME = '1.3.6.1.5.5.7.8.4';

function reason(error: unknown): string {
  return isKeylineError(error) ? `${error.code}: ${error.message}` : String(error);
}

/**
 * Validates the header's issuer chain against the trust root once (RFC 5280 path validation at
 * `time`) and returns the issuing CA: each device certificate is then validated against it as a
 * trust anchor, one signature per device instead of a whole path.
 */
export function validateIssuerChain(
  issuerChain: readonly Uint8Array[],
  trustRoot: CertificateInput | readonly CertificateInput[],
  time: Date,
): Certificate {
  let chain: Certificate[];
  try {
    chain = issuerChain.map((der) => Certificate.fromDer(der));
  } catch (error) {
    throw new KeylineError('ERR_MANIFEST_HEADER_INVALID', `an issuer certificate does not decode (${reason(error)})`);
  }
  const [issuing, ...above] = chain;
  if (issuing === undefined) throw new KeylineError('ERR_MANIFEST_HEADER_INVALID', 'the issuer chain is empty');
  const result = verifyChainSync({ leaf: issuing, intermediates: above, trustAnchors: trustRoot, time });
  if (!result.ok) {
    throw new KeylineError(
      'ERR_MANIFEST_HEADER_INVALID',
      `the issuing CA does not chain to the trust root (${result.code}: ${result.message})`,
    );
  }
  return issuing;
}

function commonNameOf(certificate: Certificate): string | undefined {
  for (const rdn of certificate.subject.rdns) for (const a of rdn) if (a.type === OID.commonName) return a.value;
  return undefined;
}

function hardwareSerialOf(certificate: Certificate): Uint8Array | undefined {
  const san = certificate.extension(OID.subjectAltName);
  if (san === undefined) return undefined;
  for (const name of decodeSubjectAltName(san.value)) {
    if (name.type === 'otherName' && name.typeId === ID_ON_HARDWARE_MODULE_NAME)
      return name.hardwareModuleName?.hwSerialNum;
  }
  return undefined;
}

/**
 * Checks one entry against its certificate: the certificate is issued by `issuing` and valid at
 * `time`; its commonName is the device id (KECP 6.1); its hardwareModuleName's hwSerialNum is the
 * chip serial (RFC 4108 5); its key is the entry's JWK. Throws ERR_MANIFEST_DEVICE_CERTIFICATE or
 * ERR_MANIFEST_DEVICE_MISMATCH.
 */
export function checkDeviceEntry(entry: DeviceEntry, issuing: Certificate, time: Date): void {
  let certificate: Certificate;
  try {
    certificate = Certificate.fromDer(entry.certificate);
  } catch (error) {
    throw new KeylineError('ERR_MANIFEST_DEVICE_CERTIFICATE', `the certificate does not decode (${reason(error)})`);
  }
  const result = verifyChainSync({ leaf: certificate, trustAnchors: issuing, time });
  if (!result.ok) {
    throw new KeylineError(
      'ERR_MANIFEST_DEVICE_CERTIFICATE',
      `the certificate is not valid under the issuing CA (${result.code}: ${result.message})`,
    );
  }
  if (commonNameOf(certificate) !== entry.deviceId) {
    throw new KeylineError('ERR_MANIFEST_DEVICE_MISMATCH', "the device id is not the certificate's commonName");
  }
  let hwSerial: Uint8Array | undefined;
  try {
    hwSerial = hardwareSerialOf(certificate);
  } catch (error) {
    throw new KeylineError('ERR_MANIFEST_DEVICE_CERTIFICATE', `the subjectAltName does not decode (${reason(error)})`);
  }
  if (hwSerial === undefined || !Buffer.from(hwSerial).equals(Buffer.from(entry.chipSerial))) {
    throw new KeylineError('ERR_MANIFEST_DEVICE_MISMATCH', "the chip serial is not the certificate's hwSerialNum");
  }
  if (!sameJwk(jwkFromSpki(certificate.spki), entry.publicKey)) {
    throw new KeylineError('ERR_MANIFEST_DEVICE_MISMATCH', "the public key is not the certificate's key");
  }
}
