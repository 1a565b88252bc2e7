import type { ErrorSpec } from '../spec.js';

/**
 * Failures of the provisioning line (`keyline factory run`, packages/keyline/src/factory/): refusals
 * of a batch as a whole, and the reasons a single chip is quarantined (the batch goes on without it).
 */
export const FACTORY_ERRORS = {
  ERR_FACTORY_BAD_INPUT: { message: 'the factory run options are invalid', kind: 'input' },
  ERR_FACTORY_BAD_SE: {
    message: 'the secure element source must be emulator:<tray-dir> or pkcs11:<uri>',
    kind: 'input',
  },
  ERR_FACTORY_CA_NOT_COMPRESSIBLE: {
    message:
      'the issuing CA certificate cannot be stored compressed in a chip (re-create the issuing CA with this version)',
    kind: 'state',
  },
  ERR_FACTORY_CA_UNSUITABLE: {
    message: 'the CA cannot provision devices (an active issuing or manufacturer CA with a P-256 key is needed)',
    kind: 'state',
  },
  ERR_FACTORY_BATCH_MISMATCH: {
    message: 'a batch with this id exists with other parameters (CA, product, count or element source)',
    kind: 'state',
  },
  ERR_FACTORY_BATCH_BUSY: { message: 'another process is running this batch', kind: 'state' },
  ERR_FACTORY_NO_CHIPS: { message: 'no chip could be provisioned in this batch', kind: 'state' },
  ERR_FACTORY_CHIP_CLAIMED: { message: 'the chip belongs to another batch', kind: 'state' },
  ERR_FACTORY_CHIP_FAILED: { message: 'the secure element failed during provisioning', kind: 'invalid' },
  ERR_FACTORY_CHIP_NOT_BLANK: {
    message: 'the chip was already locked or personalised before the line reached it',
    kind: 'invalid',
  },
  ERR_FACTORY_KEY_MISMATCH: {
    message: "the key in the chip's identity slot is not the one the certificate was issued for",
    kind: 'invalid',
  },
  ERR_FACTORY_CHALLENGE_FAILED: {
    message: "the chip's signature over the challenge does not verify with its new certificate",
    kind: 'invalid',
  },
  ERR_FACTORY_REBUILD_MISMATCH: {
    message: 'the certificate chain rebuilt from the chip differs from what the CA recorded',
    kind: 'invalid',
  },
  ERR_FACTORY_ISSUANCE_FAILED: { message: 'the CA did not issue the device certificate', kind: 'invalid' },
  ERR_FACTORY_RETRY_REVOKED: {
    message:
      'the quarantined chip cannot be retried: its data zone is locked and its certificate was revoked (a locked chip takes no new key)',
    kind: 'state',
  },
  ERR_FACTORY_RETRY_LOCKED: {
    message:
      'the quarantined chip cannot be retried: its data zone is locked without a valid certificate of this batch recorded for it',
    kind: 'state',
  },
  ERR_FACTORY_JOURNAL_STATE: {
    message: 'the journal entry is not in a state that allows this transition',
    kind: 'state',
  },
} as const satisfies Record<string, ErrorSpec>;
