import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKeylineError } from '@keyline/core';
import { fileKeyPath, formatFileKeyUri } from '../../../src/keys/uri/file-uri.js';
import { formatKeyUri, parseKeyUri } from '../../../src/keys/uri/key-uri.js';
import { MAX_KEY_URI_LENGTH, formatPkcs11KeyUri, type Pkcs11KeyUri } from '../../../src/keys/uri/pkcs11-uri.js';

function badUri(uri: string): string {
  try {
    parseKeyUri(uri);
  } catch (error) {
    if (isKeylineError(error, 'ERR_KEY_BAD_URI')) return error.message;
    throw error;
  }
  throw new Error(`${uri} was accepted`);
}

function pkcs11(uri: string): Pkcs11KeyUri {
  const parsed = parseKeyUri(uri);
  if (parsed.scheme !== 'pkcs11') throw new Error('not pkcs11');
  return parsed;
}

describe('file: key URIs', () => {
  it('keeps a relative path relative and resolves it against the data directory', () => {
    const uri = parseKeyUri('file:keys/root.pem');
    expect(uri).toEqual({ scheme: 'file', path: 'keys/root.pem' });
    if (uri.scheme !== 'file') throw new Error('scheme');
    expect(fileKeyPath(uri, '/srv/keyline')).toBe('/srv/keyline/keys/root.pem');
  });

  it('reads the RFC 8089 forms of an absolute path', () => {
    for (const text of ['file:/etc/k.pem', 'file:///etc/k.pem', 'file://localhost/etc/k.pem', 'FILE:/etc/k.pem']) {
      expect(parseKeyUri(text)).toEqual({ scheme: 'file', path: '/etc/k.pem' });
    }
    const uri = parseKeyUri('file:/etc/k.pem');
    if (uri.scheme !== 'file') throw new Error('scheme');
    expect(fileKeyPath(uri, '/srv/keyline')).toBe('/etc/k.pem');
  });

  it('decodes percent escapes and takes a typed space or non-ASCII letter literally', () => {
    expect(parseKeyUri('file:my%20keys/r%C3%A9seau%3F.pem')).toEqual({ scheme: 'file', path: 'my keys/réseau?.pem' });
    expect(parseKeyUri('file:my keys/réseau.pem')).toEqual({ scheme: 'file', path: 'my keys/réseau.pem' });
  });

  it('refuses another host, a query, a fragment, an empty path, a bad escape, NUL and bad UTF-8', () => {
    expect(badUri('file://example.com/etc/k.pem')).toMatch(/host "example.com"/);
    expect(badUri('file:k.pem?x=1')).toMatch(/percent-encoded/);
    expect(badUri('file:k.pem#frag')).toMatch(/percent-encoded/);
    expect(badUri('file:')).toMatch(/no path/);
    expect(badUri('file://')).toMatch(/no path/);
    expect(badUri('file:k%2.pem')).toMatch(/%XX/);
    expect(badUri('file:k%00.pem')).toMatch(/NUL/);
    expect(badUri('file:k%FF.pem')).toMatch(/UTF-8/);
    expect(badUri('file:k\n.pem')).toMatch(/percent-encoded/);
    expect(badUri('file:k\ud800.pem')).toMatch(/percent-encoded/);
  });

  it('formats paths so they parse back to themselves', () => {
    expect(formatFileKeyUri('keys/root ca.pem')).toBe('file:keys/root%20ca.pem');
    expect(formatFileKeyUri('/abs/100%.pem')).toBe('file:/abs/100%25.pem');
    expect(formatFileKeyUri('//odd/path')).toBe('file:////odd/path');
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: 'grapheme' }), (path) => {
        fc.pre(!path.includes('\0'));
        expect(parseKeyUri(formatFileKeyUri(path))).toEqual({ scheme: 'file', path });
      }),
    );
  });
});

