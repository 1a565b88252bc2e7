import { KeylineError, systemRandom, type RandomSource } from '@keyline/core';
import { Exclusive } from '../exclusive.js';
import {
  emulatedModelOf,
  isConfigLocked,
  isDataLocked,
  keyConfigOf,
  revisionOf,
  serialOf,
  slotLocksOf,
  type ChipModel,
} from '../atecc/config-zone.js';
import { OPCODE, OPERATION_OF_OPCODE, type AteccCommand, type Operation } from '../atecc/opcodes.js';
import { GENKEY_CREATE } from './commands/keys.js';
import { COUNTER_INCREMENT } from './commands/misc.js';
import { isPrivateKeySlot } from '../atecc/slot-config.js';
import { ATECC_TIMING, commandDurationMs, type TimingModel } from '../atecc/timing.js';
import { SLOT_COUNT } from '../atecc/zones.js';
import { bytesEqual, toHex } from '../bytes.js';
import { sleep } from '../command-port.js';
import { HANDLERS, slotOfCommand, type ChipSession, type CommandContext } from './commands/index.js';
import { matchFault, parseFault, type FaultEffect, type FaultSpec } from './faults.js';
import { cloneState, draftState, type ChipState } from './image.js';
import { fileStore, memoryStore, readImageFile, type ChipStore, type Persistence } from './image-file.js';
import { generateScalar, publicKeyOf } from './p256.js';
import { scalarIn } from './commands/context.js';
import { AteccElement } from '../atecc-element.js';
import { FramedElement } from '../framed-element.js';
import { InProcessTransport } from '../transport/in-process.js';
import { DirectCommandPort } from './direct-port.js';
import { CommandProcessor } from './processor.js';

/**
 * Reads a private-key slot's scalar out of an emulated chip. Set by `EmulatedChip`'s static block
 * (the only code that sees its private state) and used only by `emulator/tls-key.ts`, which the
 * package exports as the separate, EMULATOR-ONLY subpath `@keyline/se/emulator-tls`; the main
 * index does not export it (test/no-private-key.test.ts).
 */
let readScalar: ((chip: EmulatedChip, slot: number) => Uint8Array | undefined) | undefined;

/** The scalar of `slot` (a copy), or undefined when the slot holds no key. EMULATOR-ONLY; see `readScalar`. */
export function emulatedScalarOf(chip: EmulatedChip, slot: number): Uint8Array | undefined {
  return readScalar!(chip, slot);
}

/** What the chip did with one command. */
export type ChipReply =
  /** The command's output (a lone 0x00 for success without data); `garbled` when a `crc` fault spoils its CRC. */
  | { readonly kind: 'output'; readonly output: Uint8Array; readonly garbled: boolean }
  /** The chip refused or failed the command. */
  | { readonly kind: 'error'; readonly error: KeylineError }
  /** The chip did not answer. */
  | { readonly kind: 'silent' };

/** How an emulated chip behaves beyond its image. */
export interface ChipOptions {
  /** Randomness for keys, signatures and the Random command (default: the system CSPRNG). */
  readonly random?: RandomSource;
  /** Simulate a real chip's command durations: `true` for `ATECC_TIMING`, or a model. Off by default. */
  readonly timing?: TimingModel | boolean;
  /** How an image file is kept (default `durable`); see `Persistence`. */
  readonly persistence?: Persistence;
}

/** A line of `keyline se tray list`: what a chip is, without anything secret. */
export interface ChipSummary {
  readonly serialHex: string;
  readonly model: ChipModel;
  readonly revision: string;
  readonly configLocked: boolean;
  readonly dataLocked: boolean;
  /** Slots locked on their own. */
  readonly lockedSlots: readonly number[];
  /** Private-key slots that hold a key. */
  readonly keySlots: readonly number[];
  /** Faults waiting in the chip. */
  readonly faults: number;
  /** The image file, or "memory". */
  readonly location: string;
}

