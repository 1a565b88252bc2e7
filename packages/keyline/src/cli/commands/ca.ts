import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { addCaCreate } from './ca-create.js';
import { addCaList } from './ca-list.js';
import { addCaOffline } from './ca-offline.js';
import type { CommandRegistrar } from './index.js';

/** `keyline ca …`: the manufacturer and issuing CAs below the root. */
export const registerCa: CommandRegistrar = (program: Command, io: CliIo) => {
  const ca = program.command('ca').description('manufacturer and issuing CAs: create, offline ceremony, list, show');
  addCaCreate(ca, io);
  addCaOffline(ca, io);
  addCaList(ca, io);
};
