import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve, join } from 'node:path';
import {
  chainDefinitionToJson,
  fail,
  isKeylineError,
  type Clock,
  type CrlReason,
  type RandomSource,
  type Signer,
} from '@keyline/core';
import type { SecureElement } from '@keyline/se';
import { appendAudit } from '../audit/index.js';
import type { AuditAppender } from '../ca/audit-port.js';
import type { CertificateAuthority } from '../ca/authority.js';
import { CLI_ACTOR, type Actor, type KeyProvider } from '../ca/service-port.js';
import type { FactoryBatchRecord, FactoryChipRecord, FactoryChipUpdate, Store } from '../ca/store-port.js';
import { prepareBatchChain, type BatchChain } from './chain.js';
import { openChipSource, type ChipSource } from './elements.js';
import { isFinal, requestIdFor, transition } from './journal.js';
import { mapLimit } from './map-limit.js';
import { StationPool } from './station-pool.js';
import type { ChipOutcome, FinishItem } from './station-protocol.js';
import { chainDefinitionPath, writeBatchManifest, writeChainDefinition } from './manifest-output.js';
import {
  checkOptions,
  type CheckedOptions,
  type FactoryReport,
  type FactoryRunOptions,
  type QuarantinedChip,
  type RetryRefusal,
} from './options.js';
import { checkLockedRetry, retryAuditDetails, wantsRetry, withdrawManifest } from './retry.js';
import {
  ChipFailure,
  checkChip,
  describeFailure,
  makeIdentityKey,
  slotImages,
  writeAndLock,
  type IssuedFacts,
} from './station.js';

/** Where a test may stop the line (throw from `crashAt`) to simulate a crash between two effects. */
export type FactoryCrashPoint =
  | 'after-claim'
  | 'after-key'
  | 'after-key-journal'
  | 'before-issue'
  | 'after-issue'
  | 'after-issued-journal'
  | 'after-write'
  | 'after-lock'
  | 'after-check'
  | 'after-done-journal'
  | 'before-manifest';

/** What the line works with (the CLI builds it from its context). */
export interface FactoryDeps {
  /** The CA core: device certificates go through its `issueDevices` (template path, linted). */
  readonly ca: CertificateAuthority;
  readonly store: Store;
  /** Opens the issuing CA's key, which signs the manifest. */
  readonly keys: KeyProvider;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Who runs the line (the audit log records it); default the CLI. */
  readonly actor?: Actor;
  /**
   * How the line appends its own audit entries (a chip taken out of quarantine, `factory.chip.retry`),
   * in the transaction of the journal change they record: the CA's appender (the CLI's writes the
   * audit key's checkpoints). Default: audit/'s `appendAudit`, without checkpoints.
   */
  readonly audit?: AuditAppender;
  /** The data directory: the default manifest goes to `<dataDir>/manifests/<batch>.jsonl`. */
  readonly dataDir?: string;
  /** The CA's public URL, when it issues with CRL and OCSP pointers (as AuthorityOptions.publicUrl). */
  readonly publicUrl?: string;
  /** How long to wait for a chip that does not answer before quarantining it (default 5 s). */
  readonly elementTimeoutMs?: number;
  /** Chips per chunk: per journal transaction and per `issueDevices` call (default 256). */
  readonly chunkSize?: number;
  /**
   * Station threads kept across runs (an emulator source's chips are then held and worked on there);
   * the run opens it for its batch and leaves it running. Without one, `threads` ≥ 1 in the options
   * starts a pool for the run.
   */
  readonly stationPool?: StationPool;
  /** Tests: called at each crash point; throwing there stops the line as a crash would. */
  readonly crashAt?: (point: FactoryCrashPoint, chipSerial: string | null) => void;
}

const DEFAULT_CHUNK = 256;
/** The smallest chunk with station threads: one issueDevices call's fixed cost spread over enough chips. */
const MIN_THREADED_CHUNK = 32;
const THREADED_CHUNKS = 16;
/** Checked chips journalled done together. */
const DONE_GROUP = 16;
/** Generous: a durable emulator write waits for an fsync, which a loaded disk can stretch. */
const DEFAULT_ELEMENT_TIMEOUT_MS = 5_000;

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a !== null && b !== null && a.length === b.length && Buffer.compare(a, b) === 0;
}

/** The default batch id: the CA, product, element source and count, so re-running the same command resumes. */
export function deriveBatchId(caLabel: string, productId: string, source: string, count: number): string {
  const hash = createHash('sha256').update(`${caLabel}\n${productId}\n${source}\n${count}`).digest('hex');
  const stem = `${caLabel}-${productId}`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 50);
  return `${stem}-${hash.slice(0, 10)}`;
}

/**
 * The issuing CA's signer for manifests, opened once per key provider and key: opening an encrypted
 * key file derives its key (about 0.1 s), which a line running batch after batch pays once, as the CA
 * core does for its own signers (ca/context.ts). A failed open is not kept.
 */
const manifestSigners = new WeakMap<KeyProvider, Map<string, Promise<Signer>>>();

