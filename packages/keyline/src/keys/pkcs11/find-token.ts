import { fail } from '@keyline/core';
import type { Pkcs11KeyUri } from '../uri/pkcs11-uri.js';
import type { Pkcs11Module } from './module-registry.js';
import { pkcs11Failure } from './failure.js';

/** A token found in a slot of a module. */
export interface FoundToken {
  readonly slot: Buffer;
  readonly slotId: bigint;
  /** CK_TOKEN_INFO.label without its blank padding. */
  readonly label: string;
  /** CK_TOKEN_INFO.flags. */
  readonly flags: number;
}

/** CK_UTF8CHAR fields are blank-padded to a fixed width (PKCS#11 v2.40 3.2); URIs carry them unpadded. */
export function unpad(field: string): string {
  return field.replace(/[ \0]+$/, '');
}

/** A CK_ULONG slot id from pkcs11js's handle buffer (native byte order: little-endian here). */
export function slotIdOf(slot: Buffer): bigint {
  return slot.length >= 8 ? slot.readBigUInt64LE(0) : BigInt(slot.readUInt32LE(0));
}

/**
 * The one initialised token of `module` that matches every token, slot and library attribute of
 * the URI (RFC 7512 2.3: an attribute left out matches anything). No match is ERR_KEY_NOT_FOUND;
 * several are ERR_KEY_BAD_URI (the URI must say which).
 */
export function findToken(module: Pkcs11Module, uri: Pkcs11KeyUri): FoundToken {
  const { api, lib } = module;
  try {
    const info = api.C_GetInfo();
    const libraryMatches =
      (uri.libraryManufacturer === undefined || unpad(info.manufacturerID) === uri.libraryManufacturer) &&
      (uri.libraryDescription === undefined || unpad(info.libraryDescription) === uri.libraryDescription) &&
      (uri.libraryVersion === undefined ||
        (info.libraryVersion.major === uri.libraryVersion.major &&
          info.libraryVersion.minor === uri.libraryVersion.minor));
    const found: FoundToken[] = [];
    if (libraryMatches) {
      for (const slot of api.C_GetSlotList(true)) {
        const slotId = slotIdOf(slot);
        if (uri.slotId !== undefined && uri.slotId !== slotId) continue;
        const slotInfo = api.C_GetSlotInfo(slot);
        if (uri.slotDescription !== undefined && unpad(slotInfo.slotDescription) !== uri.slotDescription) continue;
        if (uri.slotManufacturer !== undefined && unpad(slotInfo.manufacturerID) !== uri.slotManufacturer) continue;
        const token = api.C_GetTokenInfo(slot);
        // A token that was never initialised has no keys and no user PIN (SoftHSM keeps one free slot).
        if ((token.flags & lib.CKF_TOKEN_INITIALIZED) === 0) continue;
        const label = unpad(token.label);
        if (uri.token !== undefined && label !== uri.token) continue;
        if (uri.manufacturer !== undefined && unpad(token.manufacturerID) !== uri.manufacturer) continue;
        if (uri.model !== undefined && unpad(token.model) !== uri.model) continue;
        if (uri.serial !== undefined && unpad(token.serialNumber) !== uri.serial) continue;
        found.push({ slot, slotId, label, flags: token.flags });
      }
    }
    if (found.length === 0) fail('ERR_KEY_NOT_FOUND', `no initialised token in ${module.path} matches the key URI`);
    if (found.length > 1) {
      fail('ERR_KEY_BAD_URI', `${found.length} tokens match the key URI: name one with token=, serial= or slot-id=`);
    }
    return found[0]!;
  } catch (error) {
    throw pkcs11Failure(error, 'token lookup');
  }
}
