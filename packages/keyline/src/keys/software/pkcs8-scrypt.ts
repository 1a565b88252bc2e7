import { createCipheriv, scrypt as scryptCallback, type BinaryLike, type ScryptOptions } from 'node:crypto';
import {
  DerCursor,
  Tag,
  der,
  encodePem,
  fail,
  KeylineError,
  isKeylineError,
  parseDer,
  readOid,
  systemRandom,
  type RandomSource,
} from '@keyline/core';

// RFC 8018 A.4 (PBES2), RFC 7914 7 (scrypt as a PBES2 key derivation function), RFC 8018 B.2.5 / NIST
// CSOR (AES-256 in CBC mode, its IV as the parameters).
const OID_PBES2 = '1.2.840.113549.1.5.13';
const OID_SCRYPT = '1.3.6.1.4.1.11591.4.11';
const OID_AES256_CBC = '2.16.840.1.101.3.4.1.42';

/**
 * The scrypt cost Keyline writes: N = 2^14, r = 8, p = 1 (RFC 7914 2 discusses the parameters;
 * these are the scrypt paper's interactive setting and what `openssl pkcs8 -scrypt` writes). 16 MiB
 * of memory per attempt, about 50 ms: cheap for an operator, expensive for a guesser. OpenSSL 3
 * refuses to decrypt with more than 32 MiB (its default scrypt maxmem), so N = 2^15 would lock the
 * key out of OpenSSL.
 */
export const SCRYPT_PARAMS = Object.freeze({ N: 16_384, r: 8, p: 1 });
const SALT_BYTES = 16;
const KEY_BYTES = 32;
const IV_BYTES = 16;

export const ENCRYPTED_PRIVATE_KEY_LABEL = 'ENCRYPTED PRIVATE KEY';

function scrypt(passphrase: BinaryLike, salt: BinaryLike, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(passphrase, salt, length, options, (error, key) => (error === null ? resolve(key) : reject(error)));
  });
}

/**
 * Encrypts a DER PrivateKeyInfo (RFC 5958 2) into an EncryptedPrivateKeyInfo (RFC 5958 3) under
 * PBES2 with scrypt and AES-256-CBC, as PEM ("ENCRYPTED PRIVATE KEY", RFC 7468 11).
 *
 * Why not `KeyObject.export({ cipher, passphrase })`: Node gives no choice of key derivation, and
 * OpenSSL 3 then writes PBES2 with PBKDF2-HMAC-SHA256 at 2048 iterations and an 8-octet salt, which a
 * GPU tries quickly. Decryption stays with OpenSSL (`crypto.createPrivateKey`), which reads both.
 */
export async function encryptPrivateKeyInfo(
  privateKeyInfo: Uint8Array,
  passphrase: Uint8Array,
  random: RandomSource = systemRandom,
): Promise<string> {
  const salt = random.bytes(SALT_BYTES);
  const iv = random.bytes(IV_BYTES);
  const key = await scrypt(passphrase, salt, KEY_BYTES, { ...SCRYPT_PARAMS, maxmem: 64 * 1024 * 1024 });
  try {
    const cipher = createCipheriv('aes-256-cbc', key, iv); // PKCS#7 padding, RFC 8018 6.1.1 step 4
    const encrypted = Buffer.concat([cipher.update(privateKeyInfo), cipher.final()]);
    // scrypt-params (RFC 7914 7.1): keyLength is optional and left out (AES-256 fixes it).
    const kdf = der.seq(
      der.oid(OID_SCRYPT),
      der.seq(der.octets(salt), der.int(SCRYPT_PARAMS.N), der.int(SCRYPT_PARAMS.r), der.int(SCRYPT_PARAMS.p)),
    );
    const scheme = der.seq(der.oid(OID_AES256_CBC), der.octets(iv));
    const info = der.seq(der.seq(der.oid(OID_PBES2), der.seq(kdf, scheme)), der.octets(encrypted));
    return encodePem(ENCRYPTED_PRIVATE_KEY_LABEL, info);
  } finally {
    key.fill(0);
  }
}

/**
 * Checks that `info` is a well-formed EncryptedPrivateKeyInfo under PBES2 (RFC 5958 3, RFC 8018
 * A.4) before it is decrypted, so a decryption failure afterwards means the passphrase and nothing
 * else. A malformed structure or a PBES1 scheme is ERR_KEY_FILE_INVALID.
 */
export function checkEncryptedPrivateKeyInfo(info: Uint8Array): void {
  try {
    const top = parseDer(info);
    if (top.tag !== Tag.SEQUENCE) fail('ERR_KEY_FILE_INVALID', 'the key is not an EncryptedPrivateKeyInfo');
    const outer = DerCursor.inside(info, top, 'EncryptedPrivateKeyInfo');
    const algorithm = DerCursor.inside(info, outer.expect(Tag.SEQUENCE, 'encryptionAlgorithm'), 'encryptionAlgorithm');
    const oid = readOid(info, algorithm.expect(Tag.OID, 'algorithm'));
    if (oid !== OID_PBES2) fail('ERR_KEY_FILE_INVALID', `the key is encrypted with ${oid}, not PBES2 (RFC 8018 6.2)`);
    algorithm.expect(Tag.SEQUENCE, 'PBES2-params');
    algorithm.finish();
    outer.expect(Tag.OCTET_STRING, 'encryptedData');
    outer.finish();
  } catch (error) {
    if (isKeylineError(error) && error.code !== 'ERR_KEY_FILE_INVALID') {
      throw new KeylineError('ERR_KEY_FILE_INVALID', `the key file is malformed: ${error.message}`);
    }
    throw error;
  }
}