function manifestSigner(keys: KeyProvider, keyUri: string): Promise<Signer> {
  let opened = manifestSigners.get(keys);
  if (opened === undefined) manifestSigners.set(keys, (opened = new Map()));
  let signer = opened.get(keyUri);
  if (signer === undefined) {
    signer = keys.open(keyUri);
    opened.set(keyUri, signer);
    signer.catch(() => opened.delete(keyUri));
  }
  return signer;
}

/** Whether a process of this host with that pid is alive (signal 0 checks without signalling). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * What a chip's phase-A step decided. `retried` (the quarantined entry it left) marks a chip a retry
 * takes out of quarantine: its journal update goes with a `factory.chip.retry` audit entry.
 */
type Prepared =
  | {
      readonly kind: 'issue' | 'finish';
      readonly chip: FactoryChipRecord;
      readonly update?: FactoryChipUpdate;
      readonly retried?: FactoryChipRecord;
    }
  | { readonly kind: 'skipped' }
  | { readonly kind: 'final' }
  | { readonly kind: 'quarantine'; readonly chip: FactoryChipRecord; readonly code: string; readonly reason: string }
  | { readonly kind: 'not-retried'; readonly refusal: RetryRefusal };

/**
 * One run of one batch: the chips in chunks, each chunk in three phases. A: every chip (K stations
 * at once) is brought to a known state: a fresh chip gets its identity key, a resumed one is checked
 * against its journal entry. B: the chunk's keys are issued certificates in one `issueDevices` call.
 * C: every chip (K stations) is written, locked and checked. Journal updates are applied per phase
 * in one transaction each; every update is written before the effect that depends on it.
 */
class Line {
  done = 0;
  skipped = 0;
  /** Chips this run took out of quarantine. */
  retried = 0;
  /** Quarantined chips a retry was asked for that stay quarantined. */
  readonly notRetried: RetryRefusal[] = [];
  private manifestWithdrawn = false;
  private readonly revoked = new Set<string>();
  private readonly actor: Actor;

