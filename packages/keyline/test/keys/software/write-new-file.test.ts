import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '@keyline/core';
import { writeNewFileAtomic } from '../../../src/keys/software/write-new-file.js';

const dir = mkdtempSync(join(tmpdir(), 'keyline-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeNewFileAtomic', () => {
  it('creates the file with the mode asked for, whatever the umask, and leaves nothing else', () => {
    const old = process.umask(0o000);
    try {
      writeNewFileAtomic(join(dir, 'a.pem'), 'hello', 0o600, seededRandom(1));
    } finally {
      process.umask(old);
    }
    expect(statSync(join(dir, 'a.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'a.pem'), 'utf8')).toBe('hello');
    expect(readdirSync(dir)).toEqual(['a.pem']);
  });

  it('never replaces an existing file (ERR_KEY_EXISTS), and cleans up its temporary file', () => {
    writeFileSync(join(dir, 'b.pem'), 'original');
    expect(() => writeNewFileAtomic(join(dir, 'b.pem'), 'new', 0o600, seededRandom(2))).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_EXISTS' }),
    );
    expect(readFileSync(join(dir, 'b.pem'), 'utf8')).toBe('original');
    expect(readdirSync(dir).sort()).toEqual(['a.pem', 'b.pem']);
  });

  it('writes binary content whole', () => {
    const data = Uint8Array.from({ length: 70_000 }, (_, i) => i & 0xff);
    writeNewFileAtomic(join(dir, 'c.bin'), data, 0o640, seededRandom(3));
    expect(Buffer.compare(readFileSync(join(dir, 'c.bin')), Buffer.from(data))).toBe(0);
    expect(statSync(join(dir, 'c.bin')).mode & 0o777).toBe(0o640);
  });
});
