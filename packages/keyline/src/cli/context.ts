import type { Command } from 'commander';
import { systemClock, systemRandom, type Clock, type RandomSource } from '@keyline/core';
import type { Store } from '../ca/store-port.js';
import { CLI_ACTOR, type Actor } from '../ca/service-port.js';
import { createCertificateAuthority, type CertificateAuthority } from '../ca/index.js';
import { createKeyProvider, passphraseFromOptions, type ClosableKeyProvider } from '../keys/index.js';
import { initStore, openStore, resolveStoreLocation, type StoreLocation } from '../store/index.js';
import { AUDIT_KEY_URI, checkpointingAuditAppender } from '../audit/deployment-key.js';
import type { CliIo } from './io.js';
import { createOutput, type Output } from './output.js';

/**
 * The options every command takes (declared once on the program, see main.ts; commander hands
 * them down, read with `optsWithGlobals()`).
 */
export interface GlobalOptions {
  /** `--data DIR` or KEYLINE_DATA; default ./keyline-data. */
  readonly data: string;
  /** `--db URL` or KEYLINE_DB; default the SQLite file in the data directory. */
  readonly db?: string;
  readonly json: boolean;
  /** `--passphrase-file FILE`; KEYLINE_PASSPHRASE carries the passphrase itself. */
  readonly passphraseFile?: string;
}

/** The global options of the command being run, with its own options merged in. */
export function globalOptions(command: Command): GlobalOptions {
  const all = command.optsWithGlobals<{ data?: string; db?: string; json?: boolean; passphraseFile?: string }>();
  return {
    data: all.data ?? './keyline-data',
    ...(all.db === undefined ? {} : { db: all.db }),
    json: all.json === true,
    ...(all.passphraseFile === undefined ? {} : { passphraseFile: all.passphraseFile }),
  };
}

/** What a CA command works with: parse → validate → call the core through this → render. */
export interface CliContext {
  readonly globals: GlobalOptions;
  readonly io: CliIo;
  readonly out: Output;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly location: StoreLocation;
  readonly store: Store;
  /** The CLI acts with full rights; the audit log records it as `cli`. */
  readonly actor: Actor;
  /** The key provider, made on first use (only commands that sign need a passphrase). */
  keys(): ClosableKeyProvider;
  /** The CA service over this store and key provider, made on first use. */
  ca(): CertificateAuthority;
}

/** Time and randomness for the CLI: the real ones (tests of the core inject their own there). */
export interface CliRuntime {
  readonly clock: Clock;
  readonly random: RandomSource;
}

export const SYSTEM_RUNTIME: CliRuntime = { clock: systemClock, random: systemRandom };

/** A context and what must be released when the command ends. */
interface OpenedContext {
  readonly context: CliContext;
  close(): Promise<void>;
}

function buildContext(
  command: Command,
  io: CliIo,
  location: StoreLocation,
  store: Store,
  runtime: CliRuntime,
): OpenedContext {
  const globals = globalOptions(command);
  let keys: ClosableKeyProvider | undefined;
  let ca: CertificateAuthority | undefined;
  const context: CliContext = {
    globals,
    io,
    out: createOutput(io, globals.json),
    clock: runtime.clock,
    random: runtime.random,
    location,
    store,
    actor: CLI_ACTOR,
    keys() {
      keys ??= createKeyProvider({
        dataDir: location.dataDir,
        passphrase: passphraseFromOptions({
          ...(globals.passphraseFile === undefined ? {} : { passphraseFile: globals.passphraseFile }),
          env: process.env,
          // The keys module prompts only when stdin is a terminal; an injected io never prompts.
          ...(io.interactive === true ? {} : { prompt: false as const }),
        }),
        random: runtime.random,
      });
      return keys;
    },
    ca() {
      if (ca === undefined) {
        const provider = context.keys();
        ca = createCertificateAuthority({
          store,
          keys: provider,
          clock: runtime.clock,
          random: runtime.random,
          audit: checkpointingAuditAppender(() => provider.open(AUDIT_KEY_URI)),
        });
      }
      return ca;
    },
  };
  return {
    context,
    async close() {
      ca?.close();
      await keys?.close();
    },
  };
}

/** Runs `fn` over an opened store and closes everything afterwards, the store last, whatever happens. */
async function runOver<T>(
  command: Command,
  io: CliIo,
  location: StoreLocation,
  store: Store,
  runtime: CliRuntime,
  fn: (context: CliContext) => Promise<T>,
): Promise<T> {
  let opened: OpenedContext | undefined;
  try {
    opened = buildContext(command, io, location, store, runtime);
    return await fn(opened.context);
  } finally {
    try {
      await opened?.close();
    } finally {
      await store.close();
    }
  }
}

function locationOf(command: Command): StoreLocation {
  const globals = globalOptions(command);
  return resolveStoreLocation({ data: globals.data, ...(globals.db === undefined ? {} : { db: globals.db }) });
}

/**
 * Opens the store named by the global options, runs `fn`, and closes the store (and the key
 * provider, the CA service) whatever happens. A data directory without a database ends in
 * ERR_STORE_NOT_INITIALISED ("run keyline init").
 */
export async function withContext<T>(
  command: Command,
  io: CliIo,
  fn: (context: CliContext) => Promise<T>,
  runtime: CliRuntime = SYSTEM_RUNTIME,
): Promise<T> {
  const location = locationOf(command);
  return runOver(command, io, location, await openStore(location), runtime, fn);
}

/** As `withContext`, but creates the data directory and the database first (`keyline init`). */
export async function withNewStore<T>(
  command: Command,
  io: CliIo,
  fn: (context: CliContext) => Promise<T>,
  runtime: CliRuntime = SYSTEM_RUNTIME,
): Promise<T> {
  const location = locationOf(command);
  return runOver(command, io, location, await initStore(location), runtime, fn);
}
