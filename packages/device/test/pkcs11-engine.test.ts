import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PKCS11_ENGINE_PATH, pkcs11EngineConfig, writePkcs11EngineConfig } from '../src/index.js';

describe('pkcs11EngineConfig', () => {
  it('loads the engine by path with the module, for openssl and for Node (nodejs_conf)', () => {
    const text = pkcs11EngineConfig({ modulePath: '/usr/lib/softhsm/libsofthsm2.so' });
    expect(text).toMatch(/^openssl_conf = keyline_openssl_init$/m);
    expect(text).toMatch(/^nodejs_conf = keyline_openssl_init$/m);
    expect(text).toMatch(/^engine_id = pkcs11$/m);
    expect(text).toContain(`dynamic_path = ${PKCS11_ENGINE_PATH}\n`);
    expect(text).toContain('MODULE_PATH = /usr/lib/softhsm/libsofthsm2.so\n');
    expect(pkcs11EngineConfig({ modulePath: '/m.so', enginePath: '/e.so' })).toContain('dynamic_path = /e.so\n');
  });

  it('refuses relative paths and paths that would inject lines', () => {
    expect(() => pkcs11EngineConfig({ modulePath: 'libsofthsm2.so' })).toThrow(TypeError);
    expect(() => pkcs11EngineConfig({ modulePath: '/x.so\nMODULE_PATH = /evil.so' })).toThrow(TypeError);
    expect(() => pkcs11EngineConfig({ modulePath: '/x.so', enginePath: 'pkcs11' })).toThrow(TypeError);
  });

  it('writes the file and returns the environment that selects it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keyline-engine-'));
    try {
      const file = join(dir, 'openssl.cnf');
      const env = await writePkcs11EngineConfig(file, { modulePath: '/usr/lib/softhsm/libsofthsm2.so' });
      expect(env).toEqual({ OPENSSL_CONF: file });
      expect(await readFile(file, 'utf8')).toBe(pkcs11EngineConfig({ modulePath: '/usr/lib/softhsm/libsofthsm2.so' }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
