import { StringDecoder } from 'node:string_decoder';
import { KeylineError } from '@keyline/core';

/** Asks for a secret and resolves with what was typed. */
export type SecretPrompt = (message: string) => Promise<string>;

/** The parts of a terminal the prompt uses (process.stdin and process.stderr fit). */
export interface PromptInput {
  readonly isTTY?: boolean;
  readonly isRaw?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  removeListener(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}
export interface PromptOutput {
  write(text: string): unknown;
}

const ENTER = new Set(['\r', '\n']);
const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const CTRL_U = '\u0015';
const BACKSPACE = new Set(['\u007f', '\b']);

/**
 * A prompt that reads a line from a terminal without echoing it (raw mode: each key arrives as
 * typed and nothing is printed back). Backspace and Ctrl-U edit; Ctrl-C or Ctrl-D on an empty line
 * abandon it (ERR_KEY_NO_PASSPHRASE). Returns undefined when `input` is not a terminal: a secret is
 * never read from a pipe by surprise (use --passphrase-file there).
 */
export function ttySecretPrompt(input: PromptInput, output: PromptOutput): SecretPrompt | undefined {
  if (input.isTTY !== true || typeof input.setRawMode !== 'function') return undefined;
  return (message) =>
    new Promise<string>((resolve, reject) => {
      const decoder = new StringDecoder('utf8');
      const wasRaw = input.isRaw === true;
      let typed: string[] = [];
      const finish = (error: KeylineError | undefined): void => {
        input.removeListener('data', onData);
        input.setRawMode?.(wasRaw);
        input.pause();
        output.write('\n');
        const line = typed.join('');
        typed = [];
        if (error === undefined) resolve(line);
        else reject(error);
      };
      const onData = (chunk: Buffer | string): void => {
        const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
        for (const ch of text) {
          if (ENTER.has(ch)) return finish(undefined);
          if (ch === CTRL_C || (ch === CTRL_D && typed.length === 0)) {
            return finish(new KeylineError('ERR_KEY_NO_PASSPHRASE', 'the prompt was abandoned'));
          }
          if (BACKSPACE.has(ch)) typed.pop();
          else if (ch === CTRL_U) typed = [];
          else if (ch >= ' ' && ch !== '\u007f') typed.push(ch);
        }
      };
      output.write(message);
      input.setRawMode!(true);
      input.on('data', onData);
      input.resume();
    });
}