  constructor(
    private readonly deps: FactoryDeps,
    private readonly chain: BatchChain,
    private readonly source: ChipSource,
    private readonly batch: FactoryBatchRecord,
    private readonly options: CheckedOptions,
    private readonly pool?: StationPool,
    private readonly timeoutMs?: number,
  ) {
    this.actor = deps.actor ?? CLI_ACTOR;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  private crash(point: FactoryCrashPoint, chipSerial: string | null = null): void {
    this.deps.crashAt?.(point, chipSerial);
  }

  /** Revocations the journal decided on but a crash kept from being made; the revoked serials. */
  async finishRevocations(): Promise<void> {
    for (const r of await this.deps.store.factory.listRevocations(this.batch.id)) {
      this.revoked.add(r.certSerial);
      if (r.revokedAt === null) await this.revokeNow(r.certSerial, r.reason);
    }
  }

  private async revokeNow(certSerial: string, reason: CrlReason): Promise<void> {
    try {
      await this.deps.ca.revoke({ caId: this.chain.ca.id, serialHex: certSerial, reason }, this.actor);
    } catch (error) {
      // Revoked already (a crash after the CA's commit), or never valid (a failed record is listed
      // as revoked by recovery): either way nothing valid is left.
      if (!isKeylineError(error, 'ERR_CA_ALREADY_REVOKED') && !isKeylineError(error, 'ERR_CA_CERTIFICATE_NOT_FOUND')) {
        throw error;
      }
    }
    await this.deps.store.factory.markRevoked(this.batch.id, certSerial, this.now());
  }

  /** Journals, then makes, the revocation of certificates the line gives up on. */
  private async revoke(
    rows: readonly { chipSerial: string; certSerial: string; reason: CrlReason; why: string }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const at = this.now();
    await this.deps.store.factory.addRevocations(rows.map((r) => ({ ...r, batchId: this.batch.id, createdAt: at })));
    for (const r of rows) {
      this.revoked.add(r.certSerial);
      await this.revokeNow(r.certSerial, r.reason);
    }
  }

  private async withElement<T>(chipSerial: string, fn: (element: SecureElement) => Promise<T>): Promise<T> {
    const element =
      this.pool !== undefined
        ? this.pool.element(chipSerial, { timeoutMs: this.timeoutMs })
        : await this.source.open(chipSerial);
    try {
      return await fn(element);
    } finally {
      await element.close().catch(() => undefined);
    }
  }

  /** The valid certificate the CA issued under a chip's current request id, if any. */
  private async certificateOfRequest(chip: FactoryChipRecord) {
    if (chip.requestId === null) return undefined;
    const record = await this.deps.store.certificates.getByRequestId(this.chain.ca.id, chip.requestId);
    return record?.status === 'valid' && record.der !== null ? record : undefined;
  }

  private async certificateDer(certSerial: string): Promise<Uint8Array> {
    const record = await this.deps.store.certificates.getBySerial(this.chain.ca.id, certSerial);
    if (record?.der == null)
      fail('ERR_FACTORY_JOURNAL_STATE', `the journal names certificate ${certSerial}, which the CA has not issued`);
    return record.der;
  }

  /**
   * A new attempt: a new key in the chip (only before the lock), the journal told after. A retried
   * chip leaves quarantine this way, its quarantine reason cleared (the audit entry keeps it).
   */
  private async newAttempt(element: SecureElement, chip: FactoryChipRecord, retry = false): Promise<Prepared> {
    const publicKey = await makeIdentityKey(element);
    this.crash('after-key', chip.chipSerial);
    const attempt = chip.attempt + 1;
    const update = transition(
      chip.chipSerial,
      chip.state,
      'key-made',
      {
        attempt,
        publicKey,
        requestId: requestIdFor(this.batch.id, chip.chipSerial, attempt),
        certSerial: null,
        ...(retry && { reason: null, code: null }),
      },
      { retry },
    );
    return { kind: 'issue', chip: { ...chip, ...update }, update, ...(retry && { retried: chip }) };
  }

  /**
   * Phase A for a quarantined chip this run was asked to retry: what the chip is now decides
   * (factory/retry.ts). Unlocked: its earlier certificates are revoked if any is still valid, then
   * a new attempt, as a resumed chip whose key was made again. Locked: checked again in phase C if
   * its certificate is still valid (as a resumed locked chip), refused otherwise. A chip that fails
   * here stays quarantined as it was and is listed with what it failed with.
   */
  private async prepareRetry(chip: FactoryChipRecord): Promise<Prepared> {
    try {
      return await this.withElement(chip.chipSerial, async (element) => {
        if ((await element.info()).dataLocked) {
          const record =
            chip.certSerial === null
              ? undefined
              : await this.deps.store.certificates.getBySerial(this.chain.ca.id, chip.certSerial);
          checkLockedRetry(chip, record, chip.certSerial !== null && this.revoked.has(chip.certSerial));
          const update = transition(
            chip.chipSerial,
            'quarantined',
            'locked',
            { reason: null, code: null },
            { retry: true },
          );
          return { kind: 'finish', chip: { ...chip, ...update }, update, retried: chip };
        }
        const earlier = new Set<string>();
        if (chip.certSerial !== null) earlier.add(chip.certSerial);
        const ofRequest = await this.certificateOfRequest(chip);
        if (ofRequest !== undefined) earlier.add(ofRequest.serialHex);
        const stillValid: string[] = [];
        for (const serial of earlier) {
          const record = await this.deps.store.certificates.getBySerial(this.chain.ca.id, serial);
          if (record?.status === 'valid' && !this.revoked.has(serial)) stillValid.push(serial);
        }
        await this.revoke(
          stillValid.map((certSerial) => ({
            chipSerial: chip.chipSerial,
            certSerial,
            reason: 'superseded' as const,
            why: 'a quarantined chip is retried with a new key',
          })),
        );
        return this.newAttempt(element, chip, true);
      });
    } catch (error) {
      const { code, reason } = describeFailure(error);
      return { kind: 'not-retried', refusal: { chipSerial: chip.chipSerial, code, reason } };
    }
  }

  /** Phase A for one chip: where its journal entry and the chip say it stands. */
  private async prepare(chip: FactoryChipRecord): Promise<Prepared> {
    if (chip.state === 'quarantined') {
      return wantsRetry(this.options.retry, chip) ? this.prepareRetry(chip) : { kind: 'final' };
    }
    try {
      return await this.withElement(chip.chipSerial, async (element) => {
        switch (chip.state) {
          case 'claimed':
            return this.newAttempt(element, chip);
          case 'key-made': {
            // Resumed: the key recorded is the chip's unless a crash came between a new key and its journal entry.
            if ((await element.info()).dataLocked)
              throw new ChipFailure('ERR_FACTORY_CHIP_NOT_BLANK', 'locked before its certificate was issued');
            if (sameBytes(await element.getPublicKey(0), chip.publicKey)) return { kind: 'issue', chip };
            return this.newAttempt(element, chip);
          }
          case 'issuing': {
            const record = await this.certificateOfRequest(chip);
            if (record !== undefined && !this.revoked.has(record.serialHex)) {
              if (!(await element.info()).dataLocked && sameBytes(await element.getPublicKey(0), chip.publicKey)) {
                const update = transition(chip.chipSerial, 'issuing', 'issued', { certSerial: record.serialHex });
                return { kind: 'finish', chip: { ...chip, ...update }, update };
              }
              await this.revoke([
                {
                  chipSerial: chip.chipSerial,
                  certSerial: record.serialHex,
                  reason: 'superseded',
                  why: 'the key was made again before the lock',
                },
              ]);
            }
            // Not issued (the CA failed it, or recovery did): a new key, so a new derived serial.
            return this.newAttempt(element, chip);
          }
          case 'issued':
          case 'locked': {
            const certSerial = chip.certSerial!;
            const info = await element.info();
            if (info.dataLocked) {
              if (this.revoked.has(certSerial))
                throw new ChipFailure('ERR_FACTORY_KEY_MISMATCH', 'locked with a revoked certificate');
              return { kind: 'finish', chip };
            }
            if (!this.revoked.has(certSerial) && sameBytes(await element.getPublicKey(0), chip.publicKey)) {
              return { kind: 'finish', chip };
            }
            if (!this.revoked.has(certSerial)) {
              await this.revoke([
                {
                  chipSerial: chip.chipSerial,
                  certSerial,
                  reason: 'superseded',
                  why: 'the key was made again before the lock',
                },
              ]);
            }
            return this.newAttempt(element, chip);
          }
          case 'done': {
            // Finished by an earlier run: checked again (locked, answers the challenge, rebuilds byte-exact).
            await checkChip(
              element,
              this.chain,
              await this.certificateDer(chip.certSerial!),
              chip.publicKey!,
              this.deps.random,
            );
            return { kind: 'skipped' };
          }
          default:
            return { kind: 'final' };
        }
      });
    } catch (error) {
      const { code, reason } = describeFailure(error);
      return { kind: 'quarantine', chip, code, reason };
    }
  }

  /** Journals the quarantine of chips, then revokes what was issued for them. */
  private async quarantine(items: readonly { chip: FactoryChipRecord; code: string; reason: string }[]): Promise<void> {
    if (items.length === 0) return;
    const toRevoke: { chipSerial: string; certSerial: string; reason: CrlReason; why: string }[] = [];
    for (const { chip } of items) {
      let serial = chip.certSerial;
      if (serial === null && chip.state === 'issuing')
        serial = (await this.certificateOfRequest(chip))?.serialHex ?? null;
      if (serial !== null && !this.revoked.has(serial)) {
        toRevoke.push({
          chipSerial: chip.chipSerial,
          certSerial: serial,
          reason: 'cessationOfOperation',
          why: 'the chip was quarantined',
        });
      }
    }
    const at = this.now();
    await this.deps.store.transaction(async (tx) => {
      await tx.factory.updateChips(
        this.batch.id,
        items.map(({ chip, code, reason }) => transition(chip.chipSerial, chip.state, 'quarantined', { code, reason })),
        at,
      );
      if (toRevoke.length > 0) {
        await tx.factory.addRevocations(toRevoke.map((r) => ({ ...r, batchId: this.batch.id, createdAt: at })));
      }
    });
    for (const r of toRevoke) {
      this.revoked.add(r.certSerial);
      await this.revokeNow(r.certSerial, r.reason);
    }
  }

  private async apply(updates: readonly (FactoryChipUpdate | undefined)[]): Promise<void> {
    const list = updates.filter((u): u is FactoryChipUpdate => u !== undefined);
    if (list.length > 0) await this.deps.store.factory.updateChips(this.batch.id, list, this.now());
  }

  /** One chunk through the three phases, the stations in this thread. */
  async chunk(chips: readonly FactoryChipRecord[]): Promise<void> {
    const prepared = await mapLimit(chips, this.options.stations, (chip) => this.prepare(chip));
    const finish = await this.keysJournalledAndIssued(prepared);
    await this.finishHere(finish);
  }

  /**
   * Phase A's station work for a chunk with station threads: the fresh chips get their keys in
   * their threads. Nothing here touches the store, so it may run while this thread issues the
   * chunk before (a key made and not yet journalled is the `after-key` window every chip has).
   */
  makeKeysOnThreads(pool: StationPool, chips: readonly FactoryChipRecord[]): Promise<ChipOutcome[]> {
    return pool.makeKeys(chips.filter((c) => c.state === 'claimed').map((c) => c.chipSerial));
  }

  /**
   * The rest of phases A and B of a chunk with station threads, once its fresh chips' keys are
   * made (`outcomes`, from makeKeysOnThreads): the other (resumed) chips are brought to a known
   * state here, over framed commands to their thread, then the journal and the issuance. Returns
   * phase C's work, which `finishOnThreads` does.
   */
  async keysOnThreads(chips: readonly FactoryChipRecord[], made: readonly ChipOutcome[]): Promise<FinishWork[]> {
    const fresh = chips.filter((c) => c.state === 'claimed');
    const others = await mapLimit(
      chips.filter((c) => c.state !== 'claimed'),
      this.options.stations,
      (chip) => this.prepare(chip),
    );
    const byChip = new Map<string, Prepared>();
    fresh.forEach((chip, i) => {
      const outcome = made[i]!;
      if (!outcome.ok) {
        byChip.set(chip.chipSerial, { kind: 'quarantine', chip, code: outcome.code, reason: outcome.reason });
        return;
      }
      this.crash('after-key', chip.chipSerial);
      const attempt = chip.attempt + 1;
      const update = transition(chip.chipSerial, chip.state, 'key-made', {
        attempt,
        publicKey: outcome.publicKey!,
        requestId: requestIdFor(this.batch.id, chip.chipSerial, attempt),
        certSerial: null,
      });
      byChip.set(chip.chipSerial, { kind: 'issue', chip: { ...chip, ...update }, update });
    });
    let k = 0;
    for (const chip of chips) if (chip.state !== 'claimed') byChip.set(chip.chipSerial, others[k++]!);
    return this.keysJournalledAndIssued(chips.map((c) => byChip.get(c.chipSerial)!));
  }

  /**
   * Phase A's journal updates in one call; with chips leaving quarantine, in one transaction with
   * their audit entries, after the batch's manifest is withdrawn (factory/retry.ts).
   */
  private async journalPhaseA(prepared: readonly Prepared[]): Promise<void> {
    const moved = prepared.flatMap((p) => (p.kind === 'issue' || p.kind === 'finish' ? [p] : []));
    const retries = moved.filter((p) => p.retried !== undefined);
    if (retries.length === 0) return this.apply(moved.map((p) => p.update));
    if (!this.manifestWithdrawn) {
      await withdrawManifest(this.batch.manifestPath);
      this.manifestWithdrawn = true;
    }
    const updates = moved.flatMap((p) => (p.update !== undefined ? [p.update] : []));
    const appendAudit = this.deps.audit ?? defaultAudit;
    await this.deps.store.transaction(async (tx) => {
      await tx.factory.updateChips(this.batch.id, updates, this.now());
      for (const p of retries) {
        await appendAudit(
          tx,
          {
            actor: this.actor.id,
            action: 'factory.chip.retry',
            target: `${this.batch.id}:${p.chip.chipSerial}`,
            details: retryAuditDetails(this.batch.id, p.retried!, p.kind === 'issue' ? 'new-key' : 'recheck'),
          },
          this.deps.clock,
        );
      }
    });
    this.retried += retries.length;
  }

  /** The journal told of phase A; phase B: one issueDevices call for the chunk. Phase C's work. */
  private async keysJournalledAndIssued(prepared: readonly Prepared[]): Promise<FinishWork[]> {
    await this.journalPhaseA(prepared);
    this.notRetried.push(...prepared.flatMap((p) => (p.kind === 'not-retried' ? [p.refusal] : [])));
    for (const p of prepared)
      if (p.kind === 'issue' && p.update !== undefined) this.crash('after-key-journal', p.chip.chipSerial);
    this.skipped += prepared.filter((p) => p.kind === 'skipped').length;
    await this.quarantine(prepared.flatMap((p) => (p.kind === 'quarantine' ? [p] : [])));

    const toIssue = prepared.flatMap((p) => (p.kind === 'issue' ? [p.chip] : []));
    const finish: FinishWork[] = prepared.flatMap((p) => (p.kind === 'finish' ? [{ chip: p.chip }] : []));
    if (toIssue.length > 0) {
      await this.apply(toIssue.map((chip) => transition(chip.chipSerial, 'key-made', 'issuing')));
      this.crash('before-issue');
      const results = await this.deps.ca.issueDevices(
        {
          caId: this.chain.ca.id,
          devices: toIssue.map((chip) => ({
            chipSerial: new Uint8Array(Buffer.from(chip.chipSerial, 'hex')),
            publicKey: chip.publicKey!,
            productId: this.options.productId,
            requestId: chip.requestId!,
            compressible: true,
          })),
        },
        this.actor,
        { lint: 'template' },
      );
      this.crash('after-issue');
      const issued = toIssue.map((chip, k) => {
        const record = results[k]!.record;
        const update = transition(chip.chipSerial, 'issuing', 'issued', { certSerial: record.serialHex });
        const facts: IssuedFacts = {
          publicKey: chip.publicKey!,
          chipSerial: chip.chipSerial,
          notBefore: record.notBefore!,
          notAfter: record.notAfter!,
        };
        return { chip: { ...chip, ...update }, update, der: record.der!, facts };
      });
      await this.apply(issued.map((i) => i.update));
      this.crash('after-issued-journal');
      finish.push(...issued.map(({ chip, der, facts }) => ({ chip, der, facts, fresh: true })));
    }
    return finish;
  }

  /**
   * Journals checked chips done in small groups as they finish (so a crash loses little checking
   * work); `flush` writes what is pending, after the groups before it.
   */
  private doneJournal(): { add(chip: FactoryChipRecord): void; flush(): Promise<void>; pending(): number } {
    let pending: FactoryChipUpdate[] = [];
    let flushing: Promise<void> = Promise.resolve();
    return {
      add: (chip) => void pending.push(transition(chip.chipSerial, chip.state, 'done')),
      pending: () => pending.length,
      flush: () => {
        const group = pending;
        pending = [];
        flushing = flushing.then(() => this.apply(group));
        return flushing;
      },
    };
  }

  /** Phase C in this thread: write, lock, check (K stations). */
  private async finishHere(finish: readonly FinishWork[]): Promise<void> {
    const journal = this.doneJournal();
    const outcomes = await mapLimit(finish, this.options.stations, async ({ chip, der, fresh, facts }) => {
      let failure: { code: string; reason: string } | undefined;
      try {
        const certificateDer = der ?? (await this.certificateDer(chip.certSerial!));
        const images = slotImages(this.chain, certificateDer, facts);
        await this.withElement(chip.chipSerial, async (element) => {
          await writeAndLock(element, images, {
            knownUnlocked: fresh === true,
            afterWrite: () => this.crash('after-write', chip.chipSerial),
          });
          this.crash('after-lock', chip.chipSerial);
          await checkChip(element, this.chain, certificateDer, chip.publicKey!, this.deps.random);
        });
        this.crash('after-check', chip.chipSerial);
      } catch (error) {
        failure = describeFailure(error);
      }
      if (failure !== undefined) return { chip, ok: false as const, ...failure };
      journal.add(chip);
      if (journal.pending() >= DONE_GROUP) await journal.flush();
      return { chip, ok: true as const };
    });
    await journal.flush();
    this.done += outcomes.filter((o) => o.ok).length;
    this.crash('after-done-journal');
    await this.quarantine(outcomes.flatMap((o) => (o.ok ? [] : [{ chip: o.chip, code: o.code, reason: o.reason }])));
  }

  /**
   * Phase C on the station threads: each group of chips journalled done as its outcomes come back;
   * the failed ones quarantined at the end. (The crash points inside a chip's steps are not reached
   * here: the tests that use them run the stations in process.)
   */
  async finishOnThreads(pool: StationPool, finish: readonly FinishWork[]): Promise<void> {
    const items: FinishItem[] = [];
    const chips = new Map<string, FactoryChipRecord>();
    for (const { chip, der, fresh, facts } of finish) {
      chips.set(chip.chipSerial, chip);
      items.push({
        serialHex: chip.chipSerial,
        certificateDer: der ?? (await this.certificateDer(chip.certSerial!)),
        publicKey: chip.publicKey!,
        knownUnlocked: fresh === true,
        ...(facts !== undefined && { notBefore: facts.notBefore.getTime(), notAfter: facts.notAfter.getTime() }),
      });
    }
    const journal = this.doneJournal();
    const failed: { chip: FactoryChipRecord; code: string; reason: string }[] = [];
    await pool.finish(items, async (group, outcomes) => {
      let done = 0;
      group.forEach((item, i) => {
        const chip = chips.get(item.serialHex)!;
        const outcome = outcomes[i]!;
        if (outcome.ok) {
          journal.add(chip);
          done++;
        } else failed.push({ chip, code: outcome.code, reason: outcome.reason });
      });
      await journal.flush();
      this.done += done;
    });
    this.crash('after-done-journal');
    await this.quarantine(failed);
  }
}

/** The line's audit entries without a CA appender: the log's own append, without checkpoints. */
const defaultAudit: AuditAppender = (store, entry, clock) => appendAudit(store, entry, clock);

/** A chip for phase C: its certificate (issued in this run, with what the line knows of it) or resumed. */
interface FinishWork {
  readonly chip: FactoryChipRecord;
  readonly der?: Uint8Array;
  readonly fresh?: boolean;
  readonly facts?: IssuedFacts;
}

/** Takes the batch for this process; refuses while another live process holds it. */
async function takeBatch(store: Store, batch: FactoryBatchRecord, owner: string, at: Date): Promise<void> {
  let current = batch.owner;
  if (current !== null) {
    const [host, pid] = current.split(':');
    const alive = host === hostname() && Number(pid) !== process.pid ? processAlive(Number(pid)) : host !== hostname();
    if (alive) fail('ERR_FACTORY_BATCH_BUSY', `batch ${batch.id} is being run by ${current}`);
  }
  if (!(await store.factory.claimBatch(batch.id, owner, current, at))) {
    current = (await store.factory.getBatch(batch.id))?.owner ?? null;
    fail('ERR_FACTORY_BATCH_BUSY', `batch ${batch.id} was taken by ${current ?? 'another process'}`);
  }
}

/** The request ids of the batch's chips caught in an issuance cycle: what recovery may fail for it. */
async function issuingRequestIds(store: Store, batchId: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let after = -1; ;) {
    const page = await store.factory.listChips(batchId, after, 1000);
    if (page.length === 0) return ids;
    after = page[page.length - 1]!.position;
    for (const chip of page) if (chip.state === 'issuing' && chip.requestId !== null) ids.add(chip.requestId);
  }
}

