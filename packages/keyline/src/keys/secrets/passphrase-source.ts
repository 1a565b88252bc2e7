import { readFileSync, statSync } from 'node:fs';
import { KeylineError, fail, isKeylineError, type ErrorCode } from '@keyline/core';
import { ttySecretPrompt, type SecretPrompt } from './tty-prompt.js';

/** What a secret unlocks: a software key's passphrase or a PKCS#11 token's user PIN. */
export type SecretKind = 'passphrase' | 'pin';

export interface SecretRequest {
  readonly kind: SecretKind;
  /** `create`: for a new key (a prompt asks twice); `open`: for an existing one. */
  readonly purpose: 'create' | 'open';
  /** What it is for, as a prompt shows it: the key URI (never with a PIN) or the token label. */
  readonly subject: string;
}

/**
 * Where passphrases and PINs come from. Resolves with the secret's octets (the caller zeroes them
 * after use) or throws ERR_KEY_NO_PASSPHRASE / ERR_KEY_NO_PIN when none is available.
 */
export type PassphraseSource = (request: SecretRequest) => Promise<Buffer>;

export type Env = Readonly<Record<string, string | undefined>>;

/** The environment variables the CLI reads secrets from. */
export const PASSPHRASE_ENV = 'KEYLINE_PASSPHRASE';
export const PIN_ENV = 'KEYLINE_PKCS11_PIN';

/** A secret file larger than this is not a passphrase (and is not read whole into memory). */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

export interface PassphraseOptions {
  /** `--passphrase-file`: the first source of a passphrase. */
  readonly passphraseFile?: string;
  /** A file holding the token PIN: the first source of a PIN when the key URI has none. */
  readonly pinFile?: string;
  /** Environment: KEYLINE_PASSPHRASE, then KEYLINE_PKCS11_PIN for PINs. */
  readonly env: Env;
  /**
   * Last resort. Default: a no-echo prompt on the terminal, only when stdin is a TTY.
   * `false`: never prompt.
   */
  readonly prompt?: SecretPrompt | false;
}

function missingCode(kind: SecretKind): ErrorCode {
  return kind === 'pin' ? 'ERR_KEY_NO_PIN' : 'ERR_KEY_NO_PASSPHRASE';
}

/**
 * The sources the CLI offers, in order: for a passphrase `passphraseFile`, then KEYLINE_PASSPHRASE,
 * then a prompt; for a PIN `pinFile`, then KEYLINE_PKCS11_PIN, then a prompt. An empty variable
 * counts as unset. A prompt for a new key's passphrase asks twice and refuses a mismatch.
 */
export function passphraseFromOptions(options: PassphraseOptions): PassphraseSource {
  return async (request) => {
    const file = request.kind === 'pin' ? options.pinFile : options.passphraseFile;
    if (file !== undefined) return readSecretFile(file, request.kind);
    const fromEnv = options.env[request.kind === 'pin' ? PIN_ENV : PASSPHRASE_ENV];
    if (fromEnv !== undefined && fromEnv !== '') return Buffer.from(fromEnv, 'utf8');
    const prompt =
      options.prompt === false ? undefined : (options.prompt ?? ttySecretPrompt(process.stdin, process.stderr));
    if (prompt === undefined) return fail(missingCode(request.kind));
    return promptFor(prompt, request);
  };
}

async function promptFor(prompt: SecretPrompt, request: SecretRequest): Promise<Buffer> {
  const name = request.kind === 'pin' ? 'PIN' : 'Passphrase';
  const what = request.kind === 'pin' ? `token ${request.subject}` : request.subject;
  const first = await prompt(`${name} for ${what}: `);
  if (first === '') fail(missingCode(request.kind), `no ${name.toLowerCase()} was typed`);
  if (request.kind === 'passphrase' && request.purpose === 'create') {
    const again = await prompt('Repeat the passphrase: ');
    if (again !== first) fail('ERR_KEY_NO_PASSPHRASE', 'the two passphrases differ: nothing was created');
  }
  return Buffer.from(first, 'utf8');
}

/**
 * A secret kept in a file: its octets without one trailing newline (LF or CRLF), as `echo` and
 * editors leave it. A missing, unreadable, oversized or empty file is ERR_KEY_NO_PASSPHRASE /
 * ERR_KEY_NO_PIN naming the file.
 */
export function readSecretFile(path: string, kind: SecretKind = 'passphrase'): Buffer {
  const code = missingCode(kind);
  let data: Buffer;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return fail(code, `${kind} file ${path} is not a regular file`);
    if (stat.size > MAX_SECRET_FILE_BYTES) {
      return fail(code, `${kind} file ${path} is larger than ${MAX_SECRET_FILE_BYTES} bytes`);
    }
    data = readFileSync(path);
  } catch (error) {
    if (isKeylineError(error)) throw error;
    return fail(code, `${kind} file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let end = data.length;
  if (end > 0 && data[end - 1] === 0x0a) end--;
  if (end > 0 && data[end - 1] === 0x0d && end < data.length) end--;
  if (end === 0) fail(code, `${kind} file ${path} is empty`);
  const secret = Buffer.from(data.subarray(0, end));
  data.fill(0);
  return secret;
}

/**
 * A fixed secret of one kind (tests, and callers that hold the secret already): it answers requests
 * of `kind` with a fresh copy each time and refuses the other kind (ERR_KEY_NO_PIN /
 * ERR_KEY_NO_PASSPHRASE), so a passphrase is never sent to a token as a PIN.
 */
export function staticPassphrase(secret: string | Uint8Array, kind: SecretKind = 'passphrase'): PassphraseSource {
  const bytes = Buffer.from(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
  if (bytes.length === 0) throw new TypeError('staticPassphrase needs a non-empty secret');
  return (request) =>
    request.kind === kind
      ? Promise.resolve(Buffer.from(bytes))
      : Promise.reject(new KeylineError(missingCode(request.kind)));
}
