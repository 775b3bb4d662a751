import type { JudgmentStore, MemoEntry } from './judgment-store.js';
import { validateRecord, type JudgmentRecord, type TaskIndexEntry, type Usage } from './record.js';

export interface WriterOptions {
  /** Longest time a judgment waits in memory before it is committed. Default 100 ms. */
  readonly flushIntervalMs?: number;
  /** Commit at once when this many judgments are waiting. Default 256. */
  readonly maxPending?: number;
  /** Called after each commit with the number of judgments it wrote and the running total. */
  readonly onFlush?: (written: number, totalWritten: number) => void;
  /** Called when a timed commit fails (the error is also thrown by the next add/flush/close). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Buffers finished judgments and commits them in one transaction every `flushIntervalMs`
 * or every `maxPending` records, whichever comes first, and on `flush`/`close`. A process
 * killed at any moment (SIGKILL included) loses at most the judgments of the last interval;
 * the store is never left half-written (each commit is one SQLite transaction).
 *
 * A failed commit keeps its records pending and makes the writer fail: the next `add`,
 * `tag`, `flush` or `close` throws the error, since going on would lose judgments.
 *
 * Its timer does not keep the process alive: call `close()` when a run ends, Ctrl-C
 * included, or the judgments of the last interval are dropped.
 */
export class JudgmentWriter {
  private readonly store: JudgmentStore;
  private readonly intervalMs: number;
  private readonly maxPending: number;
  private readonly onFlush: WriterOptions['onFlush'];
  private readonly onError: WriterOptions['onError'];
  private records: JudgmentRecord[] = [];
  private usages: Usage[] = [];
  private index: TaskIndexEntry[] = [];
  private memos: MemoEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private failure: { error: unknown } | undefined;
  private closed = false;
  private total = 0;

  constructor(store: JudgmentStore, options: WriterOptions = {}) {
    this.store = store;
    this.intervalMs = options.flushIntervalMs ?? 100;
    this.maxPending = Math.max(1, options.maxPending ?? 256);
    this.onFlush = options.onFlush;
    this.onError = options.onError;
  }

  /** Judgments and usages waiting to be committed. */
  get pending(): number {
    return this.records.length + this.usages.length + this.index.length + this.memos.length;
  }

  /** Judgment rows written so far (a key already in the store is not written again). */
  get written(): number {
    return this.total;
  }

  /**
   * Queues a judgment (checked now, so a bad record fails at the call site) and, when
   * given, the suites/subjects that use it.
   */
  add(
    record: JudgmentRecord,
    usedBy: readonly Omit<Usage, 'key'>[] = [],
    indexedBy: readonly Omit<TaskIndexEntry, 'key'>[] = [],
  ): void {
    this.ensureUsable();
    validateRecord(record);
    this.records.push(record);
    for (const u of usedBy) this.usages.push({ key: record.key, suite: u.suite, subject: u.subject });
    // in the record's commit: an index row never points at a judgment that was not written
    for (const t of indexedBy) this.index.push({ identity: t.identity, digest: t.digest, key: record.key });
    this.scheduled();
  }

  /** Queues task index rows of judgments already stored (found by key). */
  indexTasks(rows: readonly TaskIndexEntry[]): void {
    this.ensureUsable();
    for (const t of rows) this.index.push(t);
    this.scheduled();
  }

  /** Queues usages of judgments (for example the ones a run found in the store). */
  tag(usages: readonly Usage[]): void {
    this.ensureUsable();
    for (const u of usages) this.usages.push(u);
    this.scheduled();
  }

  /**
   * Queues memo values. They commit with or after everything queued before them, so a value
   * derived from judgments is never stored without them.
   */
  remember(entries: readonly MemoEntry[]): void {
    this.ensureUsable();
    for (const m of entries) this.memos.push(m);
    this.scheduled();
  }

  /** Commits everything pending now. */
  flush(): void {
    this.throwIfFailed();
    this.commit();
    this.throwIfFailed();
  }

  /** Commits what is pending and stops the timer; the writer cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.clearTimer();
    try {
      this.flush();
    } finally {
      this.closed = true;
    }
  }

  private scheduled(): void {
    if (
      this.records.length >= this.maxPending ||
      this.usages.length >= this.maxPending * 4 ||
      this.index.length >= this.maxPending * 4 ||
      this.memos.length >= this.maxPending
    ) {
      this.commit();
      this.throwIfFailed();
      return;
    }
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.commit();
      }, this.intervalMs);
      // Pending writes must not keep a finished process alive; close() flushes them.
      this.timer.unref();
    }
  }

  private commit(): void {
    this.clearTimer();
    if (this.failure || this.pending === 0) return;
    const records = this.records;
    const usages = this.usages;
    const index = this.index;
    const memos = this.memos;
    let written: number;
    try {
      written = this.store.commit({ records, usages, index, memos });
    } catch (error) {
      this.failure = { error };
      this.onError?.(error);
      return;
    }
    this.records = [];
    this.usages = [];
    this.index = [];
    this.memos = [];
    this.total += written;
    this.onFlush?.(written, this.total);
  }

  private ensureUsable(): void {
    if (this.closed) throw new Error('JudgmentWriter: used after close()');
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
