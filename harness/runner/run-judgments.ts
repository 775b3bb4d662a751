import diagnostics from 'node:diagnostics_channel';
import { BenchError, InterruptedError, errorMessage } from '../core/errors.js';
import type { JudgeTask, Judgment } from '../core/types.js';
import type { Completion, Judge, ParsedCompletion, PreparedRequest, RemoteJudge } from '../judge/judge.js';
import { taskDigest } from '../judge/key.js';
import { ADMIT_CHUNK } from './admit.js';
import { silentProgress, type ProgressSink, type ProgressState } from './progress.js';
import { RequestWaits } from './waits.js';

/** A judgment as the store keeps it: what the judge said, parsed. */
export interface CachedJudgment {
  readonly parsed: ParsedCompletion;
}

/** What the runner needs of the store: look up by key, record finished judgments. */
export interface JudgmentCache {
  lookup(keys: readonly string[]): Map<string, CachedJudgment>;
  record(entry: {
    request: PreparedRequest;
    completion: SentCompletion;
    parsed: ParsedCompletion;
    subjects: readonly Subject[];
    /** the task index rows of this judgment, written with it (same transaction) */
    index?: { readonly identity: string; readonly digests: readonly string[] };
  }): void;
  /** tags keys already stored with the subjects that used them in this run */
  tag?(entries: readonly { key: string; subject: Subject }[]): void;
  /**
   * The task index (store schema v5): what the store holds for these task digests under the
   * judge's request identity (`RemoteJudge.requestIdentity`), with each one's key, in one
   * query. A judgment found so needs no prompt rendered, counted or hashed.
   */
  lookupTasks?(identity: string, digests: readonly string[]): Map<string, CachedJudgment & { key: string }>;
  /** the keys these subjects are tagged with already: suite -> subject -> keys (one query) */
  tagged?(subjects: readonly Subject[]): Map<string, Map<string, Set<string>>>;
  /** records task digest -> key for judgments stored already (found by key, not by the index) */
  index?(identity: string, rows: readonly TaskIndexRow[]): void;
  /** makes recorded judgments durable */
  flush(): void;
  /**
   * Calls `listener` as soon as the store fails to keep judgments (a commit failed: disk
   * full, ...), so that the run stops at once instead of judging what it cannot keep.
   * Returns the unsubscribe function.
   */
  onFailure?(listener: (error: unknown) => void): () => void;
  /** judgments committed so far (over its life), for saying what a stopped run kept */
  readonly committed?: number;
  /** values derived from stored judgments and inputs, by a key naming all they come from */
  readonly memo?: Memo;
}

/**
 * A store's memo (schema v6): values recalled in one query; remembered through the store's
 * writer, so a value derived from judgments commits with or after them, never before.
 */
export interface Memo {
  recall(keys: readonly string[]): Map<string, Uint8Array>;
  remember(key: string, value: Uint8Array): void;
}

/** One row of the task index: a task's digest (`taskDigest`) and the key of its judgment. */
export interface TaskIndexRow {
  readonly digest: string;
  readonly key: string;
}

/** What the runner needs of the client: completions, retried and spread as it sees fit. */
export interface CompletionClient {
  complete(request: PreparedRequest, signal: AbortSignal): Promise<SentCompletion>;
  /**
   * Several requests (same model and sampling) in one: `outcomes[i]` answers `requests[i]`;
   * an error that concerns some requests only is an outcome. Rejects only when aborted or
   * on a failure that no other request can escape (see `isFatal`).
   */
  completeBatch?(requests: readonly PreparedRequest[], signal: AbortSignal): Promise<readonly BatchOutcome[]>;
  readonly retries?: number;
}

export type BatchOutcome =
  | { readonly ok: true; readonly completion: SentCompletion }
  | { readonly ok: false; readonly error: unknown };

export interface SentCompletion extends Completion {
  readonly endpoint: string;
  readonly latencyMs: number;
}

/** Who a judgment is for (suite, model or pair), for `bench cache stats`. */
export interface Subject {
  readonly suite: string;
  readonly subject: string;
}