describe('pkcs11: key URIs (RFC 7512)', () => {
  it('reads path and query attributes with percent-encoding', () => {
    const uri = pkcs11(
      'pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;' +
        'object=my-key;type=private;id=%69%95%3E%5C%F4%BD%EC%91;serial=?pin-source=file:/etc/token_pin',
    );
    expect(uri).toEqual({
      scheme: 'pkcs11',
      token: 'The Software PKCS#11 Softtoken',
      manufacturer: 'Snake Oil, Inc.',
      model: '1.0',
      object: 'my-key',
      type: 'private',
      id: Uint8Array.from([0x69, 0x95, 0x3e, 0x5c, 0xf4, 0xbd, 0xec, 0x91]),
      serial: '',
      pinSource: 'file:/etc/token_pin',
    });
  });

  it('reads slot, library and module attributes', () => {
    expect(
      pkcs11(
        'pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token%20Library;' +
          'library-version=1.23;slot-id=637836771;slot-description=Sun%20Metaslot;slot-manufacturer=x' +
          '?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=12%2634',
      ),
    ).toEqual({
      scheme: 'pkcs11',
      libraryManufacturer: 'Snake Oil, Inc.',
      libraryDescription: 'Soft Token Library',
      libraryVersion: { major: 1, minor: 23 },
      slotId: 637836771n,
      slotDescription: 'Sun Metaslot',
      slotManufacturer: 'x',
      modulePath: '/usr/lib/softhsm/libsofthsm2.so',
      pinValue: '12&34',
    });
    expect(pkcs11('pkcs11:library-version=7').libraryVersion).toEqual({ major: 7, minor: 0 });
    expect(pkcs11('pkcs11:slot-id=18446744073709551615').slotId).toBe(0xffffffffffffffffn);
  });

  it('reads UTF-8 labels, "&" in the path and "/?|" in the query, and ignores vendor attributes', () => {
    expect(pkcs11('pkcs11:token=%C3%A1%20%25%3B;object=a&b').token).toBe('á %;');
    expect(pkcs11('pkcs11:token=%C3%A1%20%25%3B;object=a&b').object).toBe('a&b');
    expect(pkcs11('pkcs11:object=k?pin-source=/a/b?c|d').pinSource).toBe('/a/b?c|d');
    expect(pkcs11('pkcs11:token=t;x-vendor-aaa=v?x-vendor-bbb=w&pin-value=1')).toEqual({
      scheme: 'pkcs11',
      token: 't',
      pinValue: '1',
    });
    expect(pkcs11('pkcs11:')).toEqual({ scheme: 'pkcs11' });
    expect(pkcs11('PKCS11:object=k')).toEqual({ scheme: 'pkcs11', object: 'k' });
  });

  it('refuses what RFC 7512 does not allow, or what would be ambiguous', () => {
    expect(badUri('pkcs11:token=a;token=b')).toMatch(/repeats/);
    expect(badUri('pkcs11:object=a?pin-value=1&pin-value=2')).toMatch(/repeats/);
    expect(badUri('pkcs11:object=a?pin-value=1&pin-source=/p')).toMatch(/both pin-value and pin-source/);
    expect(badUri('pkcs11:colour=blue')).toMatch(/unknown path attribute "colour"/);
    expect(badUri('pkcs11:object=a?token=t')).toMatch(/unknown query attribute "token"/);
    expect(badUri('pkcs11:pin-value=1')).toMatch(/unknown path attribute/);
    expect(badUri('pkcs11:object=a;')).toMatch(/without a name/);
    expect(badUri('pkcs11:=a')).toMatch(/without a name/);
    expect(badUri('pkcs11:object')).toMatch(/without a name/);
    expect(badUri('pkcs11:object=a#b')).toMatch(/fragment/);
    expect(badUri('pkcs11:object=a/b')).toMatch(/percent-encoded/);
    expect(badUri('pkcs11:object=a b')).toMatch(/percent-encoded/);
    expect(badUri('pkcs11:object=a?module-path=/x;y')).toMatch(/percent-encoded/);
    expect(badUri('pkcs11:type=secret')).toMatch(/type/);
    expect(badUri('pkcs11:slot-id=-1')).toMatch(/slot/);
    expect(badUri('pkcs11:slot-id=18446744073709551616')).toMatch(/slot/);
    expect(badUri('pkcs11:library-version=1.2.3')).toMatch(/version/);
    expect(badUri('pkcs11:library-version=256.0')).toMatch(/version/);
    expect(badUri('pkcs11:object=%zz')).toMatch(/%XX/);
    expect(badUri('pkcs11:object=%C3')).toMatch(/UTF-8/);
    expect(badUri('pkcs11:object=a%00b')).toMatch(/NUL/);
  });

  it('formats canonically, without the PIN unless asked, and parses back', () => {
    const uri = pkcs11('pkcs11:id=%01%ff;object=CA%20root;token=keyline?pin-value=1234&module-path=/usr/lib/x.so');
    expect(formatKeyUri(uri)).toBe('pkcs11:token=keyline;object=CA%20root;id=%01%FF?module-path=/usr/lib/x.so');
    expect(formatKeyUri(uri, { includePinValue: true })).toBe(
      'pkcs11:token=keyline;object=CA%20root;id=%01%FF?module-path=/usr/lib/x.so&pin-value=1234',
    );
    const text = fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\0'));
    fc.assert(
      fc.property(text, text, fc.uint8Array({ maxLength: 20 }), text, (token, object, id, pinSource) => {
        const original: Pkcs11KeyUri = { scheme: 'pkcs11', token, object, id, pinSource };
        expect(parseKeyUri(formatPkcs11KeyUri(original))).toEqual(original);
      }),
    );
  });
});

describe('parseKeyUri', () => {
  it('refuses other schemes, no scheme, over-long input, and non-strings', () => {
    expect(badUri('/etc/key.pem')).toMatch(/no scheme/);
    expect(badUri('https://example.com/key')).toMatch(/scheme "https"/);
    expect(badUri(`file:${'a'.repeat(MAX_KEY_URI_LENGTH)}`)).toMatch(/longer/);
    expect(() => parseKeyUri(42 as unknown as string)).toThrow(TypeError);
  });

  it('never fails with anything but ERR_KEY_BAD_URI on arbitrary input', () => {
    fc.assert(
      fc.property(fc.constantFrom('file:', 'pkcs11:', 'x:', ''), fc.string({ maxLength: 80 }), (prefix, rest) => {
        try {
          parseKeyUri(prefix + rest);
        } catch (error) {
          expect(isKeylineError(error, 'ERR_KEY_BAD_URI')).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('resolves relative file paths against a data directory given relatively too', () => {
    const uri = parseKeyUri('file:k.pem');
    if (uri.scheme !== 'file') throw new Error('scheme');
    expect(fileKeyPath(uri, 'data')).toBe(resolve('data', 'k.pem'));
  });
});
