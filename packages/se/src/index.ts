/**
 * @keyline/se — secure elements: the `SecureElement` interface, an emulator of the ATECC508A/608A
 * (chip images, slots, locks, counters, faults, a timing model), ATECC command framing with its
 * CRC-16, transports (in process, between threads and over a local socket), and trays of emulated chips.
 * No API here returns a private key.
 */
export type { SecureElement, ElementInfo } from './element.js';
export { AteccElement, MAX_RANDOM_LENGTH } from './atecc-element.js';
export { FramedElement, FramedCommandPort, interpretOutput, statusError } from './framed-element.js';
export { type CommandPort, DEFAULT_RESPONSE_TIMEOUT_MS } from './command-port.js';

// ATECC508A/608A facts
export { atcaCrc16, atcaCrcBytes } from './atecc/crc.js';
export { OPCODE, STATUS, OPERATIONS, type AteccCommand, type Opcode, type Operation } from './atecc/opcodes.js';
export {
  ZONE,
  SLOT_COUNT,
  SLOT_SIZES,
  CONFIG_ZONE_SIZE,
  OTP_ZONE_SIZE,
  encodeAddress,
  decodeAddress,
  type Zone,
  type ZoneAddress,
} from './atecc/zones.js';
export {
  CONFIG,
  modelOfRevision,
  serialOf,
  slotConfigOf,
  keyConfigOf,
  isConfigLocked,
  isDataLocked,
  slotLocksOf,
  type ChipModel,
} from './atecc/config-zone.js';
export {
  decodeSlotConfig,
  encodeSlotConfig,
  decodeKeyConfig,
  encodeKeyConfig,
  isPrivateKeySlot,
  KEY_TYPE_P256,
  KEY_TYPE_AES,
  KEY_TYPE_DATA,
  type SlotConfig,
  type KeyConfig,
} from './atecc/slot-config.js';
export {
  PROVISIONING_LAYOUT,
  PROVISIONING_SLOTS,
  buildConfigZone,
  type SlotLayoutEntry,
} from './atecc/provisioning-config.js';
export { ATECC_TIMING, commandDurationMs, type TimingModel } from './atecc/timing.js';

// Frames
export { encodeCommandFrame, decodeCommandFrame, MAX_COMMAND_FRAME } from './frame/command-frame.js';
export { encodeResponseFrame, decodeResponseFrame } from './frame/response-frame.js';

// The emulator
export { EmulatedChip, type ChipOptions, type ChipReply, type ChipSummary } from './emulator/chip.js';
export type { ChipSession } from './emulator/commands/index.js';
export { CommandProcessor } from './emulator/processor.js';
export { newChipState, createMemoryChip, randomSerialNumber, type NewChipOptions } from './emulator/create.js';
export { COUNTER_MAX, type ChipState } from './emulator/image.js';
export { type FaultSpec, type FaultEffect, parseFault } from './emulator/faults.js';
export type { Persistence } from './emulator/image-file.js';

// Transports
export type { Transport } from './transport/transport.js';
export { InProcessTransport } from './transport/in-process.js';
export { SocketTransport, type SocketTransportOptions } from './transport/socket-client.js';
export type { SocketAddress } from './transport/socket-protocol.js';
export { FramePortClient, PortTransport } from './transport/port-transport.js';
export type { FramePort, FrameRequest, FrameAnswer, SessionEnd } from './transport/port-protocol.js';

// Trays
export { createTray, listTray, openTrayChip, traySerials, chipFileName, Tray } from './tray/tray.js';
export { FramePortServer } from './tray/port-server.js';
export {
  serveTray,
  connectElement,
  type ServeTrayOptions,
  type TrayServer,
  type ConnectElementOptions,
} from './tray/serve.js';

// PKCS#11 tokens
export { Pkcs11Element, DEFAULT_PKCS11_MODULE, type Pkcs11ElementOptions } from './pkcs11/pkcs11-element.js';
export { PKCS11_SLOT_POLICIES, type Pkcs11SlotPolicy } from './pkcs11/slot-policy.js';
// The one process-wide registry of loaded PKCS#11 libraries: keyline's CA keys share it, because
// C_Initialize/C_Finalize act on the whole process.
export {
  acquireModule as acquirePkcs11Module,
  releaseModule as releasePkcs11Module,
  type LoadedModule as LoadedPkcs11Module,
} from './pkcs11/module.js';
