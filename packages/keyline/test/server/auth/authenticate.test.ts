import { seededRandom } from '@keyline/core';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../support/error-code.js';
import { maySeeCa } from '../../../src/server/auth/authorise.js';
import { tokenSecretFrom } from '../../../src/server/auth/authenticate.js';
import { TOKEN_PREFIX, hashTokenSecret, newTokenSecret } from '../../../src/server/auth/token-secret.js';

describe('token secrets', () => {
  it('are kl_ + 43 base64url characters (256 bits), different each time', () => {
    const random = seededRandom(7);
    const a = newTokenSecret(random);
    const b = newTokenSecret(random);
    expect(a).toMatch(new RegExp(`^${TOKEN_PREFIX}[A-Za-z0-9_-]{43}$`));
    expect(a).not.toBe(b);
  });

  it('are stored as the SHA-256 hex of their UTF-8 bytes', () => {
    expect(hashTokenSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('Authorization header', () => {
  it('reads Bearer (any case of the scheme)', () => {
    expect(tokenSecretFrom('Bearer kl_abc', false)).toBe('kl_abc');
    expect(tokenSecretFrom('bearer kl_abc', false)).toBe('kl_abc');
  });

  it('reads Basic only where allowed (EST), the token as password', () => {
    const basic = `Basic ${Buffer.from('device-7:kl_secret:with:colons').toString('base64')}`;
    expect(tokenSecretFrom(basic, true)).toBe('kl_secret:with:colons');
    expect(codeOf(() => tokenSecretFrom(basic, false))).toBe('ERR_SERVER_BAD_TOKEN');
  });

  it('is absent → undefined; malformed → ERR_SERVER_BAD_TOKEN', () => {
    expect(tokenSecretFrom(undefined, true)).toBeUndefined();
    for (const header of [
      'Bearer',
      'Bearer ',
      'Bearer a b',
      'Digest x',
      `Basic ${Buffer.from('nopassword').toString('base64')}`,
      `Basic ${Buffer.from('user:').toString('base64')}`,
      'Basic !!!',
      `Bearer ${'a'.repeat(2000)}`,
    ]) {
      expect(
        codeOf(() => tokenSecretFrom(header, true)),
        header.slice(0, 30),
      ).toBe('ERR_SERVER_BAD_TOKEN');
    }
  });
});

describe('operator scope', () => {
  it('an operator sees only CAs of its manufacturer; a root has none', () => {
    const operator = { id: 'token:1', role: 'operator' as const, manufacturerId: 'acme' };
    expect(maySeeCa(operator, { manufacturerId: 'acme' })).toBe(true);
    expect(maySeeCa(operator, { manufacturerId: 'globex' })).toBe(false);
    expect(maySeeCa(operator, { manufacturerId: null })).toBe(false);
    expect(maySeeCa({ id: 'token:2', role: 'auditor', manufacturerId: null }, { manufacturerId: null })).toBe(true);
  });
});