export interface RunOptions {
  readonly label: string;
  readonly signal: AbortSignal;
  readonly progress?: ProgressSink;
  /** remote judges only */
  readonly cache?: JudgmentCache;
  readonly client?: CompletionClient;
  /** prompts in flight at once (over all endpoints); default 256 */
  readonly concurrency?: number;
  /** prompts per request, for clients with `completeBatch`; default 1 */
  readonly batchSize?: number;
  /** the run stops once more judgments than this failed with an error (not unparsed) */
  readonly maxFailures?: number;
  readonly subjects?: readonly Subject[];
  /** tasks the whole run is expected to have (windows arrive one by one), for the progress display */
  readonly expectedTasks?: number;
  /**
   * Tasks of the run settled before it from what the store holds (a suite's memoised
   * reductions of subjects whose judgments are all stored): counted as done and stored, in
   * the progress and the summary, though no window carries them.
   */
  readonly settled?: { readonly tasks: number; readonly unparsed: number };
  /** the clock of request waits (ms); default performance.now */
  readonly now?: () => number;
}

export interface RunSummary {
  readonly requested: number;
  readonly cached: number;
  readonly sent: number;
  readonly unparsed: number;
  readonly errors: number;
}

/** What a call cost: process CPU time (user + system) and wall time while it ran. */
export interface RunTiming {
  readonly cpuMs: number;
  readonly wallMs: number;
}

export interface RunResult {
  readonly judgments: Judgment[];
  readonly summary: RunSummary;
  readonly timing: RunTiming;
}

/**
 * Every finished `runJudgments` call is published here as `{ label, summary, timing }`,
 * for benchmarks and tracing (nothing is computed when no one subscribes but the timing).
 */
export const judgingChannel = diagnostics.channel('autoj-bench:run-judgments');

/**
 * Judges every task once: local judges in process; remote judges through the cache first
 * and the client for what it lacks. Identical requests (same key) are sent once.
 * `judgments[i]` answers `tasks[i]`.
 */
export async function runJudgments(
  judge: Judge,
  tasks: readonly JudgeTask[],
  options: RunOptions,
): Promise<RunResult> {
  let judgments: Judgment[] = [];
  const { summary, timing } = await runJudgmentWindows(
    judge,
    oneWindow({ tasks, ...(options.subjects ? { subjects: options.subjects } : {}) }),
    options,
    (_window, answered) => {
      judgments = answered;
    },
  );
  return { judgments, summary, timing };
}

async function* oneWindow<W extends JudgingWindow>(window: W): AsyncGenerator<W> {
  yield window;
}

/** A part of a run's tasks that is judged, handed back and dropped together (some models). */
export interface JudgingWindow {
  readonly tasks: readonly JudgeTask[];
  /** `subjects[i]` is who `tasks[i]` is for */
  readonly subjects?: readonly Subject[];
}

/**
 * `runJudgments` over tasks that arrive a window at a time, so that memory holds a few
 * windows, not the run: `done(window, judgments)` gets each window's judgments
 * (`judgments[i]` answers `window.tasks[i]`) as soon as all of them are known, in any
 * order, and the runner forgets them. Remote judges take the next window as soon as the
 * requests of the current one are all sent, so the server's batch stays full across
 * window boundaries; the producer should load ahead (see the alpacaeval suite).
 * Identical requests are sent once within the windows in flight; a later window finds an
 * earlier one's judgment in the store.
 */
export async function runJudgmentWindows<W extends JudgingWindow>(
  judge: Judge,
  windows: AsyncIterable<W>,
  options: Omit<RunOptions, 'subjects'>,
  done: (window: W, judgments: Judgment[]) => void,
): Promise<{ summary: RunSummary; timing: RunTiming }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let summary: RunSummary;
  if (judge.mode === 'local') {
    const totals = { requested: 0, cached: 0, sent: 0, unparsed: 0, errors: 0 };
    for await (const window of windows) {
      const judgments = window.tasks.map((t) => judge.evaluate(t));
      totals.requested += judgments.length;
      totals.unparsed += judgments.filter((j) => j.kind === 'unparsed').length;
      done(window, judgments);
    }
    summary = totals;
  } else {
    summary = await runRemote(judge, windows, options, done);
  }
  const cpu = process.cpuUsage(cpu0);
  const timing: RunTiming = { cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t0 };
  if (judgingChannel.hasSubscribers) judgingChannel.publish({ label: options.label, summary, timing });
  return { summary, timing };
}

/** Tasks prepared (prompt and key) and looked up in the store at a time. */
const CHUNK = ADMIT_CHUNK;

