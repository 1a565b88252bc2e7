import { isKeylineError } from '@keyline/core';
import { describe, expect, it } from 'vitest';
import type { FactoryChipState } from '../../src/ca/store-port.js';
import { canTransition, isFinal, requestIdFor, transition } from '../../src/factory/journal.js';

const STATES: FactoryChipState[] = ['claimed', 'key-made', 'issuing', 'issued', 'locked', 'done', 'quarantined'];

describe('the per-chip journal state machine', () => {
  it('allows exactly the documented transitions', () => {
    const allowed = STATES.flatMap((from) =>
      STATES.filter((to) => canTransition(from, to)).map((to) => `${from}>${to}`),
    );
    expect(allowed.sort()).toEqual(
      [
        'claimed>key-made',
        'claimed>quarantined',
        'key-made>key-made',
        'key-made>issuing',
        'key-made>quarantined',
        'issuing>issued',
        'issuing>key-made',
        'issuing>quarantined',
        'issued>locked',
        'issued>done',
        'issued>key-made',
        'issued>quarantined',
        'locked>done',
        'locked>quarantined',
        'done>quarantined',
      ].sort(),
    );
  });

  it('never makes a key again after the lock, and nothing leaves quarantine but a retry', () => {
    expect(canTransition('locked', 'key-made')).toBe(false);
    expect(canTransition('done', 'key-made')).toBe(false);
    for (const to of STATES) expect(canTransition('quarantined', to)).toBe(false);
    expect(isFinal('done')).toBe(true);
    expect(isFinal('quarantined')).toBe(true);
    expect(isFinal('issued')).toBe(false);
  });

  it('a retry adds exactly two ways out of quarantine: a new key, or a locked chip checked again', () => {
    const allowed = STATES.flatMap((from) =>
      STATES.filter((to) => canTransition(from, to, { retry: true }) && !canTransition(from, to)).map(
        (to) => `${from}>${to}`,
      ),
    );
    expect(allowed.sort()).toEqual(['quarantined>key-made', 'quarantined>locked']);
    // Never straight to done: a retried chip is checked first.
    expect(canTransition('quarantined', 'done', { retry: true })).toBe(false);
    expect(transition('aa', 'quarantined', 'locked', { code: null }, { retry: true })).toEqual({
      chipSerial: 'aa',
      from: 'quarantined',
      state: 'locked',
      code: null,
    });
    let error: unknown;
    try {
      transition('aa', 'quarantined', 'key-made');
    } catch (e) {
      error = e;
    }
    expect(isKeylineError(error, 'ERR_FACTORY_JOURNAL_STATE')).toBe(true);
  });

  it('builds checked updates and refuses the others with ERR_FACTORY_JOURNAL_STATE', () => {
    expect(transition('aa', 'issuing', 'issued', { certSerial: '41' })).toEqual({
      chipSerial: 'aa',
      from: 'issuing',
      state: 'issued',
      certSerial: '41',
    });
    let error: unknown;
    try {
      transition('aa', 'claimed', 'done');
    } catch (e) {
      error = e;
    }
    expect(isKeylineError(error, 'ERR_FACTORY_JOURNAL_STATE')).toBe(true);
  });

  it('names each attempt of each chip with its own CA request id', () => {
    expect(requestIdFor('b1', '0123aa', 1)).toBe('factory:b1:0123aa:1');
    expect(requestIdFor('b1', '0123aa', 2)).not.toBe(requestIdFor('b1', '0123aa', 1));
  });
});
