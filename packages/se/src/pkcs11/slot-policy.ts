import { fail } from '@keyline/core';
import { SLOT_COUNT, SLOT_SIZES } from '../atecc/zones.js';

/** What one slot of a `Pkcs11Element` holds and allows. */
export interface Pkcs11SlotPolicy {
  /** `key`: an EC P-256 key pair on the token; `data`: a CKO_DATA object; `secret`: a data object never read back. */
  readonly kind: 'key' | 'data' | 'secret';
  /** A key slot's private key may sign (CKA_SIGN). */
  readonly sign: boolean;
  /** A key slot's private key may do ECDH (CKA_DERIVE). */
  readonly ecdh: boolean;
  /** A new key (key slot) or a write (data slot) is allowed after `lockData()`. */
  readonly changesAfterDataLock: boolean;
  /** `lockSlot()` may lock this slot on its own. */
  readonly lockable: boolean;
  /** Size in bytes (data and secret slots are stored at this size). */
  readonly size: number;
}

const FIXED_KEY = { kind: 'key', changesAfterDataLock: false, lockable: true } as const;
const FIELD_KEY = { kind: 'key', changesAfterDataLock: true, lockable: false } as const;
const WRITE_ONCE = { kind: 'data', sign: false, ecdh: false, changesAfterDataLock: false, lockable: true } as const;
const FREE = { kind: 'data', sign: false, ecdh: false, changesAfterDataLock: true, lockable: true } as const;

/**
 * The slots of a `Pkcs11Element`, with the same numbers, sizes and rules as `PROVISIONING_LAYOUT` on an
 * emulated ATECC chip, so the provisioning line uses the same slot numbers whichever element it drives
 * (docs/secure-elements.md, "The PKCS#11 element").
 */
export const PKCS11_SLOT_POLICIES: readonly Pkcs11SlotPolicy[] = Object.freeze(
  (
    [
      { ...FIXED_KEY, sign: true, ecdh: true }, // 0 identity key
      { ...FIXED_KEY, sign: true, ecdh: false }, // 1 attestation key
      { ...FIELD_KEY, sign: true, ecdh: true }, // 2 operational key
      { ...FIELD_KEY, sign: false, ecdh: true }, // 3 key-agreement key
      { ...FIELD_KEY, sign: true, ecdh: true }, // 4 spare key
      { kind: 'secret', sign: false, ecdh: false, changesAfterDataLock: false, lockable: false }, // 5 secret
      FREE, // 6
      FREE, // 7
      WRITE_ONCE, // 8 device certificate
      WRITE_ONCE, // 9 signer public key
      WRITE_ONCE, // 10 signer certificate
      WRITE_ONCE, // 11 reserved
      FREE, // 12
      FREE, // 13
      FREE, // 14
      FREE, // 15
    ] as const
  ).map((policy, slot) => Object.freeze({ ...policy, size: SLOT_SIZES[slot]! })),
);

/** The policy of `slot`, or ERR_SE_OUT_OF_RANGE. */
export function slotPolicy(slot: number): Pkcs11SlotPolicy {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) fail('ERR_SE_OUT_OF_RANGE', 'no such slot');
  return PKCS11_SLOT_POLICIES[slot]!;
}
