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
  /** requests in flight for longer than expected (`slowAfterMs`): hung, or a server in trouble */
  readonly slow?: number;
  /** what counts as longer than expected, from the latencies of the answers so far */
  readonly slowAfterMs?: number;
  /** how long the oldest request in flight has waited; 0 when none is */
  readonly oldestWaitMs?: number;
}

export interface ProgressSink {
  update(state: ProgressState): void;
  /**
   * Called once as a run starts with a way to read its state at any time, so a display can
   * show waits that grow while nothing arrives (a hung request). Stopped by `finish`.
   */
  watch?(read: () => ProgressState): void;
  finish(state: ProgressState): void;
}

export const silentProgress: ProgressSink = { update() {}, finish() {} };

/** How often a terminal display is redrawn when nothing arrives, so waits keep counting. */
const TTY_REDRAW_MS = 1_000;

/**
 * Progress on stderr: redrawn in place on a terminal (at most every `intervalMs`, and every
 * second while nothing arrives), otherwise a plain line every `intervalMs` at least (logs
 * and CI stay readable, and a hung run still says so). Rate and ETA count only judgments
 * the judge answered in this run, so a warm store doesn't make the ETA lie. Requests
 * waiting longer than expected are shown with the oldest wait. The timers do not keep the
 * process alive.
 */
export function stderrProgress(
  write: (text: string) => void,
  options: { isTTY: boolean; intervalMs?: number; now?: () => number },
): ProgressSink {
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? (options.isTTY ? 200 : 10_000);
  const start = now();
  let last = -Infinity;
  let read: (() => ProgressState) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const line = (s: ProgressState): string => {
    const elapsed = (now() - start) / 1000;
    const fresh = s.done - s.cached;
    const rate = elapsed > 0 ? fresh / elapsed : 0;
    const left = s.total - s.done;
    const eta = rate > 0 && left > 0 ? ` eta ${formatDuration(left / rate)}` : '';
    const pct = s.total > 0 ? ((100 * s.done) / s.total).toFixed(1) : '100.0';
    const slow =
      s.slow && s.slowAfterMs !== undefined
        ? ` | ${s.slow} request${s.slow === 1 ? '' : 's'} waiting > ${formatDuration(s.slowAfterMs / 1000)}` +
          ` (oldest ${formatDuration((s.oldestWaitMs ?? 0) / 1000)})`
        : '';
    return (
      `${terminalText(s.label)}: ${s.done}/${s.total} (${pct}%) ${rate.toFixed(1)}/s${eta}` +
      ` | cached ${s.cached} in flight ${s.inFlight} retries ${s.retries} unparsed ${s.unparsed} errors ${s.errors}` +
      slow
    );
  };
  const draw = (state: ProgressState): void => {
    last = now();
    write(options.isTTY ? `\r\x1b[2K${line(state)}` : `${line(state)}\n`);
    schedule();
  };
  /** the next line without news: a redraw on a terminal, a line `interval` after the last otherwise */
  const schedule = (): void => {
    if (!read) return;
    clearTimeout(timer);
    const source = read;
    timer = setTimeout(() => draw(source()), options.isTTY ? TTY_REDRAW_MS : interval);
    timer.unref();
  };
  return {
    update(state) {
      if (now() - last < interval) return;
      draw(state);
    },
    watch(source) {
      read = source;
      schedule();
    },
    finish(state) {
      read = undefined;
      clearTimeout(timer);
      write(
        options.isTTY
          ? `\r\x1b[2K${line(state)} done in ${formatDuration((now() - start) / 1000)}\n`
          : `${line(state)} done in ${formatDuration((now() - start) / 1000)}\n`,
      );
    },
  };
}

export function formatDuration(seconds: number): string {
  if (seconds < 59.95) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  const m = Math.floor(whole / 60);
  if (m < 60) return `${m}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