/** Effects that change what a successful command outputs (or stores); on other commands `corrupt` fails. */
const CORRUPTIBLE: ReadonlySet<Operation> = new Set<Operation>(['sign', 'genKey', 'read', 'ecdh', 'random', 'write']);

/** Whether a command can change the chip: Write, Lock, GenKey making a key, Counter incrementing. */
function mayChange(command: AteccCommand): boolean {
  switch (command.opcode) {
    case OPCODE.WRITE:
    case OPCODE.LOCK:
      return true;
    case OPCODE.GENKEY:
      return command.param1 === GENKEY_CREATE;
    case OPCODE.COUNTER:
      return command.param1 === COUNTER_INCREMENT;
    default:
      return false;
  }
}

const SILENT: ChipReply = { kind: 'silent' };

function flipBit(bytes: Uint8Array, index: number): Uint8Array {
  const out = new Uint8Array(bytes);
  out[index] = out[index]! ^ 0x01;
  return out;
}

/**
 * One emulated ATECC508A/608A. It runs one command at a time, as the chip does; a command that
 * changes the chip is answered only after its new state is saved (for a tray chip: the image file is
 * replaced atomically), so whatever the host was told survives a crash of the process.
 *
 * Its state is private: nothing here returns a private key, and the only way to see one is to read
 * the image file.
 */
export class EmulatedChip {
  #state: ChipState;
  #store: ChipStore = memoryStore;
  readonly #random: RandomSource;
  #timing: TimingModel | undefined;
  readonly #publicKeys = new Map<number, { scalar: Uint8Array; point: Uint8Array }>();
  readonly #turns = new Exclusive();

