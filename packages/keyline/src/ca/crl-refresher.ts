import type { AuthorityContext } from './context.js';
import { generateCrl } from './crl.js';
import type { CrlRecord } from './records.js';
import { SYSTEM_ACTOR } from './service-port.js';

export interface CrlRefresherOptions {
  /**
   * Regenerate a full CRL once less than this remains before its nextUpdate. Default: half the
   * configured CRL validity, so relying parties always fetch one with days to spare.
   */
  readonly marginMs?: number;
  /** How long to wait after a revocation before re-signing, to gather a burst into one CRL. Default 1 s. */
  readonly debounceMs?: number;
  /** How often `start` checks every CA. Default 1 minute. */
  readonly intervalMs?: number;
  /**
   * How often `start` reads the audit log for revocations made by other processes (the CLI), whose
   * events this process does not hear. Default 1 s.
   */
  readonly watchMs?: number;
  /** Where failures go (the server logs them); the refresher keeps running. */
  readonly onError?: (error: unknown, caId: string | undefined) => void;
  /** Called with every CRL it signs. */
  readonly onCrl?: (crl: CrlRecord) => void;
}

/**
 * Keeps every CA's full CRL fresh (issue 3: "CRLs are also kept fresh by the server"): a new one
 * when a CA has none, when its latest is within the margin of its nextUpdate, and shortly after a
 * revocation (or a recovery that lists a serial) — heard at once in this process, and read from the
 * audit log within `watchMs` when another process (the CLI) made it. `refreshDue` does one pass
 * (tests, the CLI); `start` runs passes on a timer and watches for revocations until `stop`.
 */
export class CrlRefresher {
  private readonly marginMs: number;
  private readonly debounceMs: number;
  private readonly intervalMs: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private unsubscribe: (() => void) | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private watcher: ReturnType<typeof setInterval> | undefined;
  /** The last audit entry `watchAudit` has read. */
  private auditSeq: number | undefined;
  private watching: Promise<void> | undefined;

  constructor(
    private readonly ctx: AuthorityContext,
    private readonly options: CrlRefresherOptions = {},
  ) {
    this.marginMs = options.marginMs ?? ctx.options.crlValidityMs / 2;
    this.debounceMs = options.debounceMs ?? 1000;
    this.intervalMs = options.intervalMs ?? 60_000;
  }

  /** One pass: a new full CRL for every CA with a certificate whose latest is missing or due. */
  async refreshDue(): Promise<CrlRecord[]> {
    const now = this.ctx.clock.now().getTime();
    const made: CrlRecord[] = [];
    for (const ca of await this.ctx.store.cas.list()) {
      if (ca.certificateDer === null) continue;
      try {
        const latest = await this.ctx.store.crls.latest(ca.id, 'full');
        if (latest !== undefined && latest.nextUpdate.getTime() - now > this.marginMs) continue;
        made.push(await this.sign(ca.id));
      } catch (error) {
        this.report(error, ca.id);
      }
    }
    return made;
  }

  /** Re-signs the full CRL of `caId` now (what a revocation triggers, after the debounce). */
  async refreshCa(caId: string): Promise<CrlRecord> {
    return this.sign(caId);
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.unsubscribe = this.ctx.on((event) => {
      if (event.type === 'revoked' || event.type === 'failed') this.schedule(event.caId);
    });
    const tick = (): void => {
      this.running = this.refreshDue().catch((error: unknown) => this.report(error, undefined));
    };
    tick();
    void this.watchAudit();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref?.();
    this.watcher = setInterval(() => void this.watchAudit(), this.options.watchMs ?? 1000);
    this.watcher.unref?.();
  }

  /**
   * Reads the audit entries appended since the last call and schedules a new CRL for every CA with
   * a revocation among them (`cert.revoke`, or a failed record listed as revoked). The first call
   * only notes where the log ends. Returns the CAs scheduled.
   */
  async watchAudit(): Promise<string[]> {
    if (this.watching !== undefined) {
      await this.watching;
      return [];
    }
    const scheduled = new Set<string>();
    this.watching = (async () => {
      try {
        const last = (await this.ctx.store.audit.last())?.seq ?? 0;
        if (this.auditSeq === undefined || last < this.auditSeq) {
          this.auditSeq = last;
          return;
        }
        for (let from = this.auditSeq + 1; from <= last; from += 1000) {
          for (const entry of await this.ctx.store.audit.range(from, Math.min(last, from + 999))) {
            if (
              entry.action === 'cert.revoke' ||
              (entry.action === 'cert.recover' && entry.details['listedAsRevoked'] === true)
            ) {
              scheduled.add(entry.target.split(':')[0]!);
            } else if (entry.action === 'cert.fail') {
              scheduled.add(entry.target);
            }
          }
        }
        this.auditSeq = last;
      } catch (error) {
        this.report(error, undefined);
      } finally {
        this.watching = undefined;
      }
    })();
    await this.watching;
    for (const caId of scheduled) this.schedule(caId);
    return [...scheduled];
  }

  /** Stops the timer and the listener and waits for a pass in progress. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.watcher !== undefined) clearInterval(this.watcher);
    this.timer = undefined;
    this.watcher = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
    await this.watching;
    await this.running;
  }

  private schedule(caId: string): void {
    if (this.pending.has(caId)) return;
    const t = setTimeout(() => {
      this.pending.delete(caId);
      this.running = this.sign(caId).catch((error: unknown) => this.report(error, caId));
    }, this.debounceMs);
    t.unref?.();
    this.pending.set(caId, t);
  }

  private async sign(caId: string): Promise<CrlRecord> {
    const crl = await generateCrl(this.ctx, { caId }, SYSTEM_ACTOR);
    this.options.onCrl?.(crl);
    return crl;
  }

  private report(error: unknown, caId: string | undefined): void {
    if (this.options.onError !== undefined) this.options.onError(error, caId);
    else this.ctx.reportError(error, `crl ${caId ?? '(all)'}`);
  }
}
