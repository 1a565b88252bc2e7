import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { fail, isKeylineError } from '@keyline/core';
import {
  DEFAULT_PKCS11_MODULE,
  EmulatedChip,
  Pkcs11Element,
  Tray,
  acquirePkcs11Module,
  chipFileName,
  parseFault,
  releasePkcs11Module,
  traySerials,
  type ChipState,
  type SecureElement,
} from '@keyline/se';
import { parsePkcs11KeyUri, type Pkcs11KeyUri } from '../keys/uri/pkcs11-uri.js';

/**
 * Where the line's chips come from: an emulator tray (`emulator:<tray-dir>`) or PKCS#11 tokens
 * (`pkcs11:<uri>`, each token matching the URI is one chip). A source lists its chips by serial and
 * opens one as a `SecureElement`.
 */
export interface ChipSource {
  /** The source as recorded with the batch (a PKCS#11 URI without its PIN). */
  readonly description: string;
  /** Serials (lower-case hex) of the chips available, sorted. */
  serials(): Promise<string[]>;
  /** Opens one chip (the caller closes the element). */
  open(serialHex: string): Promise<SecureElement>;
  /** The emulated chip itself (emulator sources only): what a station thread serves frames from. */
  chip?(serialHex: string): Promise<EmulatedChip>;
  /**
   * Lets go of a chip the line is finished with in this run (`memory` persistence: the chip leaves
   * the station, and its state, kept nowhere else, with it), so a batch's chips do not pile up in
   * memory. A no-op for other sources.
   */
  release?(serialHex: string): void;
  /** Writes out what is pending (deferred persistence) and releases the source. */
  close(): Promise<void>;
}

export interface SourceOptions {
  readonly persistence: 'file' | 'memory' | 'deferred';
  readonly timing: boolean;
  /** How long to wait for a chip that does not answer (default 2 s). */
  readonly timeoutMs?: number;
}

/** Opens the source a `--se` value names (ERR_FACTORY_BAD_SE when it names none). */
export async function openChipSource(se: string, options: SourceOptions): Promise<ChipSource> {
  if (se.startsWith('emulator:')) return emulatorSource(se.slice('emulator:'.length), options);
  if (se.startsWith('pkcs11:')) return pkcs11Source(se);
  return fail('ERR_FACTORY_BAD_SE');
}

function emulatorSource(dir: string, options: SourceOptions): ChipSource {
  if (dir === '') fail('ERR_FACTORY_BAD_SE', 'emulator: needs a tray directory');
  const timeoutMs = options.timeoutMs;
  const elementOptions = timeoutMs === undefined ? {} : { timeoutMs };
  if (options.persistence === 'memory') {
    // Benchmarks: each chip is read from its image and lives in memory only; the tray is not changed.
    const chips = new Map<string, EmulatedChip>();
    const chipOf = async (serialHex: string): Promise<EmulatedChip> => {
      let chip = chips.get(serialHex);
      if (chip === undefined) {
        // Synchronous: a small file read once per chip costs less than a thread-pool round trip.
        const text = readFileSync(join(dir, chipFileName(serialHex)), 'utf8');
        chip = new EmulatedChip(stateOfImage(text), { timing: options.timing });
        chips.set(serialHex, chip);
      }
      return chip;
    };
    return {
      description: `emulator:${dir}`,
      serials: () => listTray(dir),
      open: async (serialHex) => (await chipOf(serialHex)).element(elementOptions),
      chip: chipOf,
      release: (serialHex) => void chips.delete(serialHex),
      close: async () => undefined,
    };
  }
  // `file`: every change durable before the chip answers (the tray's default), so whatever the line
  // was told survives a crash; `deferred` coalesces writes for throughput runs.
  const tray = new Tray(dir, {
    persistence: options.persistence === 'deferred' ? 'deferred' : 'durable',
    timing: options.timing,
  });
  return {
    description: `emulator:${dir}`,
    serials: () => listTray(dir),
    async open(serialHex) {
      return (await tray.chip(serialHex)).element(elementOptions);
    },
    chip: (serialHex) => tray.chip(serialHex),
    close: () => tray.flush(),
  };
}

