import { fail } from '@keyline/core';
import type { FactoryChipState, FactoryChipUpdate } from '../ca/store-port.js';

/**
 * The per-chip state machine of the provisioning line (DESIGN.md "Factory"; docs/factory.md).
 * The journal is written before each effect it announces, so a crash anywhere leaves an entry from
 * which the next run finds what the chip and the CA hold:
 *
 *   claimed ──► key-made ──► issuing ──► issued ──► (locked) ──► done
 *      │           │  ▲         │          │           │  ▲       │
 *      │           └──┘◄────────┴──────────┘           │  │       │   a key made again (new attempt)
 *      └───────────┴────────────┴──────────┴───────────┴──┼───────┴──► quarantined
 *                  ▲                                      │                │
 *                  └──────────── retry only ──────────────┴────────────────┘
 *
 * - `claimed`: the chip belongs to the batch; nothing was done to it yet (or a key was made that the
 *   journal never heard of: it is simply made again, no certificate names it).
 * - `key-made`: the identity key exists in slot 0; its public key and the request id of the
 *   attempt are recorded.
 * - `issuing`: the certificate request was handed to the CA under that request id; the CA's record
 *   (found by request id) tells whether it was issued.
 * - `issued`: the certificate serial is recorded; the chip is written and locked from here.
 * - `locked`: written and locked but the check failed or was not reached (recorded only when the
 *   line stops between the lock and `done`; a resumed chip found locked is checked again).
 * - `done`: the chip answered the challenge with its new key and the chain rebuilt from its
 *   storage is byte-identical to the CA's record. Only done chips are in the manifest.
 * - `quarantined`: the chip failed; any certificate issued for it is revoked. Final, except for a
 *   retry the operator asks for (`retryQuarantined`, factory/retry.ts): a chip found unlocked goes
 *   back to `key-made` with a new key (a new attempt; its earlier certificate revoked first), a
 *   locked one whose certificate is still valid to `locked`, to be checked again. Those two moves
 *   are in RETRY_TRANSITIONS, which only `transition(…, { retry: true })` may use.
 *
 * Making a key again (a new attempt) is allowed only before the lock; if the previous attempt had a
 * valid certificate it is revoked first (reason superseded), so a chip never ends with two.
 */
const TRANSITIONS: Readonly<Record<FactoryChipState, readonly FactoryChipState[]>> = {
  claimed: ['key-made', 'quarantined'],
  'key-made': ['key-made', 'issuing', 'quarantined'],
  issuing: ['issued', 'key-made', 'quarantined'],
  issued: ['locked', 'done', 'key-made', 'quarantined'],
  locked: ['done', 'quarantined'],
  done: ['quarantined'],
  quarantined: [],
};

/**
 * The ways out of quarantine, for a retry only: `key-made` (the chip was found unlocked and was
 * given a new key) and `locked` (the chip is locked with a valid certificate and is checked again).
 */
const RETRY_TRANSITIONS: Readonly<Partial<Record<FactoryChipState, readonly FactoryChipState[]>>> = {
  quarantined: ['key-made', 'locked'],
};

/** Whether the journal allows `from` → `to` (with `retry`, also a retry's way out of quarantine). */
export function canTransition(
  from: FactoryChipState,
  to: FactoryChipState,
  options: { readonly retry?: boolean } = {},
): boolean {
  return TRANSITIONS[from].includes(to) || (options.retry === true && (RETRY_TRANSITIONS[from]?.includes(to) ?? false));
}

/** An update of one entry, checked against the state machine (ERR_FACTORY_JOURNAL_STATE). */
export function transition(
  chipSerial: string,
  from: FactoryChipState,
  to: FactoryChipState,
  fields: Omit<FactoryChipUpdate, 'chipSerial' | 'from' | 'state'> = {},
  options: { readonly retry?: boolean } = {},
): FactoryChipUpdate {
  if (!canTransition(from, to, options)) {
    fail('ERR_FACTORY_JOURNAL_STATE', `chip ${chipSerial}: ${from} → ${to} is not a journal transition`, {
      chipSerial,
      from,
      to,
    });
  }
  return { chipSerial, from, state: to, ...fields };
}

/** Whether a chip in `state` has no work left in a run that retries nothing. */
export function isFinal(state: FactoryChipState): boolean {
  return state === 'done' || state === 'quarantined';
}

/**
 * The CA request id of a chip's attempt: issuance is idempotent per request id, so a crash between
 * handing the request to the CA and journalling its answer is resolved by asking the CA for it.
 */
export function requestIdFor(batchId: string, chipSerial: string, attempt: number): string {
  return `factory:${batchId}:${chipSerial}:${attempt}`;
}
