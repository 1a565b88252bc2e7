import { describe, expect, it } from 'vitest';
import { checkSubjectAltNames, isDnsName, isMailbox } from '../../../src/trust/validate/san-syntax.js';

describe('subjectAltName syntax (RFC 5280 4.2.1.6)', () => {
  it('accepts host names in the preferred name syntax, and a leftmost wildcard label', () => {
    for (const name of [
      'example.com',
      'a.b-c.example',
      'xn--bcher-kva.example',
      '1.example.org',
      '*.example.com',
      'localhost',
    ]) {
      expect(isDnsName(name, true), name).toBe(true);
    }
  });
  it('refuses underscores, empty or edge-hyphen labels, leading dots, spaces and over-long names', () => {
    for (const name of [
      'foo_bar.example.com',
      '.example.com',
      'example..com',
      '-a.example',
      'a-.example',
      ' ',
      '',
      'a'.repeat(64) + '.com',
      'x.'.repeat(127) + 'com',
      '*.com',
      'a.*.example.com',
    ]) {
      expect(isDnsName(name, true), name).toBe(false);
    }
    expect(isDnsName('*.example.com', false)).toBe(false);
  });
  it('accepts mailboxes and refuses what is not one', () => {
    expect(isMailbox('foo@example.com')).toBe(true);
    expect(isMailbox('*@example.com')).toBe(true);
    expect(isMailbox('first.last+tag@sub.example.com')).toBe(true);
    expect(isMailbox('"quoted local"@example.com')).toBe(true);
    for (const bad of [
      'invalid@address@example.com',
      '@example.com',
      'foo@',
      'foo',
      'foo@.example.com',
      'a..b@example.com',
      'foo bar@example.com',
    ]) {
      expect(isMailbox(bad), bad).toBe(false);
    }
  });
  it('reports the first bad entry with ERR_PATH_BAD_SAN', () => {
    expect(checkSubjectAltNames(undefined).ok).toBe(true);
    expect(checkSubjectAltNames([{ type: 'ip', value: Uint8Array.of(192, 0, 2, 1) }]).ok).toBe(true);
    const cidr = checkSubjectAltNames([{ type: 'ip', value: Uint8Array.of(192, 0, 2, 0, 255, 255, 255, 0) }]);
    expect(!cidr.ok && cidr.code).toBe('ERR_PATH_BAD_SAN');
    const relative = checkSubjectAltNames([{ type: 'uri', value: '/relative/path' }]);
    expect(!relative.ok && relative.code).toBe('ERR_PATH_BAD_SAN');
    expect(checkSubjectAltNames([{ type: 'uri', value: 'urn:dev:ow:10e2073a01080063' }]).ok).toBe(true);
  });
});
