import { knownExtensionName } from '../../x509/extensions/codecs.js';
import { ATTRIBUTE_SHORT_NAMES, OID } from '../../x509/oids.js';
import { KEYLINE_ATTRIBUTE_SHORT_NAMES } from '../oids.js';

const NAMES: Readonly<Record<string, string>> = {
  [OID.ecdsaWithSha256]: 'ecdsa-with-SHA256',
  [OID.ecdsaWithSha384]: 'ecdsa-with-SHA384',
  [OID.ecdsaWithSha512]: 'ecdsa-with-SHA512',
  [OID.ed25519]: 'Ed25519',
  [OID.sha256WithRsa]: 'sha256WithRSAEncryption',
  [OID.sha384WithRsa]: 'sha384WithRSAEncryption',
  [OID.sha512WithRsa]: 'sha512WithRSAEncryption',
  [OID.sha1WithRsa]: 'sha1WithRSAEncryption',
  [OID.ecdsaWithSha1]: 'ecdsa-with-SHA1',
  [OID.rsassaPss]: 'RSASSA-PSS',
  [OID.clientAuth]: 'clientAuth',
  [OID.serverAuth]: 'serverAuth',
  [OID.ocspSigning]: 'OCSPSigning',
  [OID.codeSigning]: 'codeSigning',
  [OID.emailProtection]: 'emailProtection',
  [OID.timeStamping]: 'timeStamping',
  [OID.anyExtendedKeyUsage]: 'anyExtendedKeyUsage',
  [OID.anyPolicy]: 'anyPolicy',
};

/** A readable name for an algorithm or purpose OID in messages (the OID itself when unknown). */
export function algorithmName(oid: string): string {
  return NAMES[oid] ?? oid;
}

const EXTRA_EXTENSION_NAMES: Readonly<Record<string, string>> = {
  [OID.ocspNoCheck]: 'ocspNoCheck',
  [OID.freshestCRL]: 'freshestCRL',
  [OID.issuerAltName]: 'issuerAltName',
};

/** A readable name for an extension OID in messages. */
export function extensionName(oid: string): string {
  return knownExtensionName(oid) ?? EXTRA_EXTENSION_NAMES[oid] ?? oid;
}

/** A readable name for a name attribute type in messages (`CN`, `keylineManufacturerId`, or the OID). */
export function attributeName(oid: string): string {
  return ATTRIBUTE_SHORT_NAMES[oid] ?? KEYLINE_ATTRIBUTE_SHORT_NAMES[oid] ?? oid;
}
