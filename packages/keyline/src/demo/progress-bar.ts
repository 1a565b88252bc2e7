/** What a progress bar shows. */
export interface ProgressState {
  readonly done: number;
  readonly total: number;
  readonly ratePerSecond: number;
  readonly etaSeconds: number | null;
}

/** Where a progress bar draws. */
export interface ProgressSink {
  /** A terminal redraws one line in place; anything else gets a line at each quarter. */
  readonly tty: boolean;
  write(text: string): void;
}

const WIDTH = 30;

function line(label: string, p: ProgressState): string {
  const share = p.total === 0 ? 1 : Math.min(1, p.done / p.total);
  const filled = Math.round(share * WIDTH);
  const eta = p.etaSeconds === null ? '' : `  ETA ${p.etaSeconds.toFixed(1)} s`;
  return (
    `   ${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${p.done}/${p.total}` +
    `  ${Math.round(p.ratePerSecond).toLocaleString('en')}/s${eta}`
  );
}

/**
 * A progress bar with rate and ETA: redrawn in place on a terminal, and on a log or a pipe one line
 * per quarter so the output stays short.
 */
export function progressBar(sink: ProgressSink, label: string): { update(p: ProgressState): void; end(): void } {
  let lastQuarter = -1;
  let last: ProgressState | undefined;
  return {
    update(p) {
      last = p;
      if (sink.tty) {
        sink.write(`\r${line(label, p)}\x1b[K`);
        return;
      }
      const quarter = p.total === 0 ? 4 : Math.floor((4 * p.done) / p.total);
      if (quarter > lastQuarter && quarter < 4) {
        lastQuarter = quarter;
        sink.write(`${line(label, p)}\n`);
      }
    },
    end() {
      if (last === undefined) return;
      sink.write(sink.tty ? `\r${line(label, last)}\x1b[K\n` : `${line(label, last)}\n`);
    },
  };
}