/** Claims chips for a batch that has fewer than `count`: the batch's own, then fresh ones in serial order. */
async function claimChips(store: Store, batch: FactoryBatchRecord, source: ChipSource, at: Date): Promise<number> {
  const have = Object.values(await store.factory.countStates(batch.id)).reduce((a, b) => a + (b ?? 0), 0);
  if (have >= batch.count) return have;
  const serials = await source.serials();
  const taken = new Set((await store.factory.findChips(serials)).map((c) => c.chipSerial));
  const fresh = serials.filter((s) => !taken.has(s)).slice(0, batch.count - have);
  await store.factory.addChips(
    batch.id,
    fresh.map((chipSerial, i) => ({ chipSerial, position: have + i })),
    at,
  );
  return have + fresh.length;
}

/**
 * Runs (or resumes) a provisioning batch (DESIGN.md "Factory", docs/factory.md): for each chip,
 * its serial → the journal → the identity key made in slot 0 → the IDevID issued through the CA
 * core (`issueDevices`, template path, compressible) → the compressed device and signer
 * certificates written to slot 8 and the signer key to slot 9 → the data zone locked → a challenge
 * signed by the chip and checked against the new certificate, and the chain rebuilt from the chip
 * compared with the record → done. Chips that fail are quarantined (their certificates revoked) and
 * the batch goes on. When every chip is done or quarantined, the signed manifest is written from the
 * journal (atomically) with the chain definition beside it.
 *
 * Running the same batch again resumes it: done chips are checked again and skipped, half-finished
 * ones completed; a key made again before the lock revokes the previous certificate. Refusals:
 * ERR_FACTORY_* (bad options, a CA that cannot provision, a batch of other parameters or held by a
 * live process), the CA's errors when it refuses the batch.
 */
