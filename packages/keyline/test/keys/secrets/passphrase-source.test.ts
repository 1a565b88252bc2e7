import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { isKeylineError, type ErrorCode } from '@keyline/core';
import {
  MAX_SECRET_FILE_BYTES,
  passphraseFromOptions,
  readSecretFile,
  staticPassphrase,
  type SecretRequest,
} from '../../../src/keys/secrets/passphrase-source.js';
import { ttySecretPrompt, type SecretPrompt } from '../../../src/keys/secrets/tty-prompt.js';

const dir = mkdtempSync(join(tmpdir(), 'keyline-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const OPEN: SecretRequest = { kind: 'passphrase', purpose: 'open', subject: 'file:keys/root.pem' };
const CREATE: SecretRequest = { kind: 'passphrase', purpose: 'create', subject: 'file:keys/root.pem' };
const PIN: SecretRequest = { kind: 'pin', purpose: 'open', subject: 'keyline' };

async function code(promise: Promise<unknown>): Promise<ErrorCode> {
  try {
    await promise;
  } catch (error) {
    if (isKeylineError(error)) return error.code;
    throw error;
  }
  throw new Error('resolved');
}

function scripted(...answers: string[]): SecretPrompt & { messages: string[] } {
  const messages: string[] = [];
  const prompt = (message: string): Promise<string> => {
    messages.push(message);
    return Promise.resolve(answers.shift() ?? '');
  };
  return Object.assign(prompt, { messages });
}

describe('passphraseFromOptions', () => {
  it('takes --passphrase-file first, then KEYLINE_PASSPHRASE, then the prompt', async () => {
    const env = { KEYLINE_PASSPHRASE: 'from-env-123' };
    const prompt = scripted('typed-passphrase');
    const withFile = passphraseFromOptions({ passphraseFile: file('pw', 'from-file-123\n'), env, prompt });
    expect((await withFile(OPEN)).toString()).toBe('from-file-123');
    expect((await passphraseFromOptions({ env, prompt })(OPEN)).toString()).toBe('from-env-123');
    expect((await passphraseFromOptions({ env: { KEYLINE_PASSPHRASE: '' }, prompt })(OPEN)).toString()).toBe(
      'typed-passphrase',
    );
    expect(prompt.messages).toEqual(['Passphrase for file:keys/root.pem: ']);
  });

  it('answers PIN requests from pinFile, then KEYLINE_PKCS11_PIN, never from the passphrase', async () => {
    const env = { KEYLINE_PASSPHRASE: 'passphrase', KEYLINE_PKCS11_PIN: '4321' };
    expect((await passphraseFromOptions({ env, prompt: false })(PIN)).toString()).toBe('4321');
    expect(
      (await passphraseFromOptions({ env, pinFile: file('pin', '9999\r\n'), prompt: false })(PIN)).toString(),
    ).toBe('9999');
    const prompt = scripted('1111');
    expect((await passphraseFromOptions({ env: { KEYLINE_PASSPHRASE: 'x' }, prompt })(PIN)).toString()).toBe('1111');
    expect(prompt.messages).toEqual(['PIN for token keyline: ']);
    expect(await code(passphraseFromOptions({ env: { KEYLINE_PASSPHRASE: 'x' }, prompt: false })(PIN))).toBe(
      'ERR_KEY_NO_PIN',
    );
  });

  it('asks twice for a new key and refuses two different answers', async () => {
    const same = scripted('correct horse', 'correct horse');
    expect((await passphraseFromOptions({ env: {}, prompt: same })(CREATE)).toString()).toBe('correct horse');
    expect(same.messages).toHaveLength(2);
    const differ = scripted('correct horse', 'correct hose');
    expect(await code(passphraseFromOptions({ env: {}, prompt: differ })(CREATE))).toBe('ERR_KEY_NO_PASSPHRASE');
    expect(await code(passphraseFromOptions({ env: {}, prompt: scripted('') })(OPEN))).toBe('ERR_KEY_NO_PASSPHRASE');
  });

  it('without a file, a variable or a terminal, there is no passphrase', async () => {
    expect(await code(passphraseFromOptions({ env: {}, prompt: false })(OPEN))).toBe('ERR_KEY_NO_PASSPHRASE');
    // Under vitest stdin is not a TTY, so the default prompt is not offered either.
    expect(process.stdin.isTTY).not.toBe(true);
    expect(await code(passphraseFromOptions({ env: {} })(OPEN))).toBe('ERR_KEY_NO_PASSPHRASE');
  });

  it('a named file that cannot serve is an error, not a fall-through to the environment', async () => {
    const env = { KEYLINE_PASSPHRASE: 'from-env-123' };
    expect(await code(passphraseFromOptions({ passphraseFile: join(dir, 'absent'), env })(OPEN))).toBe(
      'ERR_KEY_NO_PASSPHRASE',
    );
    expect(await code(passphraseFromOptions({ passphraseFile: file('empty', '\n'), env })(OPEN))).toBe(
      'ERR_KEY_NO_PASSPHRASE',
    );
    expect(await code(passphraseFromOptions({ passphraseFile: dir, env })(OPEN))).toBe('ERR_KEY_NO_PASSPHRASE');
  });
});

describe('readSecretFile', () => {
  it('strips exactly one trailing LF or CRLF and keeps everything else', () => {
    expect(readSecretFile(file('a', 'pass word \n')).toString()).toBe('pass word ');
    expect(readSecretFile(file('b', 'pass\r\n')).toString()).toBe('pass');
    expect(readSecretFile(file('c', 'pass\n\n')).toString()).toBe('pass\n');
    expect(readSecretFile(file('d', 'pass')).toString()).toBe('pass');
    expect(readSecretFile(file('e', 'pass\r')).toString()).toBe('pass\r');
    expect(Buffer.compare(readSecretFile(file('f', Buffer.from([0xff, 0x00, 0x01]))), Buffer.from([0xff, 0, 1]))).toBe(
      0,
    );
  });

  it('refuses an oversized file', () => {
    const path = file('big', Buffer.alloc(MAX_SECRET_FILE_BYTES + 1, 0x61));
    expect(() => readSecretFile(path)).toThrow(/larger than/);
    expect(() => readSecretFile(path, 'pin')).toThrow(expect.objectContaining({ code: 'ERR_KEY_NO_PIN' }));
  });
});

describe('staticPassphrase', () => {
  it('hands out a fresh copy each time (callers zero theirs)', async () => {
    const source = staticPassphrase('secret-secret');
    const first = await source(OPEN);
    first.fill(0);
    expect((await source(OPEN)).toString()).toBe('secret-secret');
    expect(() => staticPassphrase('')).toThrow(TypeError);
  });

  it('answers only its own kind: a passphrase is never offered as a PIN', async () => {
    expect(await code(staticPassphrase('secret-secret')(PIN))).toBe('ERR_KEY_NO_PIN');
    expect((await staticPassphrase('1234', 'pin')(PIN)).toString()).toBe('1234');
    expect(await code(staticPassphrase('1234', 'pin')(OPEN))).toBe('ERR_KEY_NO_PASSPHRASE');
  });
});

class FakeTty extends PassThrough {
  isTTY = true;
  isRaw = false;
  readonly modes: boolean[] = [];
  setRawMode(mode: boolean): this {
    this.modes.push(mode);
    this.isRaw = mode;
    return this;
  }
}

describe('ttySecretPrompt', () => {
  it('reads a line in raw mode without echoing it, with backspace and Ctrl-U editing', async () => {
    const input = new FakeTty();
    let shown = '';
    const prompt = ttySecretPrompt(input, { write: (t: string) => void (shown += t) })!;
    const answer = prompt('Passphrase: ');
    input.write('wrong\u0015sec');
    input.write(Buffer.from('rez\u007ft é', 'utf8').subarray(0, 8)); // a split UTF-8 sequence
    input.write(Buffer.from('rez\u007ft é', 'utf8').subarray(8));
    input.write('\r');
    expect(await answer).toBe('secret é');
    expect(shown).toBe('Passphrase: \n');
    expect(input.modes).toEqual([true, false]);
    expect(input.listenerCount('data')).toBe(0);
  });

  it('Ctrl-C abandons the prompt', async () => {
    const input = new FakeTty();
    const prompt = ttySecretPrompt(input, { write: vi.fn() })!;
    const answer = prompt('Passphrase: ');
    input.write('abc\u0003');
    await expect(answer).rejects.toMatchObject({ code: 'ERR_KEY_NO_PASSPHRASE' });
    expect(input.isRaw).toBe(false);
  });

  it('is not offered when the input is not a terminal', () => {
    const notTty = Object.assign(new PassThrough(), { isTTY: false });
    expect(ttySecretPrompt(notTty, { write: vi.fn() })).toBeUndefined();
  });
});
