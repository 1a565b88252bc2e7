/**
 * keys/ — the `Signer` backends of the CA: encrypted software keys (`file:`) and PKCS#11 tokens
 * (`pkcs11:`, RFC 7512), behind the `KeyProvider` port of ca/service-port.ts.
 */
export {
  DEFAULT_PKCS11_MODULE,
  PKCS11_MODULE_ENV,
  createKeyProvider,
  type ClosableKeyProvider,
  type KeyProviderOptions,
} from './key-provider.js';
export type { KeyBackend, KeySigner } from './key-signer.js';
export { MAX_SIGNING_THREADS, createSigningPool, type SigningPool } from './pool/signing-pool.js';
export {
  MAX_SECRET_FILE_BYTES,
  PASSPHRASE_ENV,
  PIN_ENV,
  passphraseFromOptions,
  readSecretFile,
  staticPassphrase,
  type Env,
  type PassphraseOptions,
  type PassphraseSource,
  type SecretKind,
  type SecretRequest,
} from './secrets/passphrase-source.js';
export { ttySecretPrompt, type PromptInput, type PromptOutput, type SecretPrompt } from './secrets/tty-prompt.js';
export { SCRYPT_PARAMS } from './software/pkcs8-scrypt.js';
export { KEY_FILE_MODE } from './software/file-keys.js';
export { fileKeyPath, formatFileKeyUri, type FileKeyUri } from './uri/file-uri.js';
export { formatKeyUri, parseKeyUri, type KeyUri } from './uri/key-uri.js';
export {
  MAX_KEY_URI_LENGTH,
  formatPkcs11KeyUri,
  type FormatPkcs11Options,
  type Pkcs11KeyUri,
  type Pkcs11ObjectType,
} from './uri/pkcs11-uri.js';