/**
 * The state in a chip image file (docs/secure-elements.md, "Chip images"), for `memory` persistence:
 * the chip then lives in this process only. @keyline/se deliberately exports no reader of images
 * (they hold private keys); this one serves benchmarks and keeps nothing once the chip is dropped.
 */
function stateOfImage(text: string): ChipState {
  const image = JSON.parse(text) as {
    config: string;
    otp: string;
    slots: string[];
    counters: number[];
    faults?: unknown[];
  };
  const bytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
  if (!Array.isArray(image.slots) || !Array.isArray(image.counters)) fail('ERR_FACTORY_BAD_SE', 'not a chip image');
  return {
    config: bytes(image.config),
    otp: bytes(image.otp),
    slots: image.slots.map(bytes),
    counters: [...image.counters],
    faults: (image.faults ?? []).map(parseFault),
  };
}

async function listTray(dir: string): Promise<string[]> {
  try {
    return await traySerials(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') fail('ERR_FACTORY_BAD_SE', `no tray directory ${dir}`);
    throw error;
  }
}

function unpad(field: string): string {
  return field.replace(/[\s\0]+$/, '');
}

/** The PIN of a PKCS#11 URI: pin-value, or the first line of the pin-source file. */
async function pinOf(uri: Pkcs11KeyUri): Promise<string> {
  if (uri.pinValue !== undefined) return uri.pinValue;
  if (uri.pinSource !== undefined) {
    const path = uri.pinSource.startsWith('file:') ? uri.pinSource.slice('file:'.length) : uri.pinSource;
    return (await readFile(path, 'utf8')).split(/\r?\n/)[0] ?? '';
  }
  return fail('ERR_FACTORY_BAD_SE', 'the PKCS#11 URI needs pin-value or pin-source');
}

/**
 * Every initialised token whose CK_TOKEN_INFO matches the URI's token attributes (token label,
 * manufacturer, model, serial) is a chip; its serial is the token's (as `Pkcs11Element` reports it).
 */
async function pkcs11Source(se: string): Promise<ChipSource> {
  let uri: Pkcs11KeyUri;
  try {
    uri = parsePkcs11KeyUri(se);
  } catch (error) {
    if (isKeylineError(error)) fail('ERR_FACTORY_BAD_SE', `the PKCS#11 URI is malformed: ${error.message}`);
    throw error;
  }
  const modulePath = uri.modulePath ?? DEFAULT_PKCS11_MODULE;
  const pin = await pinOf(uri);
  const labels: string[] = [];
  const module = acquirePkcs11Module(modulePath);
  try {
    const { api, lib } = module;
    for (const slot of api.C_GetSlotList(true)) {
      const info = api.C_GetTokenInfo(slot);
      // SoftHSM2 and others list a free, uninitialised token too: not a chip.
      if ((info.flags & lib.CKF_TOKEN_INITIALIZED) === 0) continue;
      if (uri.token !== undefined && unpad(info.label) !== uri.token) continue;
      if (uri.manufacturer !== undefined && unpad(info.manufacturerID) !== uri.manufacturer) continue;
      if (uri.model !== undefined && unpad(info.model) !== uri.model) continue;
      if (uri.serial !== undefined && unpad(info.serialNumber) !== uri.serial) continue;
      labels.push(unpad(info.label));
    }
  } finally {
    releasePkcs11Module(module);
  }
  // The token's serial as the element reports it, found by opening each once.
  const bySerial = new Map<string, string>();
  for (const label of labels) {
    const element = await Pkcs11Element.open({ modulePath, tokenLabel: label, pin });
    try {
      bySerial.set((await element.info()).serialHex, label);
    } finally {
      await element.close();
    }
  }
  const description = se.replace(/([?&;])pin-value=[^&;]*/g, '$1pin-value=redacted');
  return {
    description,
    serials: async () => [...bySerial.keys()].sort(),
    async open(serialHex) {
      const label = bySerial.get(serialHex);
      if (label === undefined) fail('ERR_FACTORY_BAD_SE', `no token with serial ${serialHex}`);
      return Pkcs11Element.open({ modulePath, tokenLabel: label, pin });
    },
    close: async () => undefined,
  };
}
