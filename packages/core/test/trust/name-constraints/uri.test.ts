import { describe, expect, it } from 'vitest';
import { uriHost } from '../../../src/trust/name-constraints/uri.js';
import { dns, exclude, permit, run, uri, verdict } from './helpers.js';

describe('uniformResourceIdentifier constraints (RFC 5280 4.2.1.10)', () => {
  // [constraint, URI, within?]
  const table: [string, string, boolean][] = [
    ['.testcertificates.gov', 'http://testserver.testcertificates.gov/index.html', true], // PKITS 4.13.34
    ['.testcertificates.gov', 'http://testcertificates.gov/invalid.html', false], // PKITS 4.13.35
    ['invalidcertificates.gov', 'ftp://invalidcertificates.gov:21/test37/', true], // PKITS 4.13.37 (excluded)
    ['invalidcertificates.gov', 'http://testserver.invalidcertificates.gov/index.html', false], // PKITS 4.13.36
    ['host.example.com', 'https://HOST.example.com', true],
    ['host.example.com', 'https://user:pw@host.example.com:8443/p?q#f', true],
    ['host.example.com', 'https://other.example.com/', false],
    ['.example.com', 'mqtts://broker.example.com:8883', true],
    ['.example.com', 'https://example.com.evil.net/', false],
  ];
  it.each(table)('%j against %j → %s', (constraint, name, expected) => {
    expect(verdict(run([permit(uri(constraint))], { san: [uri(name)] }))).toBe(
      expected ? 'ok' : 'ERR_NC_NAME_NOT_PERMITTED',
    );
    expect(verdict(run([exclude(uri(constraint))], { san: [uri(name)] }))).toBe(
      expected ? 'ERR_NC_NAME_EXCLUDED' : 'ok',
    );
  });

  it('extracts the host of a URI', () => {
    expect(uriHost('http://a.example.com/x')).toEqual({ kind: 'host', host: ['a', 'example', 'com'] });
    expect(uriHost('http://u@a.example.com:80')).toEqual({ kind: 'host', host: ['a', 'example', 'com'] });
    expect(uriHost('http://a.example.com?q')).toEqual({ kind: 'host', host: ['a', 'example', 'com'] });
    expect(uriHost('urn:dev:ow:10e2073a01080063').kind).toBe('none');
    expect(uriHost('mailto:a@example.com').kind).toBe('none');
    expect(uriHost('file:///etc/passwd').kind).toBe('none');
    expect(uriHost('http://[2001:db8::1]/').kind).toBe('none');
    expect(uriHost('http://192.0.2.1/').kind).toBe('none');
    expect(uriHost('no-scheme.example.com').kind).toBe('malformed');
    expect(uriHost('http://a.example.com:80x/').kind).toBe('malformed');
    expect(uriHost('http://bad_host!/').kind).toBe('malformed');
  });

  it('refuses URIs with no DNS host under URI constraints (RFC 9039 device URNs among them), and only then', () => {
    const urn = uri('urn:dev:ow:10e2073a01080063');
    expect(verdict(run([permit(uri('.example.com'))], { san: [urn] }))).toBe('ERR_NC_URI_WITHOUT_HOST');
    expect(verdict(run([exclude(uri('.example.com'))], { san: [urn] }))).toBe('ERR_NC_URI_WITHOUT_HOST');
    expect(verdict(run([permit(uri('.example.com'))], { san: [uri('https://[::1]/')] }))).toBe(
      'ERR_NC_URI_WITHOUT_HOST',
    );
    expect(verdict(run([permit(dns('example.com'))], { san: [urn] }))).toBe('ok');
    expect(verdict(run([permit(uri('.example.com'))], { san: [uri('not a uri')] }))).toBe('ERR_NC_MALFORMED_NAME');
  });

  it('refuses URI constraints that are not a host or .domain', () => {
    for (const bad of ['http://example.com', 'example.com/path', '', '.', '*.example.com']) {
      expect(verdict(run([permit(uri(bad))], {}))).toBe('ERR_NC_MALFORMED_CONSTRAINT');
    }
  });

  it('does not let a URI constraint govern dNSNames, nor the reverse', () => {
    expect(verdict(run([permit(uri('.example.com'))], { san: [dns('other.org')] }))).toBe('ok');
    expect(verdict(run([permit(dns('example.com'))], { san: [uri('https://other.org/')] }))).toBe('ok');
  });
});