export async function runFactoryBatch(deps: FactoryDeps, options: FactoryRunOptions): Promise<FactoryReport> {
  const opts = checkOptions(options);
  const clock = deps.clock;
  const started = clock.now().getTime();
  const chain = await prepareBatchChain(deps.store, opts.caId, opts.productId, deps.publicUrl);
  const timeoutMs = deps.elementTimeoutMs ?? DEFAULT_ELEMENT_TIMEOUT_MS;
  const source = await openChipSource(opts.se, { persistence: opts.persistence, timing: opts.timing, timeoutMs });
  // Station threads hold the chips of an emulator source; this thread then opens none of them.
  const threaded = source.chip !== undefined && (deps.stationPool !== undefined || opts.threads > 0);
  let ownPool: StationPool | undefined;
  let pool: StationPool | undefined;
  try {
    if (threaded) {
      pool = deps.stationPool ?? (ownPool = await StationPool.start(opts.threads));
      await pool.open({
        se: opts.se,
        persistence: opts.persistence,
        timing: opts.timing,
        timeoutMs,
        stations: opts.stations,
        issuingDer: chain.issuing.der,
        definitionJson: chainDefinitionToJson(chain.definition),
      });
    }
    const batchId = opts.batchId ?? deriveBatchId(chain.ca.label, opts.productId, source.description, opts.count);
    let batch = await deps.store.factory.getBatch(batchId);
    if (batch === undefined) {
      batch = await deps.store.factory.createBatch({
        id: batchId,
        caId: chain.ca.id,
        productId: opts.productId,
        count: opts.count,
        source: source.description,
        status: 'open',
        owner: null,
        manifestPath: null,
        createdAt: clock.now(),
      });
    } else if (
      batch.caId !== chain.ca.id ||
      batch.productId !== opts.productId ||
      batch.count !== opts.count ||
      batch.source !== source.description
    ) {
      fail('ERR_FACTORY_BATCH_MISMATCH', undefined, { batchId });
    }
    const owner = `${hostname()}:${process.pid}:${Buffer.from(deps.random.bytes(6)).toString('hex')}`;
    await takeBatch(deps.store, batch, owner, clock.now());
    try {
      const total = await claimChips(deps.store, batch, source, clock.now());
      deps.crashAt?.('after-claim', null);
      if (total === 0) fail('ERR_FACTORY_NO_CHIPS', `the element source ${source.description} has no unclaimed chip`);
      if (typeof opts.retry !== 'string') {
        // Chips named for a retry must be this batch's (a typo must not pass silently).
        const ours = new Set(
          (await deps.store.factory.findChips([...opts.retry]))
            .filter((c) => c.batchId === batch.id)
            .map((c) => c.chipSerial),
        );
        const missing = [...opts.retry].filter((serial) => !ours.has(serial));
        if (missing.length > 0) {
          fail('ERR_FACTORY_BAD_INPUT', `chip ${missing[0]} is not in batch ${batch.id}`, { missing: missing.length });
        }
      }
      const line = new Line(deps, chain, source, batch, opts, pool, timeoutMs);
      await line.finishRevocations();
      // A crash inside an issuance cycle leaves its records `signing`: recovery fails them (listed as
      // revoked) before their chips are given new keys. Only this batch's: another line or the
      // server may be issuing from the same store right now, and their records are theirs.
      if (((await deps.store.factory.countStates(batch.id)).issuing ?? 0) > 0) {
        const requestIds = await issuingRequestIds(deps.store, batch.id);
        await deps.ca.recover(deps.actor ?? CLI_ACTOR, { caId: chain.ca.id, requestIds });
      }
      // With station threads a chunk's phase C overlaps the next chunk's phases A and B: smaller
      // chunks (about sixteen to a batch) shorten the start and the end, where one side waits.
      const chunkSize =
        deps.chunkSize ??
        (pool === undefined
          ? DEFAULT_CHUNK
          : Math.min(DEFAULT_CHUNK, Math.max(MIN_THREADED_CHUNK, Math.ceil(total / THREADED_CHUNKS))));
      const progress = async (): Promise<void> => {
        if (options.onProgress === undefined) return;
        const states = await deps.store.factory.countStates(batch.id);
        const seconds = Math.max(1e-3, (clock.now().getTime() - started) / 1000);
        const rate = line.done / seconds;
        const remaining = total - (states.done ?? 0) - (states.quarantined ?? 0);
        options.onProgress({
          done: line.done,
          skipped: line.skipped,
          quarantined: states.quarantined ?? 0,
          total,
          ratePerSecond: rate,
          etaSeconds: remaining <= 0 ? 0 : rate > 0 ? remaining / rate : null,
        });
      };
      if (pool === undefined) {
        for (let after = -1; ;) {
          const chips = await deps.store.factory.listChips(batch.id, after, chunkSize);
          if (chips.length === 0) break;
          after = chips[chips.length - 1]!.position;
          if (chips.every((c) => c.state === 'quarantined' && !wantsRetry(opts.retry, c))) continue;
          await line.chunk(chips);
          await progress();
        }
      } else {
        // Pipelined: while this thread takes a chunk through its journal and its issuance (phases A
        // and B), the station threads make the next chunk's keys and finish the chunk before it
        // (phase C). One phase C at a time; the next chunk's keys are made before its journal, as
        // in process.
        let after = -1;
        const nextChunk = async (): Promise<FactoryChipRecord[]> => {
          for (;;) {
            const chips = await deps.store.factory.listChips(batch.id, after, chunkSize);
            if (chips.length === 0) return chips;
            after = chips[chips.length - 1]!.position;
            if (!chips.every((c) => c.state === 'quarantined' && !wantsRetry(opts.retry, c))) return chips;
          }
        };
        let finishing: Promise<void> | undefined;
        let keys: Promise<ChipOutcome[]> | undefined;
        try {
          let chips = await nextChunk();
          keys = chips.length === 0 ? undefined : line.makeKeysOnThreads(pool, chips);
          while (chips.length > 0) {
            const made = await keys!;
            const following = await nextChunk();
            keys = following.length === 0 ? undefined : line.makeKeysOnThreads(pool, following);
            const finish = await line.keysOnThreads(chips, made);
            await finishing;
            finishing = line.finishOnThreads(pool, finish);
            await progress();
            chips = following;
          }
          await finishing;
          // The progress lines above lag one phase C behind; this one counts the last chunk's chips.
          await progress();
        } catch (error) {
          // Nothing of this run may still touch a chip when the error leaves it.
          await Promise.allSettled([finishing, keys]);
          throw error;
        }
        await pool.closeSource();
      }
      await source.close();

      const states = await deps.store.factory.countStates(batch.id);
      const unfinished = Object.entries(states).filter(([state, n]) => !isFinal(state as never) && (n ?? 0) > 0);
      if (unfinished.length > 0) fail('ERR_FACTORY_JOURNAL_STATE', `chips left unfinished: ${JSON.stringify(states)}`);
      const manifestPath = resolve(
        opts.manifestPath ??
          (deps.dataDir !== undefined ? join(deps.dataDir, 'manifests', `${batchId}.jsonl`) : `${batchId}.jsonl`),
      );
      deps.crashAt?.('before-manifest', null);
      if ((states.done ?? 0) > 0) {
        await writeChainDefinition(chain, chainDefinitionPath(manifestPath));
        await writeBatchManifest({
          store: deps.store,
          batchId,
          chain,
          productId: opts.productId,
          signer: await manifestSigner(deps.keys, chain.ca.keyUri),
          path: manifestPath,
          createdAt: clock.now(),
        });
        await deps.store.factory.completeBatch(batchId, manifestPath, clock.now());
      } else if (batch.manifestPath !== null) {
        // Every chip an earlier manifest of the batch listed has since been quarantined (its re-check
        // failed) and its certificate revoked: that manifest is withdrawn rather than left listing them.
        await withdrawManifest(batch.manifestPath);
        await deps.store.factory.completeBatch(batchId, null, clock.now());
      }
      const quarantine: QuarantinedChip[] = [];
      for (let a = -1; ;) {
        const page = await deps.store.factory.listChips(batch.id, a, 1000);
        if (page.length === 0) break;
        a = page[page.length - 1]!.position;
        for (const c of page) {
          if (c.state === 'quarantined')
            quarantine.push({ chipSerial: c.chipSerial, reason: c.reason ?? '', code: c.code ?? '' });
        }
      }
      const revocations = await deps.store.factory.listRevocations(batch.id);
      const durationMs = clock.now().getTime() - started;
      return {
        batchId,
        caId: chain.ca.id,
        total,
        done: line.done,
        skipped: line.skipped,
        quarantined: states.quarantined ?? 0,
        revoked: revocations.filter((r) => r.revokedAt !== null).length,
        durationMs,
        chipsPerSecond: durationMs > 0 ? (line.done * 1000) / durationMs : 0,
        manifestPath,
        quarantine,
        retried: line.retried,
        notRetried: line.notRetried,
      };
    } finally {
      await deps.store.factory.claimBatch(batch.id, null, owner, clock.now()).catch(() => undefined);
    }
  } finally {
    if (pool !== undefined && ownPool === undefined) await pool.closeSource().catch(() => undefined);
    await ownPool?.close();
    await source.close().catch(() => undefined);
  }
}
