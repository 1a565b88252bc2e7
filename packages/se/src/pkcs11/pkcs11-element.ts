import { fail } from '@keyline/core';
import type { ECDH1 } from 'pkcs11js';
import { MAX_RANDOM_LENGTH } from '../atecc-element.js';
import { SLOT_SIZES } from '../atecc/zones.js';
import { fromHex, isBytes, toHex } from '../bytes.js';
import type { ElementInfo, SecureElement } from '../element.js';
import { COUNTER_MAX } from '../emulator/image.js';
import { checkPeerPoint, P256_EC_PARAMS, pointFromEcPoint } from './ec.js';
import { tokenFailure } from './failure.js';
import { acquireModule, releaseModule, type LoadedModule } from './module.js';
import { slotPolicy, PKCS11_SLOT_POLICIES, type Pkcs11SlotPolicy } from './slot-policy.js';
import { counterLabel, LOCKS_LABEL, slotLabel, TokenObjects } from './token-objects.js';

/** Where Debian's softhsm2 package installs its module. */
export const DEFAULT_PKCS11_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

/** How to reach the token. */
export interface Pkcs11ElementOptions {
  /** Absolute path of the PKCS#11 module (default: SoftHSM2's, `DEFAULT_PKCS11_MODULE`). */
  readonly modulePath?: string;
  /** CKA token label (CK_TOKEN_INFO.label, without its blank padding). */
  readonly tokenLabel: string;
  /** The user PIN. */
  readonly pin: string;
  /**
   * The serial number `info()` reports, as bytes or hexadecimal; by default the token's own
   * CK_TOKEN_INFO.serialNumber (hex-decoded when it is hexadecimal, else its ASCII bytes).
   */
  readonly serialNumber?: Uint8Array | string;
}

/** The lock state, kept on the token as the data object `keyline-locks`: [dataLocked, slot bits 0-7, 8-15]. */
interface LockState {
  dataLocked: boolean;
  slotLocks: boolean[];
}

const COUNTER_IDS = [0, 1];

function checkRange(offset: number, length: number, size: number): void {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > size
  )
    fail('ERR_SE_OUT_OF_RANGE', 'range lies outside the slot');
}

function checkCounterId(id: number): void {
  if (!COUNTER_IDS.includes(id)) fail('ERR_SE_OUT_OF_RANGE', 'counter must be 0 or 1');
}

function trimmed(value: string): string {
  return value.replace(/[\s\0]+$/, '');
}

function hexByte(value: number): string {
  return (value & 0xff).toString(16).padStart(2, '0');
}

/**
 * A `SecureElement` on a PKCS#11 token: SoftHSM2 in tests; an NXP SE050, a YubiHSM or another token
 * through its vendor's module in the field. Each key slot is an EC P-256 key pair made on the token
 * (CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE true, CKA_EXTRACTABLE false) and labelled `keyline-slot-<n>`;
 * data slots, counters and the lock state are private CKO_DATA objects. The slot numbers, sizes and
 * rules are those of `PROVISIONING_LAYOUT` (see `PKCS11_SLOT_POLICIES`).
 *
 * PKCS#11 has no configuration zone and no lock bits: the configuration is this class's fixed slot
 * policy, so `configLocked` is always true, and the data and slot locks are a data object that this
 * class honours. Anyone holding the user PIN can still change the token with other tools; the token
 * itself guarantees only that private keys never leave it. This class never reads CKA_VALUE of a
 * private key.
 */
export class Pkcs11Element implements SecureElement {
  readonly #module: LoadedModule;
  readonly #session: Buffer;
  readonly #slotHandle: Buffer;
  readonly #objects: TokenObjects;
  readonly #serial: Uint8Array | undefined;
  readonly #pin: string;
  #closed = false;
  /** Absolute path of the PKCS#11 module this element drives. */
  readonly modulePath: string;
  /** The token's label (CK_TOKEN_INFO.label). */
  readonly tokenLabel: string;

  private constructor(
    module: LoadedModule,
    slotHandle: Buffer,
    session: Buffer,
    serial: Uint8Array | undefined,
    options: Pkcs11ElementOptions,
  ) {
    this.#module = module;
    this.#slotHandle = slotHandle;
    this.#session = session;
    this.#objects = new TokenObjects(module, session);
    this.#serial = serial;
    this.#pin = options.pin;
    this.modulePath = options.modulePath ?? DEFAULT_PKCS11_MODULE;
    this.tokenLabel = options.tokenLabel;
  }

