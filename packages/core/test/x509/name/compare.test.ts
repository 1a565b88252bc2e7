import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tag } from '../../../src/x509/der/tags.js';
import { canonicalNameKey, nameIsEmpty, namesEqual, prepareString } from '../../../src/x509/name/compare.js';
import { nameFromString } from '../../../src/x509/name/from-string.js';
import { nameArb, nameOf } from '../extensions/helpers.js';

describe('prepareString (RFC 4518 for caseIgnoreMatch)', () => {
  it('folds case, trims, collapses inner spaces and maps ignorable characters', () => {
    expect(prepareString('  Example   Org  ')).toBe('example org');
    expect(prepareString('EXAMPLE\tORG')).toBe('example org');
    expect(prepareString('Ex\u00ADample')).toBe('example'); // soft hyphen maps to nothing
    expect(prepareString('Stra\u00DFe')).toBe('strasse'); // ß case-folds to ss
    expect(prepareString('\uFF21BC')).toBe('abc'); // fullwidth A: NFKC
    expect(prepareString('e\u0301')).toBe('\u00e9'); // composed by NFKC
    expect(prepareString('a\u00A0b')).toBe('a b'); // no-break space maps to SPACE
  });
});

describe('namesEqual (RFC 5280 7.1)', () => {
  it('matches equal DER at once', () => {
    const a = nameFromString('CN=x,O=y');
    expect(namesEqual(a, nameFromString('CN=x,O=y'))).toBe(true);
  });

  it('matches across case, whitespace and string type', () => {
    const printable = nameOf([
      [{ type: 'O', value: 'Example  Org', tag: Tag.PRINTABLE_STRING }],
      [{ type: 'CN', value: 'Device' }],
    ]);
    const utf8 = nameOf([[{ type: 'O', value: ' example org ' }], [{ type: 'CN', value: 'DEVICE' }]]);
    expect(printable.der).not.toEqual(utf8.der);
    expect(namesEqual(printable, utf8)).toBe(true);
    expect(canonicalNameKey(printable)).toBe(canonicalNameKey(utf8));
  });

  it('matches multi-valued RDNs as sets', () => {
    const a = nameOf([
      [
        { type: 'CN', value: 'A' },
        { type: 'OU', value: 'longer unit' },
      ],
    ]);
    const b = nameOf([
      [
        { type: 'OU', value: 'Longer Unit' },
        { type: 'CN', value: 'a' },
      ],
    ]);
    expect(namesEqual(a, b)).toBe(true);
  });

  it('does not match different values, types, RDN counts, RDN order or RDN grouping', () => {
    const base = nameFromString('CN=a,O=b');
    expect(namesEqual(base, nameFromString('CN=a,O=c'))).toBe(false);
    expect(namesEqual(base, nameFromString('CN=a,OU=b'))).toBe(false);
    expect(namesEqual(base, nameFromString('CN=a'))).toBe(false);
    expect(namesEqual(base, nameFromString('O=b,CN=a'))).toBe(false);
    expect(namesEqual(base, nameFromString('CN=a+O=b'))).toBe(false);
    expect(namesEqual(nameFromString('CN=ab'), nameFromString('CN=a b'))).toBe(false);
  });

  it('compares non-string values by their DER, never equal to a string', () => {
    const int = nameOf([[{ type: '1.2.3.4', value: '#020105', tag: Tag.INTEGER }]]);
    const int2 = nameOf([[{ type: '1.2.3.4', value: '#020106', tag: Tag.INTEGER }]]);
    const str = nameOf([[{ type: '1.2.3.4', value: '#020105' }]]);
    expect(namesEqual(int, nameOf([[{ type: '1.2.3.4', value: '#020105', tag: Tag.INTEGER }]]))).toBe(true);
    expect(namesEqual(int, int2)).toBe(false);
    expect(namesEqual(int, str)).toBe(false);
  });

  it('is reflexive, symmetric and agrees with canonicalNameKey', () => {
    fc.assert(
      fc.property(nameArb, nameArb, (a, b) => {
        expect(namesEqual(a, a)).toBe(true);
        expect(namesEqual(a, b)).toBe(namesEqual(b, a));
        expect(namesEqual(a, b)).toBe(canonicalNameKey(a) === canonicalNameKey(b));
      }),
      { numRuns: 300 },
    );
  });

  it('tells the empty name', () => {
    expect(nameIsEmpty(nameFromString(''))).toBe(true);
    expect(nameIsEmpty(nameFromString('CN=x'))).toBe(false);
    expect(namesEqual(nameFromString(''), nameFromString(''))).toBe(true);
    expect(namesEqual(nameFromString(''), nameFromString('CN=x'))).toBe(false);
  });
});
