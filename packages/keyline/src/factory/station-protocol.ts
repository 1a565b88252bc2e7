/**
 * Messages between the line (run.ts) and its station threads (station-thread.ts). The line keeps
 * the journal, the CA and the manifest; a station thread holds the chips and does their work. Each
 * request is answered under its id with one outcome per chip, or with the error that stopped the
 * request (a fault of ours or of the source, not of a chip: the line then stops as it would in
 * process). Chip frames for the line's own element calls travel on the same port (se's
 * port-protocol.ts).
 */

/** Opens a batch's chip source and chain in the thread (replacing the previous one). */
export interface StationOpen {
  readonly kind: 'station-open';
  readonly id: number;
  readonly se: string;
  readonly persistence: 'file' | 'memory' | 'deferred';
  readonly timing: boolean;
  readonly timeoutMs: number;
  /** Chips worked on at once in this thread (the line's stations shared among its threads). */
  readonly concurrency: number;
  readonly issuingDer: Uint8Array;
  /** The batch's chain definition (core's chainDefinitionToJson). */
  readonly definitionJson: string;
}

/** Makes the identity key of each chip (fresh chips: the journal holds no key for them). */
export interface StationKeys {
  readonly kind: 'station-keys';
  readonly id: number;
  readonly serials: readonly string[];
}

/** A chip to write, lock and check, with what the line knows of its certificate. */
export interface FinishItem {
  readonly serialHex: string;
  readonly certificateDer: Uint8Array;
  /** The key the journal recorded (the certificate's). */
  readonly publicKey: Uint8Array;
  /** The chip got its key in this run: known unlocked, its lock state need not be asked. */
  readonly knownUnlocked: boolean;
  /** The certificate's dates (ms since 1970), when the line issued it in this run. */
  readonly notBefore?: number;
  readonly notAfter?: number;
}

export interface StationFinish {
  readonly kind: 'station-finish';
  readonly id: number;
  readonly items: readonly FinishItem[];
}

/** Writes out what the source holds pending (deferred persistence) and releases it. */
export interface StationClose {
  readonly kind: 'station-close';
  readonly id: number;
}

export type StationRequest = StationOpen | StationKeys | StationFinish | StationClose;

/** What happened to one chip: done (with its public key for a key request), or its failure. */
export type ChipOutcome =
  | { readonly ok: true; readonly publicKey?: Uint8Array }
  | { readonly ok: false; readonly code: string; readonly reason: string };

export interface StationReply {
  readonly kind: 'station-reply';
  readonly id: number;
  readonly outcomes?: readonly ChipOutcome[];
  readonly error?: { readonly code?: string; readonly message: string };
}

/** Sent once by a thread when it listens. */
export interface StationReady {
  readonly kind: 'station-ready';
}

const REQUEST_KINDS = new Set(['station-open', 'station-keys', 'station-finish', 'station-close']);

export function isStationRequest(message: unknown): message is StationRequest {
  return REQUEST_KINDS.has((message as { kind?: string } | null)?.kind ?? '');
}

export function isStationReply(message: unknown): message is StationReply {
  return (message as { kind?: unknown } | null)?.kind === 'station-reply';
}
