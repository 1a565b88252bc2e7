import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { KeylineError, decodePemAll, encodePem, fail } from '@keyline/core';
import { readInputFile } from './io.js';

/**
 * Files the CA commands read and write. A file that cannot be read, is not PEM of the expected
 * kind nor DER, or cannot be written is bad input (exit 2), named in the message.
 */

/** Reads the DER of the first PEM block with one of `labels`, or the file as DER when it is not PEM. */
function readDerOrPem(path: string, labels: readonly string[], what: string): Uint8Array {
  const bytes = new Uint8Array(readInputFile(path));
  const head = Buffer.from(bytes.subarray(0, Math.min(bytes.length, 4096))).toString('latin1');
  if (!head.includes('-----BEGIN ')) {
    if (bytes.length === 0) fail('ERR_CLI_UNREADABLE_FILE', `${path} is empty: expected a ${what} (PEM or DER)`);
    return bytes;
  }
  let blocks;
  try {
    blocks = decodePemAll(Buffer.from(bytes).toString('latin1'));
  } catch (error) {
    if (error instanceof KeylineError) throw new KeylineError(error.code, `${path}: ${error.message}`, { path });
    throw error;
  }
  const block = blocks.find((b) => labels.includes(b.label));
  if (block === undefined) {
    fail('ERR_PEM_MALFORMED', `${path} holds no ${labels[0]} PEM block: expected a ${what}`, { path });
  }
  return block.der;
}

/** A PKCS#10 request (RFC 2986), PEM (`CERTIFICATE REQUEST`, or OpenSSL's older `NEW …`) or DER. */
export function readCsrFile(path: string): Uint8Array {
  return readDerOrPem(path, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'], 'certificate signing request');
}

/** A certificate, PEM (first CERTIFICATE block) or DER. */
export function readCertificateFile(path: string): Uint8Array {
  return readDerOrPem(path, ['CERTIFICATE'], 'certificate');
}

/**
 * Checks, before anything is signed, that `path` can be written: its folder exists and is
 * writable, and it is not a folder itself. A command that would sign and then fail to write its
 * output leaves a signed object the operator did not get; this refuses such a command up front.
 */
export function checkOutputPath(path: string): void {
  const folder = dirname(resolve(path));
  let problem: string | undefined;
  try {
    if (!statSync(folder).isDirectory()) problem = `${folder} is not a folder`;
    else accessSync(folder, constants.W_OK);
  } catch (cause) {
    problem ??= `${folder} ${(cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not writable'}`;
  }
  if (problem === undefined) {
    try {
      if (statSync(path).isDirectory()) problem = `${path} is a folder`;
    } catch {
      // Not there yet: it will be created.
    }
  }
  if (problem !== undefined) {
    throw new KeylineError('ERR_CLI_UNWRITABLE_FILE', `cannot write ${path}: ${problem}; nothing was signed`, { path });
  }
}

/** Writes an output file (mode 0644; these are public objects: certificates, CSRs, CRLs). */
export function writeOutputFile(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (cause) {
    const reason = cause instanceof Error && 'code' in cause ? String((cause as NodeJS.ErrnoException).code) : 'error';
    throw new KeylineError('ERR_CLI_UNWRITABLE_FILE', `cannot write ${path} (${reason}): check the folder exists`, {
      path,
    });
  }
}

export function certificatePem(der: Uint8Array): string {
  return encodePem('CERTIFICATE', der);
}

export function csrPem(der: Uint8Array): string {
  return encodePem('CERTIFICATE REQUEST', der);
}
