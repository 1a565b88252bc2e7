import { describe, expect, it } from 'vitest';
import { parseEmailConstraint, parseMailbox } from '../../../src/trust/name-constraints/email.js';
import { dns, email, exclude, otherName, permit, run, verdict } from './helpers.js';

describe('rfc822Name constraints (RFC 5280 4.2.1.10)', () => {
  // [constraint, mailbox, within?]
  const table: [string, string, boolean][] = [
    // a particular mailbox: local part exact (case-sensitive), host case-insensitive
    ['foo@example.com', 'foo@example.com', true],
    ['foo@example.com', 'foo@EXAMPLE.com', true],
    ['foo@example.com', 'Foo@example.com', false],
    ['foo@example.com', 'bar@example.com', false],
    ['foo@example.com', 'foo@sub.example.com', false],
    // every mailbox on one host
    ['example.com', 'anyone@example.com', true],
    ['example.com', 'anyone@Example.Com', true],
    ['example.com', 'anyone@sub.example.com', false],
    ['testcertificates.gov', 'Test23EE@testcertificates.gov', true],
    ['testcertificates.gov', 'Test24EE@mailserver.testcertificates.gov', false],
    // every mailbox below a domain, not on the domain itself
    ['.example.com', 'x@sub.example.com', true],
    ['.example.com', 'x@a.b.example.com', true],
    ['.example.com', 'x@example.com', false],
    ['.testcertificates.gov', 'Test21EE@mailserver.testcertificates.gov', true],
    ['.testcertificates.gov', 'Test22EE@testcertificates.gov', false],
    // `*` is a literal character (x509-limbo nc-permits-email-literal-*)
    ['*@example.com', '*@example.com', true],
    ['*@example.com', 'user@example.com', false],
    ['*@example.com', '*@subdomain.example.com', false],
    ['**@example.com', '**@example.com', true],
    ['**@example.com', '*@example.com', false],
    ['user*@example.com', 'user*@example.com', true],
    // quoted local parts compare exactly too
    ['"a@b"@example.com', '"a@b"@example.com', true],
  ];
  it.each(table)('permitted %j against %j → %s', (constraint, mailbox, expected) => {
    expect(verdict(run([permit(email(constraint))], { san: [email(mailbox)] }))).toBe(
      expected ? 'ok' : 'ERR_NC_NAME_NOT_PERMITTED',
    );
    expect(verdict(run([exclude(email(constraint))], { san: [email(mailbox)] }))).toBe(
      expected ? 'ERR_NC_NAME_EXCLUDED' : 'ok',
    );
  });

  it('parses the three constraint forms and refuses malformed ones (x509-limbo invalid-email-address)', () => {
    expect(parseEmailConstraint('user@example.com')).toEqual({
      kind: 'mailbox',
      mailbox: { local: 'user', host: ['example', 'com'] },
    });
    expect(parseEmailConstraint('Example.com')).toEqual({ kind: 'host', host: ['example', 'com'] });
    expect(parseEmailConstraint('.example.com')).toEqual({ kind: 'domain', domain: ['example', 'com'] });
    for (const bad of [
      'invalid@invalid@example.com',
      '@example.com',
      'user@',
      'user@.example.com',
      '',
      '..example.com',
      'a..b@example.com',
      'user@[192.0.2.1]',
    ]) {
      expect(parseEmailConstraint(bad)).toBeUndefined();
      expect(verdict(run([permit(email(bad))], {}))).toBe('ERR_NC_MALFORMED_CONSTRAINT');
    }
  });

  it('refuses malformed mailboxes under rfc822Name constraints (x509-limbo nc-permits-invalid-email-san)', () => {
    for (const bad of ['invalid@address@example.com', 'no-at-sign.example.com', '.x@example.com', 'x@example..com']) {
      expect(parseMailbox(bad)).toBeUndefined();
      expect(verdict(run([permit(email('example.com'))], { san: [email(bad)] }))).toBe('ERR_NC_MALFORMED_NAME');
    }
    expect(verdict(run([permit(dns('example.com'))], { san: [email('invalid@address@example.com')] }))).toBe('ok');
  });

  it('checks emailAddress attributes of the subject DN (PKITS 4.13.29), with or without a subjectAltName', () => {
    const constraints = [permit(email('testcertificates.gov'))];
    const subject = 'C=US,O=Test Certificates 2011,CN=EE,emailAddress=Test29EE@invalidcertificates.gov';
    expect(verdict(run(constraints, { subject }))).toBe('ERR_NC_NAME_NOT_PERMITTED');
    expect(verdict(run(constraints, { subject, san: [email('ok@testcertificates.gov')] }))).toBe(
      'ERR_NC_NAME_NOT_PERMITTED',
    );
    expect(verdict(run(constraints, { subject: 'CN=EE,emailAddress=ok@testcertificates.gov' }))).toBe('ok');
    expect(
      verdict(run([exclude(email('testcertificates.gov'))], { subject: 'CN=EE,emailAddress=a@testcertificates.gov' })),
    ).toBe('ERR_NC_NAME_EXCLUDED');
  });

  it('refuses an RFC 8398 SmtpUTF8Mailbox under rfc822Name constraints rather than skip it', () => {
    const smtpUtf8 = otherName('1.3.6.1.5.5.7.8.9');
    expect(verdict(run([permit(email('example.com'))], { san: [smtpUtf8] }))).toBe('ERR_NC_UNSUPPORTED_NAME_FORM');
    expect(verdict(run([permit(dns('example.com'))], { san: [smtpUtf8] }))).toBe('ok');
  });
});