  /**
   * The RFC 7512 PKCS#11 URI of the private key of key slot `slot`
   * (`pkcs11:token=<label>;object=keyline-slot-<n>;type=private`), for other PKCS#11 consumers such
   * as OpenSSL's pkcs11 engine (mutual TLS with the device key, see docs/device-sdk.md). With
   * `pin: true` the user PIN is appended as the `pin-value` query attribute: treat such a URI as a
   * secret. The key itself stays on the token.
   */
  keyUri(slot: number, options: { readonly pin?: boolean } = {}): string {
    keyPolicy(slot);
    const uri = `pkcs11:token=${encodeUriPart(this.tokenLabel)};object=${encodeUriPart(slotLabel(slot))};type=private`;
    return options.pin === true ? `${uri}?pin-value=${encodeUriPart(this.#pin)}` : uri;
  }

  /**
   * Loads the module (once per process), finds the token labelled `tokenLabel`, opens a read/write
   * session and logs in as the user. ERR_SE_TOKEN_NOT_FOUND, ERR_SE_BAD_PIN, ERR_SE_PKCS11.
   */
  static async open(options: Pkcs11ElementOptions): Promise<Pkcs11Element> {
    const serial =
      options.serialNumber === undefined
        ? undefined
        : typeof options.serialNumber === 'string'
          ? fromHex(options.serialNumber, 'ERR_SE_BAD_SERIAL', 'serial number')
          : new Uint8Array(options.serialNumber);
    if (serial !== undefined && serial.length === 0) fail('ERR_SE_BAD_SERIAL', 'the serial number is empty');
    const module = acquireModule(options.modulePath ?? DEFAULT_PKCS11_MODULE);
    const { api, lib } = module;
    let session: Buffer | undefined;
    try {
      const slotHandle = api
        .C_GetSlotList(true)
        .find((slot) => trimmed(api.C_GetTokenInfo(slot).label) === options.tokenLabel);
      if (slotHandle === undefined) fail('ERR_SE_TOKEN_NOT_FOUND', `no token labelled "${options.tokenLabel}"`);
      session = api.C_OpenSession(slotHandle, lib.CKF_SERIAL_SESSION | lib.CKF_RW_SESSION);
      try {
        api.C_Login(session, lib.CKU_USER, options.pin);
      } catch (error) {
        // Another session of this process may already have logged the token in (PKCS#11 v2.40 5.6).
        if ((error as Error).message?.startsWith('CKR_USER_ALREADY_LOGGED_IN') !== true) throw error;
      }
      return new Pkcs11Element(module, slotHandle, session, serial, options);
    } catch (error) {
      if (session !== undefined) {
        try {
          api.C_CloseSession(session);
        } catch {
          // already failing
        }
      }
      releaseModule(module);
      throw tokenFailure(error, 'open');
    }
  }

  /** Runs `operation` on the open session, mapping the token's CKR_* failures to KeylineErrors. */
  async #call<T>(what: string, operation: () => T, peerPoint = false): Promise<T> {
    if (this.#closed) fail('ERR_SE_CLOSED');
    try {
      return operation();
    } catch (error) {
      throw tokenFailure(error, what, peerPoint);
    }
  }

