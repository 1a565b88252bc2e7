/** What a progress bar shows. */
export interface ProgressState {
  readonly done: number;
  readonly total: number;
  readonly ratePerSecond: number;
  readonly etaSeconds: number | null;
  /** Shown when above zero (the factory line's quarantined chips). */
  readonly quarantined?: number;
}

/** Where a progress bar draws. */
export interface ProgressSink {
  /** A terminal redraws one line in place; anything else gets a line at each quarter. */
  readonly tty: boolean;
  write(text: string): void;
}

const WIDTH = 30;

function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

/** One line: `label [#####.....] done/total  rate/s  ETA …`. */
export function formatProgress(p: ProgressState, label = ''): string {
  const share = p.total === 0 ? 1 : Math.min(1, p.done / p.total);
  const filled = Math.round(share * WIDTH);
  const quarantined = (p.quarantined ?? 0) > 0 ? `  quarantined ${p.quarantined}` : '';
  return (
    `${label === '' ? '' : `${label} `}[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${p.done}/${p.total}` +
    `  ${Math.round(p.ratePerSecond).toLocaleString('en')}/s  ETA ${duration(p.etaSeconds)}${quarantined}`
  );
}

/**
 * A progress bar with rate and ETA: redrawn in place on a terminal, and on a log or a pipe one line
 * per quarter so the output stays short. `end` leaves the last state on its own line.
 */
export function progressBar(sink: ProgressSink, label = ''): { update(p: ProgressState): void; end(): void } {
  let lastQuarter = -1;
  let last: ProgressState | undefined;
  return {
    update(p) {
      last = p;
      if (sink.tty) {
        sink.write(`\r${formatProgress(p, label)}\x1b[K`);
        return;
      }
      const quarter = p.total === 0 ? 4 : Math.floor((4 * p.done) / p.total);
      if (quarter > lastQuarter && quarter < 4) {
        lastQuarter = quarter;
        sink.write(`${formatProgress(p, label)}\n`);
      }
    },
    end() {
      if (last === undefined) return;
      sink.write(sink.tty ? `\r${formatProgress(last, label)}\x1b[K\n` : `${formatProgress(last, label)}\n`);
    },
  };
}
