import { OPCODE, type AteccCommand } from '../../atecc/opcodes.js';
import type { CommandHandler } from './context.js';
import { ecdhCommand, genKeyCommand, nonceCommand, signCommand } from './keys.js';
import { lockCommand, lockSlotOf } from './lock.js';
import { counterCommand, infoCommand, randomCommand } from './misc.js';
import { dataSlotOf, readCommand, writeCommand } from './read-write.js';

export { type ChipSession, type CommandContext, type CommandHandler } from './context.js';

/** The commands the emulated chip understands, by opcode. */
export const HANDLERS: ReadonlyMap<number, CommandHandler> = new Map<number, CommandHandler>([
  [OPCODE.READ, readCommand],
  [OPCODE.WRITE, writeCommand],
  [OPCODE.NONCE, nonceCommand],
  [OPCODE.LOCK, lockCommand],
  [OPCODE.RANDOM, randomCommand],
  [OPCODE.COUNTER, counterCommand],
  [OPCODE.INFO, infoCommand],
  [OPCODE.GENKEY, genKeyCommand],
  [OPCODE.SIGN, signCommand],
  [OPCODE.ECDH, ecdhCommand],
]);

/** The slot a command addresses, if any (for faults that target one slot). */
export function slotOfCommand(command: AteccCommand): number | undefined {
  switch (command.opcode) {
    case OPCODE.READ:
    case OPCODE.WRITE:
      return dataSlotOf(command);
    case OPCODE.GENKEY:
    case OPCODE.SIGN:
    case OPCODE.ECDH:
      return command.param2 <= 15 ? command.param2 : undefined;
    case OPCODE.LOCK:
      return lockSlotOf(command);
    default:
      return undefined;
  }
}