/** A window being judged: its judgments so far and the entries it opened. */
interface Segment<W> {
  readonly window: W;
  readonly judgments: Judgment[];
  /** tasks not answered yet */
  remaining: number;
  /** the entries whose first task is in this window (forgotten when it is done) */
  readonly opened: Entry<W>[];
  /** task digests and what the task index holds of them (judges with a request identity) */
  readonly digests: readonly string[] | undefined;
  readonly indexed: Map<string, CachedJudgment & { key: string }> | undefined;
  /** what the window's subjects are tagged with already (not tagged again) */
  readonly tagged: Map<string, Map<string, Set<string>>> | undefined;
}

/** A task of a window. */
interface Waiter<W> {
  readonly segment: Segment<W>;
  readonly index: number;
}

/** One distinct request (key) and the tasks that share it. */
interface Entry<W> {
  readonly key: string;
  /** the tasks waiting for this key's judgment, in order; the first one is parsed against */
  waiters: Waiter<W>[];
  readonly truncated: boolean;
  /** held from preparation until sent, then dropped (prompts are large) */
  request: PreparedRequest | undefined;
  judgment: Judgment | undefined;
  fromStore: boolean;
  /** the judgment is in the store: later tasks with this key are tagged with it */
  stored: boolean;
  /** digests of its tasks that the task index lacks, written once the judgment is stored */
  unindexed: string[] | undefined;
}

/**
 * Remote judging, streamed: tasks are prepared (prompt, key) and looked up in the store a
 * chunk at a time, just ahead of sending, so each prompt is built once and only the
 * prompts of the next chunk and of the requests in flight are held in memory. With a
 * judge that has a request identity and a store with the task index, a window's tasks
 * are first looked up by digest in one query: a stored one is answered without preparing
 * its prompt at all (the warm rerun), and a task found by key only gets its index row.
 * Workers send what the store lacks, in order (prompts that share a prefix go together),
 * `batchSize` prompts per request, `concurrency` prompts in flight.
 */