  static {
    readScalar = (chip, slot) => {
      const scalar = scalarIn(chip.#state, slot);
      return scalar === undefined ? undefined : new Uint8Array(scalar);
    };
  }

  /** The chip's 9-byte serial number in lower-case hexadecimal. */
  readonly serialHex: string;
  readonly model: ChipModel;

  /**
   * A chip with the given state that lives in memory only (see `newChipState`); `EmulatedChip.open`
   * opens one kept in an image file. The state is copied: later changes to `state` do not reach the chip.
   */
  constructor(state: ChipState, options: ChipOptions = {}) {
    const model = emulatedModelOf(state.config);
    if (model === undefined) throw new KeylineError('ERR_SE_BAD_IMAGE', 'revision is not an emulated model');
    this.#state = cloneState(state);
    this.#random = options.random ?? systemRandom;
    this.#timing = options.timing === true ? ATECC_TIMING : options.timing === false ? undefined : options.timing;
    this.serialHex = toHex(serialOf(state.config));
    this.model = model;
  }

  /** Opens the chip kept in an image file. */
  static async open(path: string, options: ChipOptions = {}): Promise<EmulatedChip> {
    const chip = new EmulatedChip(await readImageFile(path), options);
    chip.#store = fileStore(path, options.persistence);
    return chip;
  }

  /** The 9-byte serial number (a copy). */
  get serialNumber(): Uint8Array {
    return serialOf(this.#state.config);
  }

  /** Where the chip is kept: its image file, or "memory". */
  get location(): string {
    return this.#store.location;
  }

  /** Turns the timing model on (`true` or a model) or off. */
  setTiming(timing: TimingModel | boolean): void {
    this.#timing = timing === true ? ATECC_TIMING : timing === false ? undefined : timing;
  }

  /**
   * A `SecureElement` on this chip in process, commands handed over directly (no framing).
   * `timeoutMs` is how long it waits for a silent chip before ERR_SE_NOT_RESPONDING.
   */
  element(options: { timeoutMs?: number } = {}): AteccElement {
    return new AteccElement(new DirectCommandPort(this, options));
  }

  /** A `SecureElement` on this chip through command frames and an in-process transport. */
  framedElement(options: { timeoutMs?: number } = {}): FramedElement {
    return new FramedElement(this.transport(options));
  }

  /** An in-process transport to this chip's command processor (a session of its own). */
  transport(options: { timeoutMs?: number } = {}): InProcessTransport {
    return new InProcessTransport(new CommandProcessor(this), options);
  }

  /** A new host session (its own TempKey). */
  openSession(): ChipSession {
    return { tempKey: undefined };
  }

  /** Runs one command as the chip would. Never throws: failures are replies. */
  execute(command: AteccCommand, session: ChipSession): Promise<ChipReply> {
    return this.#exclusive(() => this.#execute(command, session));
  }

  /** Writes out any change not yet in the image (`deferred` persistence); a no-op otherwise. */
  flush(): Promise<void> {
    return this.#exclusive(() => this.#store.flush());
  }

  /** Adds a fault (checked, saved with the image). */
  async injectFault(fault: FaultSpec): Promise<void> {
    const checked = parseFault(fault);
    await this.#exclusive(() => this.#commit({ ...cloneState(this.#state), faults: [...this.#state.faults, checked] }));
  }

  /** Removes every fault. */
  async clearFaults(): Promise<void> {
    await this.#exclusive(() => this.#commit({ ...cloneState(this.#state), faults: [] }));
  }

  /** The faults still waiting (copies). */
  get faults(): FaultSpec[] {
    return this.#state.faults.map((fault) => ({ ...fault }));
  }

  summary(): ChipSummary {
    const { config } = this.#state;
    const lockedSlots: number[] = [];
    const keySlots: number[] = [];
    slotLocksOf(config).forEach((locked, slot) => locked && lockedSlots.push(slot));
    for (let slot = 0; slot < SLOT_COUNT; slot++)
      if (isPrivateKeySlot(keyConfigOf(config, slot)) && scalarIn(this.#state, slot) !== undefined) keySlots.push(slot);
    return {
      serialHex: this.serialHex,
      model: this.model,
      revision: toHex(revisionOf(config)),
      configLocked: isConfigLocked(config),
      dataLocked: isDataLocked(config),
      lockedSlots,
      keySlots,
      faults: this.#state.faults.length,
      location: this.#store.location,
    };
  }

  #exclusive<T>(run: () => Promise<T>): Promise<T> {
    return this.#turns.run(run);
  }

  async #commit(next: ChipState): Promise<void> {
    await this.#store.save(next);
    this.#state = next;
  }

  /**
   * Runs one command at once, synchronously, when nothing has to be waited for: no other command
   * queued or running, no timing model, and a chip kept in memory only (its "save" is taking the new
   * state). The reply is the one `execute` would give (a `silent` reply included: the caller waits out
   * its timeout). Undefined when the command must go through `execute`. A line sends some thirty
   * commands per chip; each would otherwise cost several promises and closures.
   */
  executeNow(command: AteccCommand, session: ChipSession): ChipReply | undefined {
    if (this.#turns.busy || this.#timing !== undefined || this.#store !== memoryStore) return undefined;
    const outcome = this.#decide(command, session);
    if (outcome.next !== undefined) this.#state = outcome.next;
    return outcome.reply;
  }

  async #execute(command: AteccCommand, session: ChipSession): Promise<ChipReply> {
    const outcome = this.#decide(command, session);
    let reply = outcome.reply;
    if (outcome.next !== undefined) {
      try {
        await this.#commit(outcome.next);
      } catch (cause) {
        reply = {
          kind: 'error',
          error: new KeylineError('ERR_SE_EXECUTION_FAILED', 'could not save the chip image', undefined, { cause }),
        };
      }
    }
    if (this.#timing !== undefined && reply.kind !== 'silent') {
      const bytes = 7 + command.data.length + 3 + (reply.kind === 'output' ? reply.output.length : 1);
      const ms = commandDurationMs(this.#timing, this.#operationOf(command), bytes);
      if (ms > 0) await sleep(ms);
    }
    return reply;
  }

  #operationOf(command: AteccCommand): Operation | undefined {
    return OPERATION_OF_OPCODE.get(command.opcode);
  }

  /**
   * What one command does, without saving anything: the reply, and the state to save before the reply
   * is given (undefined when nothing changed). If the save fails, the chip answers an execution error
   * and keeps its state (`#execute`).
   */
  #decide(command: AteccCommand, session: ChipSession): { reply: ChipReply; next: ChipState | undefined } {
    const state = this.#state;
    const operation = this.#operationOf(command);
    // Most chips carry no fault: then there is nothing to match.
    const decision =
      state.faults.length === 0 ? undefined : matchFault(state.faults, operation, slotOfCommand(command));
    const effect: FaultEffect | undefined = decision?.effect;
    const faultsChanged = decision?.changed ?? false;
    const faults = decision?.faults ?? state.faults;
    // The faults used up, saved alone (a command that fails or does nothing).
    const faultsOnly = faultsChanged ? { ...state, faults } : undefined;
    if (effect === 'silent') return { reply: SILENT, next: faultsOnly };
    if (effect === 'fail' || (effect === 'corrupt' && (operation === undefined || !CORRUPTIBLE.has(operation))))
      return {
        reply: { kind: 'error', error: new KeylineError('ERR_SE_EXECUTION_FAILED', 'injected fault') },
        next: faultsOnly,
      };

    // Commands that may change the chip work on a copy that is saved before it replaces the state;
    // the others read the state as it is.
    const mutating = mayChange(command);
    let draft = state;
    if (mutating) {
      draft = draftState(state);
      draft.faults = faults;
    }
    const context: CommandContext = {
      state: draft,
      session,
      random: this.#random,
      changed: false,
      publicKeyOf: this.#publicKeyOfSlot,
    };
    let output: Uint8Array;
    try {
      const handler = HANDLERS.get(command.opcode);
      if (handler === undefined) throw new KeylineError('ERR_SE_BAD_COMMAND', 'unknown opcode');
      const input =
        effect === 'corrupt' && operation === 'write' && command.data.length > 0
          ? { ...command, data: flipBit(command.data, 0) }
          : command;
      output = handler(input, context);
      if (context.changed && !mutating) throw new Error('a read-only command changed the chip');
    } catch (error) {
      const next = effect === undefined ? faultsOnly : undefined;
      if (error instanceof KeylineError) return { reply: { kind: 'error', error }, next };
      return {
        reply: {
          kind: 'error',
          error: new KeylineError('ERR_SE_EXECUTION_FAILED', 'internal emulator error', undefined, { cause: error }),
        },
        next,
      };
    }
    if (effect === 'corrupt') output = this.#corrupt(operation!, output);
    const next = context.changed || faultsChanged ? (mutating ? draft : { ...state, faults }) : undefined;
    return { reply: { kind: 'output', output, garbled: effect === 'crc' }, next };
  }

  /** `#publicKeyOf` bound once, for the command contexts. */
  readonly #publicKeyOfSlot = (slot: number, scalar: Uint8Array): Uint8Array => this.#publicKeyOf(slot, scalar);

  /** The public key of a slot's scalar, remembered per slot while the scalar stays the same. */
  #publicKeyOf(slot: number, scalar: Uint8Array): Uint8Array {
    const known = this.#publicKeys.get(slot);
    if (known !== undefined && bytesEqual(known.scalar, scalar)) return known.point;
    const point = publicKeyOf(scalar);
    this.#publicKeys.set(slot, { scalar: new Uint8Array(scalar), point });
    return point;
  }

  #corrupt(operation: Operation, output: Uint8Array): Uint8Array {
    switch (operation) {
      case 'sign':
        return flipBit(output, 63); // s changes: the signature no longer verifies
      case 'genKey':
        return publicKeyOf(generateScalar(this.#random)).slice(1); // a public key that is not the slot's
      case 'random':
        return new Uint8Array(output.length);
      case 'read':
      case 'ecdh':
        return flipBit(output, 0);
      default:
        return output; // write: the stored data was already corrupted
    }
  }
}
