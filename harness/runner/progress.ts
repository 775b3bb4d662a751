import { terminalText } from '../core/terminal-text.js';

/** Counters a run reports while it works; the display decides how to show them. */
export interface ProgressState {
  readonly label: string;
  readonly total: number;
  readonly done: number;
  /** answered from the store without asking the judge */
  readonly cached: number;
  readonly unparsed: number;
  readonly errors: number;
  readonly retries: number;
  readonly inFlight: number;
}

export interface ProgressSink {
  update(state: ProgressState): void;
  finish(state: ProgressState): void;
}

export const silentProgress: ProgressSink = { update() {}, finish() {} };

/**
 * Progress on stderr: redrawn in place on a terminal, otherwise a plain line every
 * `intervalMs` (logs and CI stay readable). Rate and ETA count only judgments the judge
 * answered in this run, so a warm store doesn't make the ETA lie.
 */
export function stderrProgress(
  write: (text: string) => void,
  options: { isTTY: boolean; intervalMs?: number; now?: () => number },
): ProgressSink {
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? (options.isTTY ? 200 : 10_000);
  const start = now();
  let last = -Infinity;
  const line = (s: ProgressState): string => {
    const elapsed = (now() - start) / 1000;
    const fresh = s.done - s.cached;
    const rate = elapsed > 0 ? fresh / elapsed : 0;
    const left = s.total - s.done;
    const eta = rate > 0 && left > 0 ? ` eta ${formatDuration(left / rate)}` : '';
    const pct = s.total > 0 ? ((100 * s.done) / s.total).toFixed(1) : '100.0';
    return (
      `${terminalText(s.label)}: ${s.done}/${s.total} (${pct}%) ${rate.toFixed(1)}/s${eta}` +
      ` | cached ${s.cached} in flight ${s.inFlight} retries ${s.retries} unparsed ${s.unparsed} errors ${s.errors}`
    );
  };
  return {
    update(state) {
      const t = now();
      if (t - last < interval) return;
      last = t;
      write(options.isTTY ? `\r\x1b[2K${line(state)}` : `${line(state)}\n`);
    },
    finish(state) {
      write(
        options.isTTY
          ? `\r\x1b[2K${line(state)} done in ${formatDuration((now() - start) / 1000)}\n`
          : `${line(state)} done in ${formatDuration((now() - start) / 1000)}\n`,
      );
    },
  };
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