  async info(): Promise<ElementInfo> {
    return this.#call('info', () => {
      const token = this.#module.api.C_GetTokenInfo(this.#slotHandle);
      const serialNumber = this.#serial ?? serialOfToken(token.serialNumber, token.label);
      const locks = this.#locks();
      return {
        serialNumber: new Uint8Array(serialNumber),
        serialHex: toHex(serialNumber),
        model: trimmed(token.model) || trimmed(token.label),
        revision:
          hexByte(token.hardwareVersion.major) +
          hexByte(token.hardwareVersion.minor) +
          hexByte(token.firmwareVersion.major) +
          hexByte(token.firmwareVersion.minor),
        configLocked: true,
        dataLocked: locks.dataLocked,
        slotLocks: locks.slotLocks,
        slotSizes: [...SLOT_SIZES],
      };
    });
  }

  async generateKey(slot: number): Promise<Uint8Array> {
    const policy = keyPolicy(slot);
    return this.#call('key generation', () => {
      this.#checkKeyMayChange(slot, policy);
      const { api, lib } = this.#module;
      const label = slotLabel(slot);
      const old = [...this.#objects.find(lib.CKO_PRIVATE_KEY, label), ...this.#objects.find(lib.CKO_PUBLIC_KEY, label)];
      const id = Buffer.from(label, 'utf8');
      // PKCS#11 v2.40 section 2.3.3 (EC key pair generation), 4.8-4.9 (key attributes).
      const keys = api.C_GenerateKeyPair(
        this.#session,
        { mechanism: lib.CKM_EC_KEY_PAIR_GEN },
        [
          { type: lib.CKA_CLASS, value: lib.CKO_PUBLIC_KEY },
          { type: lib.CKA_KEY_TYPE, value: lib.CKK_EC },
          { type: lib.CKA_TOKEN, value: true },
          { type: lib.CKA_PRIVATE, value: false },
          { type: lib.CKA_VERIFY, value: policy.sign },
          { type: lib.CKA_EC_PARAMS, value: Buffer.from(P256_EC_PARAMS) },
          { type: lib.CKA_LABEL, value: label },
          { type: lib.CKA_ID, value: id },
        ],
        [
          { type: lib.CKA_CLASS, value: lib.CKO_PRIVATE_KEY },
          { type: lib.CKA_KEY_TYPE, value: lib.CKK_EC },
          { type: lib.CKA_TOKEN, value: true },
          { type: lib.CKA_PRIVATE, value: true },
          { type: lib.CKA_SENSITIVE, value: true },
          { type: lib.CKA_EXTRACTABLE, value: false },
          { type: lib.CKA_SIGN, value: policy.sign },
          { type: lib.CKA_DERIVE, value: policy.ecdh },
          { type: lib.CKA_LABEL, value: label },
          { type: lib.CKA_ID, value: id },
        ],
      );
      // The new pair exists before the old one goes, so a failure in between never leaves the slot empty.
      this.#objects.destroy(old);
      return this.#publicPoint(keys.publicKey);
    });
  }

  async getPublicKey(slot: number): Promise<Uint8Array> {
    keyPolicy(slot);
    return this.#call('public key read', () => {
      const [handle] = this.#objects.find(this.#module.lib.CKO_PUBLIC_KEY, slotLabel(slot));
      if (handle === undefined) fail('ERR_SE_NO_KEY');
      return this.#publicPoint(handle);
    });
  }

  async sign(slot: number, digest: Uint8Array): Promise<Uint8Array> {
    const policy = keyPolicy(slot);
    if (!isBytes(digest) || digest.length !== 32) fail('ERR_SE_BAD_DIGEST');
    const copy = Buffer.from(digest);
    return this.#call('signing', () => {
      const key = this.#privateKey(slot);
      if (!policy.sign) fail('ERR_SE_PERMISSION_DENIED', 'the key of this slot does not sign');
      const { api, lib } = this.#module;
      // CKM_ECDSA signs the given hash and returns r || s, each as long as the order (PKCS#11 v2.40 2.3.6).
      api.C_SignInit(this.#session, { mechanism: lib.CKM_ECDSA }, key);
      const signature = api.C_Sign(this.#session, copy, Buffer.alloc(128));
      if (signature.length !== 64) fail('ERR_SE_PKCS11', 'the token gave a signature that is not 64 bytes');
      return new Uint8Array(signature);
    });
  }

  async ecdh(slot: number, peerPublicKey: Uint8Array): Promise<Uint8Array> {
    const policy = keyPolicy(slot);
    checkPeerPoint(peerPublicKey);
    const peer = Buffer.from(peerPublicKey);
    return this.#call(
      'ECDH',
      () => {
        if (!policy.ecdh) fail('ERR_SE_PERMISSION_DENIED', 'the key of this slot does not do ECDH');
        const key = this.#privateKey(slot);
        const { api, lib } = this.#module;
        // CKM_ECDH1_DERIVE with the null KDF gives the X coordinate (PKCS#11 v2.40 2.3.7, SEC 1 3.3.1),
        // into a session object that is not sensitive and is extractable: its CKA_VALUE is the secret.
        const parameter: ECDH1 = { type: lib.CK_PARAMS_EC_DH, kdf: lib.CKD_NULL, publicData: peer };
        const secret = api.C_DeriveKey(this.#session, { mechanism: lib.CKM_ECDH1_DERIVE, parameter }, key, [
          { type: lib.CKA_CLASS, value: lib.CKO_SECRET_KEY },
          { type: lib.CKA_KEY_TYPE, value: lib.CKK_GENERIC_SECRET },
          { type: lib.CKA_TOKEN, value: false },
          { type: lib.CKA_SENSITIVE, value: false },
          { type: lib.CKA_EXTRACTABLE, value: true },
          { type: lib.CKA_VALUE_LEN, value: 32 },
        ]);
        try {
          const [value] = api.C_GetAttributeValue(this.#session, secret, [{ type: lib.CKA_VALUE }]);
          if (value?.value.length !== 32) fail('ERR_SE_PKCS11', 'the derived secret is not 32 bytes');
          return new Uint8Array(value.value);
        } finally {
          api.C_DestroyObject(this.#session, secret);
        }
      },
      true,
    );
  }

  async random(length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(length) || length < 1 || length > MAX_RANDOM_LENGTH)
      fail('ERR_SE_OUT_OF_RANGE', `random length must be 1 to ${MAX_RANDOM_LENGTH}`);
    return this.#call('random', () => {
      const out = this.#module.api.C_GenerateRandom(this.#session, Buffer.alloc(length));
      return new Uint8Array(out);
    });
  }

  async readCounter(id: number): Promise<number> {
    checkCounterId(id);
    return this.#call('counter read', () => this.#counter(id));
  }

  async incrementCounter(id: number): Promise<number> {
    checkCounterId(id);
    return this.#call('counter increment', () => {
      const next = this.#counter(id) + 1;
      if (next > COUNTER_MAX) fail('ERR_SE_COUNTER_LIMIT');
      const value = new Uint8Array(4);
      new DataView(value.buffer).setUint32(0, next, true);
      this.#objects.writeData(counterLabel(id), value);
      return next;
    });
  }

  async read(slot: number, offset: number, length: number): Promise<Uint8Array> {
    const policy = slotPolicy(slot);
    checkRange(offset, length, policy.size);
    return this.#call('data read', () => {
      if (policy.kind === 'key') fail('ERR_SE_PRIVATE_KEY_SLOT');
      // As on the ATECC chips, data slots are readable once the data zone is locked.
      if (!this.#locks().dataLocked) fail('ERR_SE_NOT_LOCKED', 'data slots are readable after lockData()');
      if (policy.kind === 'secret') fail('ERR_SE_PERMISSION_DENIED', 'a secret slot is never read');
      if (length === 0) return new Uint8Array(0);
      return this.#slotValue(slot, policy).slice(offset, offset + length);
    });
  }

  async write(slot: number, offset: number, data: Uint8Array): Promise<void> {
    const policy = slotPolicy(slot);
    if (!isBytes(data)) fail('ERR_SE_OUT_OF_RANGE', 'data must be bytes');
    checkRange(offset, data.length, policy.size);
    if (offset % 4 !== 0 || data.length % 4 !== 0) fail('ERR_SE_MISALIGNED');
    const copy = new Uint8Array(data);
    return this.#call('data write', () => {
      if (policy.kind === 'key') fail('ERR_SE_PRIVATE_KEY_SLOT');
      const locks = this.#locks();
      if (locks.slotLocks[slot] === true) fail('ERR_SE_LOCKED', 'the slot is locked');
      if (locks.dataLocked && !policy.changesAfterDataLock) fail('ERR_SE_LOCKED', 'the slot is fixed by the data lock');
      const value = this.#slotValue(slot, policy);
      value.set(copy, offset);
      this.#objects.writeData(slotLabel(slot), value);
    });
  }

  async lockConfig(): Promise<void> {
    return this.#call('config lock', () => {
      // The configuration is the fixed slot policy of this class: it is locked from the start.
      fail('ERR_SE_ALREADY_LOCKED', 'a PKCS#11 element has a fixed configuration');
    });
  }

  async lockData(): Promise<void> {
    return this.#call('data lock', () => {
      const locks = this.#locks();
      if (locks.dataLocked) fail('ERR_SE_ALREADY_LOCKED');
      this.#saveLocks({ ...locks, dataLocked: true });
    });
  }

  async lockSlot(slot: number): Promise<void> {
    const policy = slotPolicy(slot);
    return this.#call('slot lock', () => {
      if (!policy.lockable) fail('ERR_SE_NOT_LOCKABLE');
      const locks = this.#locks();
      if (locks.slotLocks[slot] === true) fail('ERR_SE_ALREADY_LOCKED');
      const slotLocks = [...locks.slotLocks];
      slotLocks[slot] = true;
      this.#saveLocks({ ...locks, slotLocks });
    });
  }

  /** Logs out, closes the session and drops this element's hold on the module. Later calls: ERR_SE_CLOSED. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const { api } = this.#module;
    try {
      try {
        api.C_Logout(this.#session);
      } catch {
        // Logging out fails if another session of this process logged out first; the session still closes.
      }
      api.C_CloseSession(this.#session);
    } catch {
      // The token may be gone already; there is nothing left to release on it.
    } finally {
      releaseModule(this.#module);
    }
  }

  #checkKeyMayChange(slot: number, policy: Pkcs11SlotPolicy): void {
    const locks = this.#locks();
    if (locks.slotLocks[slot] === true) fail('ERR_SE_LOCKED', 'the slot is locked');
    if (locks.dataLocked && !policy.changesAfterDataLock) fail('ERR_SE_LOCKED', 'the key is fixed by the data lock');
  }

  #privateKey(slot: number): Buffer {
    const [handle] = this.#objects.find(this.#module.lib.CKO_PRIVATE_KEY, slotLabel(slot));
    if (handle === undefined) fail('ERR_SE_NO_KEY');
    return handle;
  }

  #publicPoint(handle: Buffer): Uint8Array {
    const { api, lib } = this.#module;
    const [point] = api.C_GetAttributeValue(this.#session, handle, [{ type: lib.CKA_EC_POINT }]);
    return pointFromEcPoint(new Uint8Array(point?.value ?? Buffer.alloc(0)));
  }

  /** The whole stored value of a data slot, zero-filled to its size (a slot never written reads as zeros). */
  #slotValue(slot: number, policy: Pkcs11SlotPolicy): Uint8Array {
    const value = new Uint8Array(policy.size);
    const stored = this.#objects.readData(slotLabel(slot));
    if (stored !== undefined) value.set(stored.subarray(0, policy.size));
    return value;
  }

  #counter(id: number): number {
    // Two objects only if an increment was cut short between its create and destroy: the larger is right.
    let value = 0;
    for (const stored of this.#objects.readAllData(counterLabel(id))) {
      if (stored.length !== 4) fail('ERR_SE_PKCS11', 'the counter object is malformed');
      value = Math.max(value, new DataView(stored.buffer, stored.byteOffset, 4).getUint32(0, true));
    }
    return value;
  }

  #locks(): LockState {
    const stored = this.#objects.readData(LOCKS_LABEL);
    const slotLocks = PKCS11_SLOT_POLICIES.map(() => false);
    if (stored === undefined) return { dataLocked: false, slotLocks };
    if (stored.length !== 3) fail('ERR_SE_PKCS11', 'the lock state object is malformed');
    const bits = stored[1]! | (stored[2]! << 8);
    return { dataLocked: stored[0] === 1, slotLocks: slotLocks.map((_, slot) => (bits & (1 << slot)) !== 0) };
  }

  #saveLocks(locks: LockState): void {
    const bits = locks.slotLocks.reduce((acc, locked, slot) => (locked ? acc | (1 << slot) : acc), 0);
    this.#objects.writeData(LOCKS_LABEL, Uint8Array.of(locks.dataLocked ? 1 : 0, bits & 0xff, bits >> 8));
  }
}

/** RFC 7512 2.3: everything but unreserved characters percent-encoded (encodeURIComponent keeps a few more). */
function encodeUriPart(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

function keyPolicy(slot: number): Pkcs11SlotPolicy {
  const policy = slotPolicy(slot);
  if (policy.kind !== 'key') fail('ERR_SE_NOT_A_KEY_SLOT');
  return policy;
}

/** CK_TOKEN_INFO.serialNumber as bytes: hex-decoded when it is hexadecimal, else its ASCII (or the label's). */
function serialOfToken(serial: string, label: string): Uint8Array {
  const text = trimmed(serial) || trimmed(label);
  if (/^(?:[0-9a-fA-F]{2})+$/.test(text)) return new Uint8Array(Buffer.from(text, 'hex'));
  return new Uint8Array(Buffer.from(text, 'latin1'));
}
