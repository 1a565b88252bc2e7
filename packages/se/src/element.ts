/**
 * A secure element: a chip that makes and keeps private keys and does the operations that need them
 * (signing a digest, key agreement) itself. There is no operation that returns a private key, and no
 * implementation may add one.
 *
 * Errors are `KeylineError`s with ERR_SE_* codes. Slots are numbered from 0; data moves in whole
 * 4-byte words (writes) as it does on the ATECC508A/608A.
 */
export interface SecureElement {
  /** Serial number, model, revision and lock state. */
  info(): Promise<ElementInfo>;
  /**
   * Makes a new P-256 key in `slot` and returns its public key (65-byte uncompressed point 04 || X || Y).
   * Only in a slot configured for a private key whose configuration and locks still allow a new key
   * (ERR_SE_NOT_A_KEY_SLOT, ERR_SE_LOCKED).
   */
  generateKey(slot: number): Promise<Uint8Array>;
  /** The public key (65-byte uncompressed point) of the key in `slot` (ERR_SE_NO_KEY if there is none). */
  getPublicKey(slot: number): Promise<Uint8Array>;
  /**
   * Signs a 32-byte digest with the key in `slot`; returns the raw signature r || s (64 bytes). Turn it
   * into the DER ECDSA-Sig-Value that X.509, CMS and TLS carry with `ecdsaSignatureFromRaw` from
   * @keyline/core; verify it against the public key with node:crypto's `verify` using
   * `dsaEncoding: 'ieee-p1363'` over the message the digest was made from.
   */
  sign(slot: number, digest: Uint8Array): Promise<Uint8Array>;
  /** The ECDH shared secret (32-byte X coordinate) of the key in `slot` and a peer's uncompressed P-256 point. */
  ecdh(slot: number, peerPublicKey: Uint8Array): Promise<Uint8Array>;
  /** `length` bytes (1 to 4096) from the element's random number generator. */
  random(length: number): Promise<Uint8Array>;
  /** The value of monotonic counter `id` (0 or 1). */
  readCounter(id: number): Promise<number>;
  /** Adds one to monotonic counter `id` and returns the new value; ERR_SE_COUNTER_LIMIT at 2,097,151. */
  incrementCounter(id: number): Promise<number>;
  /** `length` bytes of data slot `slot` from `offset`, as its configuration and locks allow. */
  read(slot: number, offset: number, length: number): Promise<Uint8Array>;
  /** Writes `data` into data slot `slot` at `offset`: whole words at a word-aligned offset (ERR_SE_MISALIGNED). */
  write(slot: number, offset: number, data: Uint8Array): Promise<void>;
  /** Locks the configuration zone: it can never change again. */
  lockConfig(): Promise<void>;
  /** Locks the data (and OTP) zone: from then on each slot can change only as its configuration allows. */
  lockData(): Promise<void>;
  /** Locks one slot whose configuration allows it: it can never change again. */
  lockSlot(slot: number): Promise<void>;
  /** Releases the connection to the element; later calls fail with ERR_SE_CLOSED. */
  close(): Promise<void>;
}

/** What `SecureElement.info()` reports. */
export interface ElementInfo {
  /** The chip's unique serial number (9 bytes on the ATECC508A/608A). */
  readonly serialNumber: Uint8Array;
  /** The serial number in lower-case hexadecimal. */
  readonly serialHex: string;
  /** The chip model, e.g. "ATECC608A". */
  readonly model: string;
  /** The chip revision, lower-case hexadecimal (the ATECC RevNum, e.g. "00006002"). */
  readonly revision: string;
  readonly configLocked: boolean;
  readonly dataLocked: boolean;
  /** For each slot, whether it is locked on its own. */
  readonly slotLocks: readonly boolean[];
  /** The size in bytes of each slot. */
  readonly slotSizes: readonly number[];
}
