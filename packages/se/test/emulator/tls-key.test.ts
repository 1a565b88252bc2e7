import { createPublicKey, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { createMemoryChip } from '../../src/index.js';
import { emulatorTlsKey } from '../../src/emulator/tls-key.js';
import { expectCode, publicKeyObject } from '../helpers.js';

describe('emulatorTlsKey (EMULATOR-ONLY, subpath @keyline/se/emulator-tls)', () => {
  it("gives the emulated slot's key as a KeyObject whose public half is the slot's", async () => {
    const chip = createMemoryChip();
    const element = chip.element();
    const point = await element.generateKey(0);
    const key = await emulatorTlsKey(chip);
    expect(key.type).toBe('private');
    expect(key.asymmetricKeyType).toBe('ec');
    expect(createPublicKey(key).export({ format: 'jwk' })).toEqual(publicKeyObject(point).export({ format: 'jwk' }));
    const signature = sign('sha256', Buffer.from('hello'), key);
    expect(verify('sha256', Buffer.from('hello'), publicKeyObject(point), signature)).toBe(true);
    // The chip still signs with the same key: the handle is a copy, not a move.
    await element.generateKey(2);
    const other = await emulatorTlsKey(chip, 2);
    expect(createPublicKey(other).export({ format: 'jwk' })).not.toEqual(
      createPublicKey(key).export({ format: 'jwk' }),
    );
  });

  it('refuses slots without a key or that are not key slots, as the chip does', async () => {
    const chip = createMemoryChip();
    await expectCode(emulatorTlsKey(chip, 0), 'ERR_SE_NO_KEY');
    await expectCode(emulatorTlsKey(chip, 8), 'ERR_SE_NOT_A_KEY_SLOT');
  });

  it('is not exported by the main entry, only by its own subpath', () => {
    const exported = Object.keys(api);
    expect(exported).not.toContain('emulatorTlsKey');
    expect(exported).not.toContain('emulatedScalarOf');
    for (const value of Object.values(api)) {
      if (typeof value === 'function') expect(value.name).not.toMatch(/emulatorTlsKey|emulatedScalarOf/);
    }
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as {
      exports: Record<string, { default: string }>;
    };
    expect(pkg.exports['./emulator-tls']?.default).toBe('./dist/emulator/tls-key.js');
    expect(pkg.exports['.']?.default).toBe('./dist/index.js');
  });
});
