import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deviceUrnGeneralName,
  formatDeviceUrn,
  isDeviceUrn,
  parseDeviceUrn,
  type DeviceUrn,
} from '../../../src/x509/extensions/device-urn.js';
import { codeOf } from './helpers.js';

describe('RFC 9039 device URNs', () => {
  it('parses the examples of RFC 9039 section 6', () => {
    expect(parseDeviceUrn('urn:dev:mac:0024beffff804ff1')).toEqual({
      kind: 'mac',
      hex: '0024beffff804ff1',
      components: [],
    });
    expect(parseDeviceUrn('urn:dev:ow:10e2073a01080063')).toEqual({
      kind: 'ow',
      hex: '10e2073a01080063',
      components: [],
    });
    expect(parseDeviceUrn('urn:dev:ow:264437f5000000ed_humidity')).toEqual({
      kind: 'ow',
      hex: '264437f5000000ed',
      components: ['humidity'],
    });
    expect(parseDeviceUrn('urn:dev:org:32473-foo')).toEqual({
      kind: 'org',
      enterpriseNumber: 32473,
      identifiers: ['foo'],
      components: [],
    });
    expect(parseDeviceUrn('urn:dev:ops:32473-Refrigerator-5002')).toEqual({
      kind: 'ops',
      enterpriseNumber: 32473,
      product: 'Refrigerator',
      serial: '5002',
      identifiers: [],
      components: [],
    });
    expect(parseDeviceUrn('urn:dev:os:32473-12345')).toEqual({
      kind: 'os',
      enterpriseNumber: 32473,
      serial: '12345',
      identifiers: [],
      components: [],
    });
    expect(parseDeviceUrn('urn:dev:example:new-1-2-3_12345')).toEqual({
      kind: 'other',
      subtype: 'example',
      identifiers: ['new-1-2-3'],
      components: ['12345'],
    });
  });

  it('splits ops at the first two dashes (the product has none; the serial may)', () => {
    expect(parseDeviceUrn('urn:dev:ops:32473-Widget.v2-SN-00-17:rev.b_sensor_2')).toEqual({
      kind: 'ops',
      enterpriseNumber: 32473,
      product: 'Widget.v2',
      serial: 'SN-00-17',
      identifiers: ['rev.b'],
      components: ['sensor', '2'],
    });
  });

  it('matches the "urn:dev:" prefix case-insensitively and the rest case-sensitively', () => {
    expect(parseDeviceUrn('URN:DEV:mac:0024beffff804ff1')).toMatchObject({ kind: 'mac' });
    expect(codeOf(() => parseDeviceUrn('urn:dev:MAC:0024beffff804ff1'))).toBe('ERR_X509_BAD_GENERAL_NAME');
    expect(codeOf(() => parseDeviceUrn('urn:dev:mac:0024BEFFFF804FF1'))).toBe('ERR_X509_BAD_GENERAL_NAME');
  });

  it('refuses what RFC 9039 does not allow', () => {
    const bad = [
      'urn:dev:',
      'urn:dev:mac',
      'urn:dev:mac:',
      'urn:dev:mac:0024b', // odd number of hex digits
      'urn:dev:mac:0024be:01', // mac takes one hexstring
      'urn:dev:ow:zz',
      'urn:dev:org:32473', // no identifier
      'urn:dev:org:032473-foo', // posnumber starts with a non-zero digit
      'urn:dev:org:0-foo',
      'urn:dev:org:-foo',
      'urn:dev:ops:32473-Refrigerator', // no serial
      'urn:dev:ops:32473--5002', // empty product
      'urn:dev:ops:32473-Fridge-', // empty serial
      'urn:dev:os:32473-', // empty serial
      'urn:dev:org:32473-foo_', // empty component
      'urn:dev:org:32473-foo::bar', // empty identifier
      'urn:dev:org:32473-f/o', // "/" is not a devunreserved
      'urn:dev:org:32473-f o',
      'urn:dev:Example:x', // subtype is lowercase
      'urn:dev:9x:x', // subtype starts with a letter
      'urn:dev:example', // subtype without identifier
      'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
      `urn:dev:org:32473-${'a'.repeat(1100)}`,
    ];
    for (const text of bad)
      expect(
        codeOf(() => parseDeviceUrn(text)),
        text,
      ).toBe('ERR_X509_BAD_GENERAL_NAME');
  });

  it('tells device URNs from other URIs', () => {
    expect(isDeviceUrn('urn:dev:mac:00')).toBe(true);
    expect(isDeviceUrn('Urn:Dev:x')).toBe(true);
    expect(isDeviceUrn('urn:uuid:00')).toBe(false);
    expect(isDeviceUrn('https://example.com/')).toBe(false);
  });

  it('formats and refuses invalid parts', () => {
    expect(
      formatDeviceUrn({
        kind: 'ops',
        enterpriseNumber: 32473,
        product: 'Widget',
        serial: '1234',
        identifiers: [],
        components: [],
      }),
    ).toBe('urn:dev:ops:32473-Widget-1234');
    expect(deviceUrnGeneralName({ kind: 'mac', hex: '0024beffff804ff1', components: [] })).toEqual({
      type: 'uri',
      value: 'urn:dev:mac:0024beffff804ff1',
    });
    const invalid: DeviceUrn[] = [
      { kind: 'ops', enterpriseNumber: 32473, product: 'Wid-get', serial: '1', identifiers: [], components: [] },
      { kind: 'ops', enterpriseNumber: 0, product: 'W', serial: '1', identifiers: [], components: [] },
      { kind: 'mac', hex: 'ABCD', components: [] },
      { kind: 'org', enterpriseNumber: 1, identifiers: [], components: [] },
      { kind: 'other', subtype: 'mac', identifiers: ['x'], components: [] },
      { kind: 'os', enterpriseNumber: 1, serial: 'a_b', identifiers: [], components: [] },
    ];
    for (const urn of invalid)
      expect(
        codeOf(() => formatDeviceUrn(urn)),
        JSON.stringify(urn),
      ).toBe('ERR_X509_BUILD_INVALID');
  });

  const identifier = fc.stringMatching(/^[A-Za-z0-9.-]{1,12}$/);
  const product = fc.stringMatching(/^[A-Za-z0-9.]{1,12}$/);
  const pen = fc.integer({ min: 1, max: 2 ** 32 });
  const components = fc.array(identifier, { maxLength: 3 });
  const hexstring = fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => Buffer.from(b).toString('hex'));
  const urnArb: fc.Arbitrary<DeviceUrn> = fc.oneof(
    fc.record({ kind: fc.constantFrom('mac' as const, 'ow' as const), hex: hexstring, components }),
    fc.record({
      kind: fc.constant('org' as const),
      enterpriseNumber: pen,
      identifiers: fc.array(identifier, { minLength: 1, maxLength: 3 }),
      components,
    }),
    fc.record({
      kind: fc.constant('os' as const),
      enterpriseNumber: pen,
      serial: identifier,
      identifiers: fc.array(identifier, { maxLength: 2 }),
      components,
    }),
    fc.record({
      kind: fc.constant('ops' as const),
      enterpriseNumber: pen,
      product,
      serial: identifier,
      identifiers: fc.array(identifier, { maxLength: 2 }),
      components,
    }),
    fc.record({
      kind: fc.constant('other' as const),
      subtype: fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/).filter((s) => !['mac', 'ow', 'org', 'os', 'ops'].includes(s)),
      identifiers: fc.array(identifier, { minLength: 1, maxLength: 3 }),
      components,
    }),
  );

  it('parse inverts format for every valid URN', () => {
    fc.assert(
      fc.property(urnArb, (urn) => {
        const text = formatDeviceUrn(urn);
        expect(parseDeviceUrn(text)).toEqual(urn);
        expect(formatDeviceUrn(parseDeviceUrn(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws anything but a KeylineError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (tail) => {
        try {
          parseDeviceUrn(`urn:dev:${tail}`);
        } catch (error) {
          expect(
            codeOf(() => {
              throw error;
            }),
          ).toBe('ERR_X509_BAD_GENERAL_NAME');
        }
      }),
    );
  });
});
