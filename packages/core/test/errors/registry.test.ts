import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_REGISTRY, isErrorCode } from '../../src/errors/registry.js';
import { KeylineError, fail, isKeylineError } from '../../src/errors/keyline-error.js';

describe('error registry', () => {
  it('uses stable ERR_ codes with a message and a kind', () => {
    for (const [code, spec] of Object.entries(ERROR_REGISTRY)) {
      expect(code).toMatch(/^ERR_[A-Z0-9_]+$/);
      expect(spec.message.length).toBeGreaterThan(5);
      expect(['input', 'invalid', 'state', 'auth', 'internal']).toContain(spec.kind);
    }
  });

  it('is listed completely in docs/errors.md (regenerate with scripts/gen-errors-doc.ts)', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../../../docs/errors.md'), 'utf8');
    const documented = [...doc.matchAll(/\| `(ERR_[A-Z0-9_]+)` \|/g)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(ERROR_REGISTRY).sort());
  });

  it('builds errors with codes, default messages and JSON', () => {
    const error = new KeylineError('ERR_DER_TRUNCATED');
    expect(error.message).toBe(ERROR_REGISTRY.ERR_DER_TRUNCATED.message);
    expect(error.toJSON()).toEqual({ code: 'ERR_DER_TRUNCATED', message: error.message });
    expect(() => fail('ERR_DER_TOO_DEEP', 'deep')).toThrow(KeylineError);
    expect(isKeylineError(error, 'ERR_DER_TRUNCATED')).toBe(true);
    expect(isKeylineError(error, 'ERR_DER_TOO_DEEP')).toBe(false);
    expect(isErrorCode('ERR_DER_TRUNCATED')).toBe(true);
    expect(isErrorCode('ERR_NOPE')).toBe(false);
  });
});
