import { describe, expect, it } from 'vitest';
import { NameConstraintsState } from '../../../src/trust/name-constraints/index.js';
import {
  dirName,
  dn,
  dns,
  edi,
  email,
  exclude,
  hwName,
  ip,
  otherName,
  permit,
  run,
  subtree,
  uri,
  verdict,
  x400,
} from './helpers.js';

const HW_TYPE = '1.3.6.1.4.1.99999.1';

describe('NameConstraintsState: the path state of RFC 5280 6.1.2 (b)(c), 6.1.3 (b)(c), 6.1.4 (g)', () => {
  it('starts unbounded: every name passes', () => {
    const state = new NameConstraintsState();
    expect(state.isUnconstrained).toBe(true);
    expect(
      state.check({ subject: dn('CN=x'), subjectAltNames: [dns('a.b'), x400], isSelfIssuedIntermediate: false }),
    ).toEqual({ ok: true });
  });

  it('intersects permitted subtrees across certificates (x509-limbo restrictive-permits-in-intermediates-*)', () => {
    const ica1 = permit(dns('foo.example.com'), dns('bar.example.com'));
    const ica2 = permit(dns('bar.example.com'));
    expect(verdict(run([ica1, ica2], { san: [dns('foo.example.com')] }))).toBe('ERR_NC_NAME_NOT_PERMITTED');
    expect(verdict(run([ica1, ica2], { san: [dns('bar.example.com')] }))).toBe('ok');
    // A later CA cannot widen what an earlier one allowed.
    expect(verdict(run([ica2, ica1], { san: [dns('foo.example.com')] }))).toBe('ERR_NC_NAME_NOT_PERMITTED');
    // Disjoint permitted subtrees leave nothing of that form.
    expect(verdict(run([permit(dns('a.com')), permit(dns('b.com'))], { san: [dns('a.com')] }))).toBe(
      'ERR_NC_NAME_NOT_PERMITTED',
    );
    // A narrower subtree inside a wider one.
    expect(
      verdict(run([permit(dns('example.com')), permit(dns('sub.example.com'))], { san: [dns('x.sub.example.com')] })),
    ).toBe('ok');
  });

  it('leaves a form unchanged when a certificate permits only other forms (6.1.4 (g)(1))', () => {
    const path = [permit(dns('example.com')), permit(ip('192.0.2.0/24'))];
    expect(verdict(run(path, { san: [dns('www.example.com'), ip('192.0.2.1')] }))).toBe('ok');
    expect(verdict(run(path, { san: [dns('www.other.com')] }))).toBe('ERR_NC_NAME_NOT_PERMITTED');
    expect(verdict(run(path, { san: [ip('198.51.100.1')] }))).toBe('ERR_NC_NAME_NOT_PERMITTED');
  });

  it('unions excluded subtrees, and exclusion wins over permission (x509-limbo excluded-match-permitted-and-excluded)', () => {
    const path = [exclude(dns('a.example.com')), exclude(dns('b.example.com'))];
    expect(verdict(run(path, { san: [dns('a.example.com')] }))).toBe('ERR_NC_NAME_EXCLUDED');
    expect(verdict(run(path, { san: [dns('x.b.example.com')] }))).toBe('ERR_NC_NAME_EXCLUDED');
    expect(verdict(run(path, { san: [dns('c.example.com')] }))).toBe('ok');
    const both = { permitted: [subtree(dns('example.com'))], excluded: [subtree(dns('example.com'))] };
    expect(verdict(run([both], { san: [dns('example.com')] }))).toBe('ERR_NC_NAME_EXCLUDED');
  });

  it('skips self-issued intermediates but not a self-issued leaf (x509-limbo permitted-self-issued, excluded-self-issued-leaf)', () => {
    const nc = [permit(dns('example.com'))];
    expect(verdict(run(nc, { san: [dns('not-example.com')], selfIssuedIntermediate: true }))).toBe('ok');
    expect(verdict(run(nc, { san: [dns('not-example.com')], selfIssuedIntermediate: false }))).toBe(
      'ERR_NC_NAME_NOT_PERMITTED',
    );
  });

  it('refuses a GeneralSubtree with a minimum or a maximum, and leaves the state unchanged', () => {
    const state = new NameConstraintsState();
    expect(state.apply({ permitted: [{ base: dns('example.com'), minimum: 1 }] })).toMatchObject({
      ok: false,
      code: 'ERR_NC_MALFORMED_CONSTRAINT',
    });
    expect(state.apply({ excluded: [{ base: dns('example.com'), minimum: 0, maximum: 3 }] })).toMatchObject({
      ok: false,
      code: 'ERR_NC_MALFORMED_CONSTRAINT',
    });
    expect(state.apply({ permitted: [subtree(dns('example.com')), subtree(ip('10.0.0.1'))] })).toMatchObject({
      ok: false,
      code: 'ERR_NC_MALFORMED_CONSTRAINT',
    });
    expect(state.isUnconstrained).toBe(true);
  });

  describe('unsupported forms (issue 2 section 6: refused, never half-compared)', () => {
    it('refuses an x400Address under an x400Address constraint, and ignores the constraint when no such name appears', () => {
      expect(verdict(run([exclude(x400)], { san: [x400] }))).toBe('ERR_NC_UNSUPPORTED_NAME_FORM');
      expect(verdict(run([permit(x400)], { san: [x400] }))).toBe('ERR_NC_UNSUPPORTED_NAME_FORM');
      expect(verdict(run([permit(x400)], { san: [dns('example.com')] }))).toBe('ok');
    });

    it('refuses an ediPartyName under an ediPartyName constraint', () => {
      expect(verdict(run([exclude(edi)], { san: [edi] }))).toBe('ERR_NC_UNSUPPORTED_NAME_FORM');
      expect(verdict(run([permit(edi)], { subject: 'CN=x' }))).toBe('ok');
    });

    it('refuses an unknown otherName under a constraint of its type (x509-limbo nc-forbids-othername, -noop)', () => {
      const private1 = otherName('1.3.6.1.4.1.55738.666.3');
      expect(verdict(run([exclude(private1)], { san: [dns('example.com'), private1] }))).toBe(
        'ERR_NC_UNSUPPORTED_NAME_FORM',
      );
      expect(verdict(run([exclude(private1)], { san: [dns('example.com')] }))).toBe('ok');
      // Each otherName type-id is its own form.
      expect(verdict(run([exclude(private1)], { san: [otherName('1.3.6.1.4.1.55738.666.4')] }))).toBe('ok');
    });

    it('refuses registeredID names under registeredID constraints', () => {
      const rid = { type: 'registeredId', value: '1.2.3.4' } as const;
      expect(verdict(run([permit(rid)], { san: [rid] }))).toBe('ERR_NC_UNSUPPORTED_NAME_FORM');
      expect(verdict(run([permit(dns('example.com'))], { san: [rid] }))).toBe('ok');
    });

    it('refuses even when the unsupported constraint comes from a different certificate than the supported ones', () => {
      expect(verdict(run([permit(dns('example.com')), exclude(x400)], { san: [dns('www.example.com'), x400] }))).toBe(
        'ERR_NC_UNSUPPORTED_NAME_FORM',
      );
    });
  });

  describe('hardwareModuleName (RFC 4108): a subtree holds exactly the same module', () => {
    it('permits and excludes by equality of hwType and hwSerialNum', () => {
      const mine = hwName(HW_TYPE, '0102030405');
      expect(verdict(run([permit(mine)], { san: [hwName(HW_TYPE, '0102030405')] }))).toBe('ok');
      expect(verdict(run([permit(mine)], { san: [hwName(HW_TYPE, '0102030406')] }))).toBe('ERR_NC_NAME_NOT_PERMITTED');
      expect(verdict(run([permit(mine)], { san: [hwName('1.3.6.1.4.1.99999.2', '0102030405')] }))).toBe(
        'ERR_NC_NAME_NOT_PERMITTED',
      );
      expect(verdict(run([exclude(mine)], { san: [hwName(HW_TYPE, '0102030405')] }))).toBe('ERR_NC_NAME_EXCLUDED');
      expect(verdict(run([exclude(mine)], { san: [hwName(HW_TYPE, 'ff')] }))).toBe('ok');
      // Other forms of constraint do not touch it.
      expect(verdict(run([permit(dns('example.com'), uri('.example.com'))], { san: [hwName(HW_TYPE, '01')] }))).toBe(
        'ok',
      );
    });
  });

  describe('work bound', () => {
    it('refuses 2048 names against 2048 constraints (x509-limbo pathological::nc-dos-*) before comparing', () => {
      const constraints = Array.from({ length: 2048 }, (_, i) => dns(`c${i}.test`));
      const san = Array.from({ length: 2048 }, (_, i) => dns(`t${i}.test`));
      const started = performance.now();
      expect(verdict(run([permit(...constraints)], { san }))).toBe('ERR_NC_TOO_MUCH_WORK');
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it('counts over the whole path, and copies the budget left on clone', () => {
      const state = new NameConstraintsState({ maxComparisons: 10 });
      expect(state.apply(permit(dns('a.com'), dns('b.com'))).ok).toBe(true); // 2 comparisons per dNSName
      const names = { subject: dn(''), subjectAltNames: [dns('a.com'), dns('b.com')], isSelfIssuedIntermediate: false };
      expect(state.check(names)).toEqual({ ok: true }); // 4 used
      const branch = state.clone();
      expect(state.check(names)).toEqual({ ok: true }); // 8 used
      expect(state.check(names)).toMatchObject({ ok: false, code: 'ERR_NC_TOO_MUCH_WORK' });
      expect(branch.check(names)).toEqual({ ok: true }); // the clone had 6 left
      expect(branch.check(names)).toMatchObject({ ok: false, code: 'ERR_NC_TOO_MUCH_WORK' });
    });

    it('weighs directoryName comparisons by the RDNs compared', () => {
      const long = Array.from({ length: 50 }, (_, i) => `OU=u${i}`).join(',');
      const state = new NameConstraintsState({ maxComparisons: 49 });
      expect(state.apply(permit(dirName(long))).ok).toBe(true);
      expect(
        state.check({ subject: dn(long), subjectAltNames: undefined, isSelfIssuedIntermediate: false }),
      ).toMatchObject({
        code: 'ERR_NC_TOO_MUCH_WORK',
      });
    });

    it('does not count names no constraint governs', () => {
      const state = new NameConstraintsState({ maxComparisons: 1 });
      expect(state.apply(permit(ip('10.0.0.0/8'))).ok).toBe(true);
      const san = Array.from({ length: 1000 }, (_, i) => email(`u${i}@example.com`));
      expect(state.check({ subject: dn('CN=x'), subjectAltNames: san, isSelfIssuedIntermediate: false })).toEqual({
        ok: true,
      });
    });

    it('rejects a nonsensical limit as misuse', () => {
      expect(() => new NameConstraintsState({ maxComparisons: -1 })).toThrow(TypeError);
    });
  });

  it('keeps clones independent', () => {
    const state = new NameConstraintsState();
    state.apply(permit(dns('example.com')));
    const branch = state.clone();
    branch.apply(exclude(dns('www.example.com')));
    const names = { subject: dn(''), subjectAltNames: [dns('www.example.com')], isSelfIssuedIntermediate: false };
    expect(state.check(names)).toEqual({ ok: true });
    expect(branch.check(names)).toMatchObject({ code: 'ERR_NC_NAME_EXCLUDED' });
  });

  it('names the offending name in its message', () => {
    const result = run([permit(dns('example.com'))], { san: [dns('www.example.com'), dns('evil.org')] });
    expect(result).toMatchObject({ ok: false, code: 'ERR_NC_NAME_NOT_PERMITTED' });
    expect(!result.ok && result.message).toContain('evil.org');
    expect(verdict(run([permit(email('example.com'))], { san: [email('a@example.com')] }))).toBe('ok');
  });
});
