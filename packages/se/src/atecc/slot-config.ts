/**
 * The two 16-bit words that decide what each slot of an ATECC508A/608A may do (datasheet sections
 * "SlotConfig" and "KeyConfig"), stored little-endian in the configuration zone.
 */

/** SlotConfig, bit by bit. */
export interface SlotConfig {
  /**
   * Bits 0-3. For a private-key slot: bit 0 external signatures of arbitrary digests, bit 1 internal
   * signatures, bit 2 ECDH permitted, bit 3 ECDH result written to slot N|1 instead of output in clear.
   * For other slots, the slot of the key used for encrypted reads.
   */
  readonly readKey: number;
  readonly noMac: boolean;
  readonly limitedUse: boolean;
  readonly encryptRead: boolean;
  /** The slot's contents are secret: clear reads are refused. */
  readonly isSecret: boolean;
  readonly writeKey: number;
  /**
   * Bits 12-15. For Write: 0b0000 always; 0b0001 PubInvalid; x01x and 0b1000 never; x1xx encrypted
   * only. For GenKey: bit 1 (0b0010) allows GenKey to make a new key in the slot once the data zone
   * is locked. For PrivWrite: bit 3 with encryption.
   */
  readonly writeConfig: number;
}

/** KeyConfig, bit by bit. */
export interface KeyConfig {
  /** The slot holds an ECC private key. */
  readonly private: boolean;
  /** For a private key: its public key may be computed and output (GenKey mode 0). */
  readonly pubInfo: boolean;
  /** Bits 2-4: 4 = P-256 ECC key, 6 = AES (608A), 7 = SHA key or other data. */
  readonly keyType: number;
  /** The slot may be locked on its own with Lock (mode 2). */
  readonly lockable: boolean;
  readonly reqRandom: boolean;
  readonly reqAuth: boolean;
  readonly authKey: number;
  readonly persistentDisable: boolean;
  readonly x509id: number;
}

export const KEY_TYPE_P256 = 4;
export const KEY_TYPE_AES = 6;
export const KEY_TYPE_DATA = 7;

/** ReadKey bits of a private-key slot. */
export const READKEY_EXTERNAL_SIGN = 0x1;
export const READKEY_INTERNAL_SIGN = 0x2;
export const READKEY_ECDH = 0x4;
export const READKEY_ECDH_TO_SLOT = 0x8;

/** WriteConfig bit that lets GenKey replace the key after the data zone is locked. */
export const WRITECONFIG_GENKEY = 0x2;

export function decodeSlotConfig(value: number): SlotConfig {
  return {
    readKey: value & 0xf,
    noMac: (value & 0x10) !== 0,
    limitedUse: (value & 0x20) !== 0,
    encryptRead: (value & 0x40) !== 0,
    isSecret: (value & 0x80) !== 0,
    writeKey: (value >> 8) & 0xf,
    writeConfig: (value >> 12) & 0xf,
  };
}

export function encodeSlotConfig(config: SlotConfig): number {
  return (
    (config.readKey & 0xf) |
    (config.noMac ? 0x10 : 0) |
    (config.limitedUse ? 0x20 : 0) |
    (config.encryptRead ? 0x40 : 0) |
    (config.isSecret ? 0x80 : 0) |
    ((config.writeKey & 0xf) << 8) |
    ((config.writeConfig & 0xf) << 12)
  );
}

export function decodeKeyConfig(value: number): KeyConfig {
  return {
    private: (value & 0x1) !== 0,
    pubInfo: (value & 0x2) !== 0,
    keyType: (value >> 2) & 0x7,
    lockable: (value & 0x20) !== 0,
    reqRandom: (value & 0x40) !== 0,
    reqAuth: (value & 0x80) !== 0,
    authKey: (value >> 8) & 0xf,
    persistentDisable: (value & 0x1000) !== 0,
    x509id: (value >> 14) & 0x3,
  };
}

export function encodeKeyConfig(config: KeyConfig): number {
  return (
    (config.private ? 0x1 : 0) |
    (config.pubInfo ? 0x2 : 0) |
    ((config.keyType & 0x7) << 2) |
    (config.lockable ? 0x20 : 0) |
    (config.reqRandom ? 0x40 : 0) |
    (config.reqAuth ? 0x80 : 0) |
    ((config.authKey & 0xf) << 8) |
    (config.persistentDisable ? 0x1000 : 0) |
    ((config.x509id & 0x3) << 14)
  );
}

/** A slot configured for a P-256 private key: KeyConfig.Private with KeyType 4. */
export function isPrivateKeySlot(keyConfig: KeyConfig): boolean {
  return keyConfig.private && keyConfig.keyType === KEY_TYPE_P256;
}

/**
 * Whether Write may change the slot once the data zone is locked (WriteConfig 0b0000, "always").
 * PubInvalid (0b0001) needs Verify-based validation and encrypted writes need a write key and MAC;
 * the emulator implements neither, so both count as not writable in clear.
 */
export function writeConfigAllowsClearWrite(writeConfig: number): boolean {
  return writeConfig === 0;
}

/** WriteConfig values that demand encrypted writes (x1xx). */
export function writeConfigRequiresEncryption(writeConfig: number): boolean {
  return (writeConfig & 0x4) !== 0;
}