async function runRemote<W extends JudgingWindow>(
  judge: RemoteJudge,
  windows: AsyncIterable<W>,
  options: Omit<RunOptions, 'subjects'>,
  done: (window: W, judgments: Judgment[]) => void,
): Promise<RunSummary> {
  const { cache, client } = options;
  if (!client) throw new BenchError(`judge "${judge.info.name}" needs a judge server (--endpoint)`);
  const progress = options.progress ?? silentProgress;
  const settled = options.settled ?? { tasks: 0, unparsed: 0 };
  const counters = {
    done: settled.tasks,
    cached: settled.tasks,
    unparsed: settled.unparsed,
    errors: 0,
    inFlight: 0,
  };
  const maxFailures = options.maxFailures ?? Infinity;
  const concurrency = Math.max(1, options.concurrency ?? 256);
  const batchSize = client.completeBatch
    ? Math.min(concurrency, Math.max(1, Math.floor(options.batchSize ?? 1)))
    : 1;
  const identity = judge.requestIdentity;
  const byIndex = identity !== undefined && cache?.lookupTasks !== undefined;
  const waits = new RequestWaits(options.now ?? (() => performance.now()));
  let admittedTasks = settled.tasks;
  const state = (): ProgressState => ({
    label: options.label,
    total: Math.max(admittedTasks, options.expectedTasks ?? 0),
    retries: client.retries ?? 0,
    ...counters,
    ...waits.snapshot(),
  });

  const byKey = new Map<string, Entry<W>>();
  let queue: Entry<W>[] = [];
  let head = 0;
  const source = windows[Symbol.asyncIterator]();
  let current: Segment<W> | undefined;
  let cursor = 0;
  let exhausted = false;
  let opening: Promise<void> | undefined;
  let requested = settled.tasks;
  let sent = 0;

  const subjectOf = (w: Waiter<W>): Subject | undefined => w.segment.window.subjects?.[w.index];
  /** task w uses the stored judgment `key`: tagged, unless it is already */
  const tagStored = (w: Waiter<W>, key: string, tags: { key: string; subject: Subject }[]): void => {
    const subject = subjectOf(w);
    if (!subject) return;
    if (w.segment.tagged?.get(subject.suite)?.get(subject.subject)?.has(key)) return;
    tags.push({ key, subject });
  };

  const count = (entry: Entry<W>, n: number): void => {
    const j = entry.judgment as Judgment;
    counters.done += n;
    if (entry.fromStore) counters.cached += n;
    if (j.kind === 'unparsed') counters.unparsed += n;
    else if (j.kind === 'error') counters.errors += n;
  };

  /** A window whose tasks are all answered: handed over, and its entries forgotten. */
  const complete = (segment: Segment<W>): void => {
    // what it stored is committed first, so that a later window finds it in the store
    try {
      cache?.flush();
    } catch (e) {
      storeFailed(e);
    }
    for (const entry of segment.opened) if (byKey.get(entry.key) === entry) byKey.delete(entry.key);
    try {
      done(segment.window, segment.judgments);
    } catch (e) {
      broken ??= { error: e };
      local.abort(e);
    }
  };

  const answer = (w: Waiter<W>, judgment: Judgment): void => {
    w.segment.judgments[w.index] = judgment;
    if (--w.segment.remaining === 0) complete(w.segment);
  };

  /** The entry's judgment is known: it answers every task that has the key so far. */
  const settle = (entry: Entry<W>, judgment: Judgment, fromStore: boolean, stored: boolean): void => {
    entry.judgment = judgment;
    entry.fromStore = fromStore;
    entry.stored = stored;
    entry.request = undefined;
    if (stored && entry.unindexed && identity !== undefined && fromStore) {
      cache?.index?.(
        identity,
        entry.unindexed.map((digest) => ({ digest, key: entry.key })),
      );
    }
    entry.unindexed = undefined;
    count(entry, entry.waiters.length);
    const waiters = entry.waiters;
    // answered: the entry lets go of its tasks, or a settled entry kept for later joiners
    // (its window still pending) would keep every window that joined it in memory
    entry.waiters = [];
    for (const w of waiters) answer(w, judgment);
  };

  /** Another task with a key already seen: answered now if known, else when it is. */
  const join = (
    entry: Entry<W>,
    w: Waiter<W>,
    digest: string | undefined,
    tags: { key: string; subject: Subject }[],
  ): void => {
    if (entry.judgment === undefined) {
      entry.waiters.push(w);
      if (digest !== undefined) (entry.unindexed ??= []).push(digest);
      return;
    }
    count(entry, 1);
    if (entry.stored) {
      tagStored(w, entry.key, tags);
      if (digest !== undefined && identity !== undefined)
        cache?.index?.(identity, [{ digest, key: entry.key }]);
    }
    answer(w, entry.judgment);
  };

  /** Opens the next window (its digests looked up in the task index), or marks the end. */
  const openNext = (): Promise<void> =>
    (opening ??= (async () => {
      try {
        const next = await source.next();
        if (next.done) {
          exhausted = true;
          return;
        }
        const window = next.value;
        const digests = byIndex ? window.tasks.map(taskDigest) : undefined;
        const indexed = digests && digests.length > 0 ? cache!.lookupTasks!(identity!, digests) : undefined;
        const subjects = window.subjects ? distinctSubjects(window.subjects) : [];
        const segment: Segment<W> = {
          window,
          judgments: new Array<Judgment>(window.tasks.length),
          remaining: window.tasks.length,
          opened: [],
          digests,
          indexed,
          tagged: subjects.length > 0 && cache?.tagged ? cache.tagged(subjects) : undefined,
        };
        requested += window.tasks.length;
        admittedTasks += window.tasks.length;
        current = segment;
        cursor = 0;
        if (window.tasks.length === 0) complete(segment);
      } finally {
        opening = undefined;
      }
    })());

  /** Prepares and looks up the next chunk of the current window; what the store lacks joins the queue. */
  const admitChunk = (): void => {
    const segment = current!;
    const { tasks } = segment.window;
    const end = Math.min(tasks.length, cursor + CHUNK);
    const tags: { key: string; subject: Subject }[] = [];
    const fresh: Entry<W>[] = [];
    const from = cursor;
    cursor = end;
    for (let i = from; i < end; i++) {
      const w: Waiter<W> = { segment, index: i };
      const digest = segment.digests?.[i];
      const hit = digest !== undefined ? segment.indexed?.get(digest) : undefined;
      if (hit) {
        // stored, found by the task index: no prompt built
        const known = byKey.get(hit.key);
        if (known) {
          join(known, w, undefined, tags);
          continue;
        }
        const entry = openEntry(hit.key, w, undefined, false);
        segment.opened.push(entry);
        tagStored(w, hit.key, tags);
        settle(entry, hit.parsed, true, true);
        continue;
      }
      const request = judge.prepare(tasks[i]!);
      const known = byKey.get(request.key);
      if (known) {
        join(known, w, digest, tags);
        continue;
      }
      const entry = openEntry(request.key, w, request, request.truncation !== undefined);
      if (digest !== undefined) entry.unindexed = [digest];
      segment.opened.push(entry);
      fresh.push(entry);
    }
    const hits = cache && fresh.length > 0 ? cache.lookup(fresh.map((e) => e.key)) : undefined;
    for (const entry of fresh) {
      const hit = hits?.get(entry.key);
      if (!hit) {
        queue.push(entry);
        continue;
      }
      for (const w of entry.waiters) tagStored(w, entry.key, tags);
      settle(entry, withTruncation(entry, hit.parsed), true, true);
    }
    if (tags.length > 0 && cache?.tag) cache.tag(tags);
    progress.update(state());
  };

  const openEntry = (
    key: string,
    w: Waiter<W>,
    request: PreparedRequest | undefined,
    truncated: boolean,
  ): Entry<W> => {
    const entry: Entry<W> = {
      key,
      waiters: [w],
      truncated,
      request,
      judgment: undefined,
      fromStore: false,
      stored: false,
      unindexed: undefined,
    };
    byKey.set(key, entry);
    return entry;
  };

  /** The next `n` requests to send (fewer at the end), preparing more tasks (and windows) as needed. */
  const take = async (n: number): Promise<Entry<W>[]> => {
    while (queue.length - head < n && !local.signal.aborted) {
      if (current && cursor < current.window.tasks.length) admitChunk();
      else if (!exhausted) await openNext();
      else break;
    }
    const end = Math.min(queue.length, head + n);
    const batch = queue.slice(head, end);
    head = end;
    if (head >= CHUNK) {
      queue = queue.slice(head);
      head = 0;
    }
    return batch;
  };

  progress.update(state());
  progress.watch?.(state);
  const local = new AbortController();
  const onAbort = () => local.abort(options.signal.reason);
  options.signal.addEventListener('abort', onAbort, { once: true });
  let fatal: BenchError | undefined;
  let broken: { error: unknown } | undefined;
  // The store cannot keep judgments: stop sending at once (answers would be thrown away).
  let storeFailure: { error: unknown } | undefined;
  const storeFailed = (error: unknown): void => {
    if (storeFailure) return;
    storeFailure = { error };
    local.abort(error);
  };
  const unsubscribe = cache?.onFailure?.(storeFailed);
  const committedBefore = cache?.committed ?? 0;
  let recorded = 0;

  const finish = (entry: Entry<W>, request: PreparedRequest, outcome: BatchOutcome): void => {
    if (outcome.ok) {
      try {
        const first = entry.waiters[0]!;
        const parsed = judge.parse(outcome.completion, first.segment.window.tasks[first.index]!);
        const subjects: Subject[] = [];
        for (const w of entry.waiters) {
          const subject = subjectOf(w);
          if (subject) subjects.push(subject);
        }
        cache?.record({
          request,
          completion: withTokenCounts(judge, request, outcome.completion),
          parsed,
          subjects,
          ...(identity !== undefined && entry.unindexed
            ? { index: { identity, digests: entry.unindexed } }
            : {}),
        });
        recorded++;
        settle(entry, withTruncation(entry, parsed), false, true);
        return;
      } catch (e) {
        // a failed commit (reported through onFailure before the throw) stops the run;
        // a record the store refuses concerns this judgment only
        outcome = { ok: false, error: storeFailure ? storeFailure.error : e };
      }
    }
    settle(entry, { kind: 'error', message: errorMessage(outcome.error), key: entry.key }, false, false);
    if (counters.errors > maxFailures && !fatal) {
      fatal = new BenchError(
        `${counters.errors} judgments failed (more than --max-failures ${maxFailures}); last error: ${errorMessage(outcome.error)}`,
      );
      local.abort(fatal);
    }
  };

  const one = async (request: PreparedRequest): Promise<BatchOutcome[]> => {
    try {
      return [{ ok: true, completion: await client.complete(request, local.signal) }];
    } catch (e) {
      if (local.signal.aborted || isFatal(e)) throw e;
      return [{ ok: false, error: e }];
    }
  };

  const worker = async (): Promise<void> => {
    while (!local.signal.aborted) {
      let batch: Entry<W>[];
      try {
        batch = await take(batchSize);
      } catch (e) {
        // a task the judge cannot prepare, a window that cannot be loaded: a bug or a
        // wrong input, not a judgment
        broken ??= { error: e };
        local.abort(e);
        return;
      }
      if (batch.length === 0) return;
      const requests = batch.map((e) => e.request as PreparedRequest);
      for (const e of batch) e.request = undefined;
      sent += batch.length;
      counters.inFlight += batch.length;
      const wait = waits.start();
      let outcomes: readonly BatchOutcome[];
      try {
        outcomes =
          batch.length > 1 && client.completeBatch
            ? await client.completeBatch(requests, local.signal)
            : await one(requests[0]!);
        waits.end(
          wait,
          outcomes.some((o) => o.ok),
        );
      } catch (e) {
        if (local.signal.aborted) return;
        if (isFatal(e)) {
          fatal ??= e;
          local.abort(e);
          return;
        }
        outcomes = batch.map(() => ({ ok: false, error: e }));
      } finally {
        counters.inFlight -= batch.length;
        waits.end(wait, false);
      }
      for (let k = 0; k < batch.length; k++) {
        const outcome = outcomes[k] ?? { ok: false, error: new Error('the client gave no answer') };
        finish(batch[k]!, requests[k]!, outcome);
      }
      progress.update(state());
    }
  };

  try {
    const workers = Math.max(1, Math.ceil(concurrency / batchSize));
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    // a window still loading is waited for, then the producer is told to stop
    await opening?.catch(() => {});
    if (!exhausted) await source.return?.().catch(() => {});
    try {
      cache?.flush();
    } catch (e) {
      // the failure already reported throws again here; a new one is the last commit's
      storeFailed(e);
    }
    unsubscribe?.();
    progress.finish(state());
  }
  /** judgments of this run in the store now (a cache that counts its commits knows exactly) */
  const stored = (): number =>
    cache?.committed !== undefined
      ? cache.committed - committedBefore
      : counters.done - counters.cached - counters.errors;
  if (storeFailure) {
    const { error } = storeFailure;
    const kept = stored();
    throw new BenchError(
      `${errorMessage(error)}: the run stopped at once; ${kept} judgments of this run are stored` +
        `${recorded > kept ? ` (${recorded - kept} answered since the last commit are not)` : ''}; ` +
        'the same command resumes from there once the store can be written',
      { cause: error, exitCode: error instanceof BenchError ? error.exitCode : 1 },
    );
  }
  if (broken) throw broken.error;
  if (fatal) {
    throw new BenchError(
      `${fatal.message} (${stored()} judgments of this run are stored; the same command resumes from there)`,
      { cause: fatal, exitCode: fatal.exitCode },
    );
  }
  if (options.signal.aborted) {
    throw new InterruptedError(
      `interrupted: ${stored()} judgments of this run are stored; run the same command again to resume`,
    );
  }
  return {
    requested,
    cached: counters.cached,
    sent,
    unparsed: counters.unparsed,
    errors: counters.errors,
  };
}

function distinctSubjects(subjects: readonly Subject[]): Subject[] {
  const seen = new Map<string, Subject>();
  for (const s of subjects) seen.set(`${s.suite}\u0000${s.subject}`, s);
  return [...seen.values()];
}

function withTruncation<W>(entry: Entry<W>, j: ParsedCompletion): Judgment {
  return entry.truncated ? { ...j, truncated: true, key: entry.key } : { ...j, key: entry.key };
}

/**
 * The completion with its token counts: the server's, or else (a prompt sent with others,
 * whose request's usage covers them all) the judge's own count, marked as such.
 */
function withTokenCounts(
  judge: RemoteJudge,
  request: PreparedRequest,
  completion: SentCompletion,
): SentCompletion {
  if (completion.promptTokens !== undefined && completion.completionTokens !== undefined) return completion;
  return judge.countTokens ? { ...completion, ...judge.countTokens(request, completion) } : completion;
}

/** A failure no other request can escape (server unreachable for good, wrong key, unknown model). */
function isFatal(e: unknown): e is BenchError {
  return e instanceof BenchError && (e as BenchError & { fatal?: boolean }).fatal === true;
}
