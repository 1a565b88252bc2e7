import type { KeyObject } from 'node:crypto';
import { KeylineError, systemClock, type Certificate, type ChainDefinition, type Clock } from '@keyline/core';
import type { SecureElement } from '@keyline/se';
import { attestationToken, type AttestOptions } from './attest.js';
import { deviceNames, readChipChain } from './chain.js';
import { deviceTlsOptions, type DeviceTlsOptions, type TlsOptionsRequest } from './tls-options.js';

/** The identity key's slot in `PROVISIONING_SLOTS` (@keyline/se). */
export const IDENTITY_KEY_SLOT = 0;

/** Options of `DeviceIdentity.open`. */
export interface OpenOptions {
  /**
   * The chain definition of the device's issuing CA (`keyline factory definition`): what rebuilds
   * the certificates from the chip. Firmware embeds it.
   */
  readonly definition?: ChainDefinition;
  /** The identity key's slot. Default 0. */
  readonly keySlot?: number;
  /** Where `attest` takes the time from when not given one. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * EMULATOR-ONLY: the emulated chip's key handle from `emulatorTlsKey(chip)`
   * (`@keyline/se/emulator-tls`), for `tlsOptions`. A real element never gives one.
   */
  readonly tlsKey?: KeyObject;
}

/**
 * A device's identity, read from its secure element: its certificate chain (rebuilt from the chip
 * with a chain definition and checked), its names, and operations with its key, which never leaves
 * the element: attestation tokens and mutual TLS.
 */
export class DeviceIdentity {
  /** The device id: the lowercase hex of the chip serial (the certificate's commonName, KECP 6.1). */
  readonly deviceId: string;
  readonly manufacturerId: string;
  readonly productId: string;
  /** The product's hardware version, when the certificate names one. */
  readonly hardwareVersion: string | undefined;
  /** The subject serialNumber (the label's serial; by default the device id). */
  readonly serialNumber: string;
  /** The chip's serial number. */
  readonly chipSerial: Uint8Array;
  /** The identity key's 65-octet uncompressed P-256 point. */
  readonly publicKey: Uint8Array;
  /** DER: device certificate, issuing CA, manufacturer CA (leaf first, the root excluded). */
  readonly certificates: readonly Uint8Array[];
  /** The same, decoded. */
  readonly chain: readonly Certificate[];
  readonly element: SecureElement;
  readonly keySlot: number;
  readonly #clock: Clock;
  readonly #tlsKey: KeyObject | undefined;

  private constructor(
    element: SecureElement,
    keySlot: number,
    chip: { chipSerial: Uint8Array; publicKey: Uint8Array; certificates: readonly Certificate[] },
    options: OpenOptions,
  ) {
    const names = deviceNames(chip.certificates[0]!);
    this.deviceId = names.deviceId;
    this.manufacturerId = names.manufacturerId;
    this.productId = names.productId;
    this.hardwareVersion = names.hardwareVersion;
    this.serialNumber = names.serialNumber;
    this.chipSerial = chip.chipSerial;
    this.publicKey = chip.publicKey;
    this.chain = Object.freeze([...chip.certificates]);
    this.certificates = Object.freeze(chip.certificates.map((c) => c.der));
    this.element = element;
    this.keySlot = keySlot;
    this.#clock = options.clock ?? systemClock;
    this.#tlsKey = options.tlsKey;
  }

  /**
   * Reads the element's serial, identity key and certificate slots (8 and 9) and rebuilds and checks
   * the chain with `options.definition`. ERR_DEVICE_NO_DEFINITION without a definition,
   * ERR_DEVICE_NOT_PROVISIONED for an element the line has not finished (no key, data zone not
   * locked, empty slots), ERR_DEVICE_CHAIN_INVALID when the definition does not rebuild a chain that
   * verifies, ERR_CHAIN_SLOT_MALFORMED for slots not in the layout; the element's ERR_SE_* codes pass through.
   */
  static async open(element: SecureElement, options: OpenOptions = {}): Promise<DeviceIdentity> {
    const keySlot = options.keySlot ?? IDENTITY_KEY_SLOT;
    if (!Number.isInteger(keySlot) || keySlot < 0 || keySlot > 15) throw new TypeError('keySlot must be 0 to 15');
    if (options.definition === undefined) {
      throw new KeylineError(
        'ERR_DEVICE_NO_DEFINITION',
        'DeviceIdentity.open needs { definition }: the chain definition of the issuing CA (keyline factory definition)',
      );
    }
    const chip = await readChipChain(element, options.definition, keySlot);
    return new DeviceIdentity(element, keySlot, chip, options);
  }

  /** The chain as PEM, leaf first, root excluded: what a TLS client presents. */
  chainPem(): string {
    return this.chain.map((c) => c.toPem()).join('');
  }

  /**
   * A compact JWS (ES256) signed inside the element: header `{ alg: "ES256", typ:
   * "keyline-attestation+jwt", x5c: [leaf, issuing CA, manufacturer CA] }`, payload `{ iss, sub:
   * deviceId, aud, nonce, iat }`. ERR_DEVICE_BAD_ATTEST_INPUT for an empty, long or non-printable
   * nonce or audience.
   */
  attest(options: AttestOptions): Promise<string> {
    const withTime: AttestOptions = { ...options, now: options?.now ?? this.#clock.now() };
    return attestationToken(this.element, this.keySlot, this.chain, this.deviceId, withTime);
  }

  /**
   * Options for `tls.connect`, `https.request` or `mqtt.connect` doing mutual TLS with the element's
   * key (see `deviceTlsOptions`): for PKCS#11 through OpenSSL's pkcs11 engine, for an emulated chip
   * through its EMULATOR-ONLY key handle; ERR_DEVICE_NO_TLS_KEY otherwise.
   */
  tlsOptions(request: TlsOptionsRequest = {}): DeviceTlsOptions {
    return deviceTlsOptions(this.element, this.keySlot, this.chain, this.#tlsKey, request);
  }
}
