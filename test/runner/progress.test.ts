import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JudgeTask } from '../../harness/core/types.js';
import type {
  Completion,
  ParsedCompletion,
  PreparedRequest,
  RemoteJudge,
} from '../../harness/judge/judge.js';
import {
  formatDuration,
  stderrProgress,
  type ProgressSink,
  type ProgressState,
} from '../../harness/runner/progress.js';
import { runJudgments, type CompletionClient } from '../../harness/runner/run-judgments.js';
import { RequestWaits } from '../../harness/runner/waits.js';

const state = (over: Partial<ProgressState> = {}): ProgressState => ({
  label: 'autoj on 3 models',
  total: 100,
  done: 99,
  cached: 0,
  unparsed: 0,
  errors: 0,
  retries: 0,
  inFlight: 1,
  ...over,
});

describe('the progress display', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('without a TTY, prints a plain line at least every 10 s while nothing arrives, and stops at finish', () => {
    const lines: string[] = [];
    const sink = stderrProgress((t) => lines.push(t), { isTTY: false, now: () => Date.now() });
    let oldest = 0;
    sink.update(state());
    sink.watch?.(() => state({ slow: 1, slowAfterMs: 10_000, oldestWaitMs: (oldest += 10_000) }));
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(9_999);
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(lines).toHaveLength(2);
    vi.advanceTimersByTime(50_000);
    expect(lines).toHaveLength(7);
    expect(lines.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
    expect(lines[6]).toContain('| 1 request waiting > 10.0s (oldest 1m00s)');
    // an update in between moves the next line on: never more than 10 s without one
    vi.advanceTimersByTime(4_000);
    sink.update(state({ done: 100 }));
    expect(lines).toHaveLength(7); // throttled: the last line is 4 s old
    vi.advanceTimersByTime(6_000);
    expect(lines).toHaveLength(8);
    sink.finish(state({ done: 100, inFlight: 0 }));
    expect(lines[8]).toMatch(/ done in /);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(9);
  });

  it('on a TTY, redraws every second so that a growing wait shows', () => {
    const writes: string[] = [];
    let wait = 0;
    const sink = stderrProgress((t) => writes.push(t), { isTTY: true, now: () => Date.now() });
    sink.watch?.(() => state({ slow: 2, slowAfterMs: 30_000, oldestWaitMs: (wait += 1_000) + 30_000 }));
    vi.advanceTimersByTime(3_000);
    expect(writes).toHaveLength(3);
    expect(writes.every((w) => w.startsWith('\r\x1b[2K'))).toBe(true);
    expect(writes[2]).toContain('| 2 requests waiting > 30.0s (oldest 33.0s)');
    sink.finish(state());
    expect(vi.getTimerCount()).toBe(0);
  });

  it('says nothing of waits when no request is late', () => {
    const lines: string[] = [];
    stderrProgress((t) => lines.push(t), { isTTY: false }).update(
      state({ slow: 0, slowAfterMs: 10_000, oldestWaitMs: 3_000 }),
    );
    expect(lines[0]).not.toContain('waiting');
  });
});

describe('formatDuration', () => {
  it('never shows 60 seconds in a minute', () => {
    expect(formatDuration(59.96)).toBe('1m00s');
    expect(formatDuration(119.6)).toBe('2m00s');
    expect(formatDuration(61)).toBe('1m01s');
    expect(formatDuration(3_600)).toBe('1h00m');
  });
});

describe('its timer', () => {
  it('does not keep the process alive', () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const sink = stderrProgress(() => {}, { isTTY: false });
    sink.watch?.(() => state());
    expect(timers()).toBe(before);
    sink.finish(state());
  });
});

describe('RequestWaits', () => {
  it('a request is late once it waited twice the median answer, 10 s at least, 60 s before any answer', () => {
    let now = 0;
    const waits = new RequestWaits(() => now);
    const first = waits.start();
    now = 59_000;
    expect(waits.snapshot()).toEqual({ slow: 0, slowAfterMs: 60_000, oldestWaitMs: 59_000 });
    now = 61_000;
    expect(waits.snapshot()).toMatchObject({ slow: 1, oldestWaitMs: 61_000 });
    waits.end(first, true); // a 61 s answer
    for (let i = 0; i < 4; i++) {
      const id = waits.start();
      now += 20_000;
      waits.end(id, true);
    }
    // median of 61, 20, 20, 20, 20 s is 20 s
    const late = waits.start();
    now += 41_000;
    const fresh = waits.start();
    expect(waits.snapshot()).toEqual({ slow: 1, slowAfterMs: 40_000, oldestWaitMs: 41_000 });
    waits.end(late, false);
    waits.end(fresh, false);
    expect(waits.snapshot()).toMatchObject({ slow: 0, oldestWaitMs: 0 });
  });
});

describe('runJudgments shows a hung request', () => {
  it('as late in its state, with its wait, while the others are answered', async () => {
    let clock = 0;
    const judge: RemoteJudge = {
      mode: 'remote',
      info: { name: 'fake', model: 'm', protocol: 'single', templateVersion: 'v', description: 'fake' },
      prepare: (t: JudgeTask): PreparedRequest => ({
        key: t.instruction,
        model: 'm',
        prompt: t.instruction,
        sampling: { temperature: 0, top_p: 1, max_tokens: 8 },
      }),
      parse: (c: Completion): ParsedCompletion => ({ kind: 'ok', rating: c.text.length }),
    };
    const controller = new AbortController();
    let answered = 0;
    let othersDone!: () => void;
    const others = new Promise<void>((resolve) => (othersDone = resolve));
    const client: CompletionClient = {
      complete: (request, signal) =>
        new Promise((resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason as Error));
          if (request.prompt === 'hangs') return; // never answered
          clock += 1_000; // each answer takes 1 s
          resolve({ text: 'fine', finishReason: 'stop', endpoint: 'x', latencyMs: 1_000 });
          if (++answered === 9) othersDone();
        }),
    };
    let read: (() => ProgressState) | undefined;
    const sink: ProgressSink = { update() {}, watch: (r) => (read = r), finish() {} };
    const tasks: JudgeTask[] = ['hangs', ...Array.from({ length: 9 }, (_, i) => `q${i}`)].map((q) => ({
      protocol: 'single',
      instruction: q,
      response: 'r',
    }));
    const run = runJudgments(judge, tasks, {
      label: 't',
      signal: controller.signal,
      client,
      concurrency: 4,
      progress: sink,
      now: () => clock,
    });
    await others;
    await new Promise((resolve) => setImmediate(resolve)); // the runner takes the last answers in
    clock += 60_000;
    expect(read!()).toMatchObject({ done: 9, inFlight: 1, slow: 1, oldestWaitMs: clock });
    controller.abort(new Error('SIGINT'));
    await expect(run).rejects.toThrow(/interrupted/);
  });
});
