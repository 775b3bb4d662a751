import diagnostics from 'node:diagnostics_channel';
import { BenchError, InterruptedError, errorMessage } from '../core/errors.js';
import type { JudgeTask, Judgment } from '../core/types.js';
import type { Completion, Judge, ParsedCompletion, PreparedRequest, RemoteJudge } from '../judge/judge.js';
import { ADMIT_CHUNK, admitTasks } from './admit.js';
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
  }): void;
  /** tags keys already stored with the subjects that used them in this run */
  tag?(entries: readonly { key: string; subject: Subject }[]): void;
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
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let judgments: Judgment[];
  let summary: RunSummary;
  if (judge.mode === 'local') {
    judgments = tasks.map((t) => judge.evaluate(t));
    const unparsed = judgments.filter((j) => j.kind === 'unparsed').length;
    summary = { requested: tasks.length, cached: 0, sent: 0, unparsed, errors: 0 };
  } else {
    ({ judgments, summary } = await runRemote(judge, tasks, options));
  }
  const cpu = process.cpuUsage(cpu0);
  const timing: RunTiming = { cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t0 };
  if (judgingChannel.hasSubscribers) judgingChannel.publish({ label: options.label, summary, timing });
  return { judgments, summary, timing };
}

/** Tasks prepared (prompt and key) and looked up in the store at a time. */
const CHUNK = ADMIT_CHUNK;

/** One distinct request (key) and the tasks that share it. */
interface Entry {
  readonly key: string;
  /** the tasks answered by this key, in order; the first one is parsed against */
  readonly indices: number[];
  readonly truncated: boolean;
  /** held from preparation until sent, then dropped (prompts are large) */
  request: PreparedRequest | undefined;
  judgment: Judgment | undefined;
  fromStore: boolean;
  /** the judgment is in the store: later tasks with this key are tagged with it */
  stored: boolean;
}

/**
 * Remote judging, streamed: tasks are prepared (prompt, key) and looked up in the store a
 * chunk at a time, just ahead of sending, so each prompt is built once and only the
 * prompts of the next chunk and of the requests in flight are held in memory (a cold run
 * over every model would need ~0.5 GB to hold them all). Workers send what the store
 * lacks, in order (prompts that share a prefix go together), `batchSize` prompts per
 * request, `concurrency` prompts in flight.
 */
async function runRemote(
  judge: RemoteJudge,
  tasks: readonly JudgeTask[],
  options: RunOptions,
): Promise<{ judgments: Judgment[]; summary: RunSummary }> {
  const { cache, client, subjects } = options;
  if (!client) throw new BenchError(`judge "${judge.info.name}" needs a judge server (--endpoint)`);
  const progress = options.progress ?? silentProgress;
  const judgments: Judgment[] = new Array(tasks.length);
  const counters = { done: 0, cached: 0, unparsed: 0, errors: 0, inFlight: 0 };
  const maxFailures = options.maxFailures ?? Infinity;
  const concurrency = Math.max(1, options.concurrency ?? 256);
  const batchSize = client.completeBatch
    ? Math.min(concurrency, Math.max(1, Math.floor(options.batchSize ?? 1)))
    : 1;
  const waits = new RequestWaits(options.now ?? (() => performance.now()));
  const state = (): ProgressState => ({
    label: options.label,
    total: tasks.length,
    retries: client.retries ?? 0,
    ...counters,
    ...waits.snapshot(),
  });

  const byKey = new Map<string, Entry>();
  let queue: Entry[] = [];
  let head = 0;
  let cursor = 0;
  let sent = 0;

  const withTruncation = (entry: Entry, j: ParsedCompletion): Judgment =>
    entry.truncated ? { ...j, truncated: true, key: entry.key } : { ...j, key: entry.key };

  const count = (entry: Entry, n: number): void => {
    const j = entry.judgment as Judgment;
    counters.done += n;
    if (entry.fromStore) counters.cached += n;
    if (j.kind === 'unparsed') counters.unparsed += n;
    else if (j.kind === 'error') counters.errors += n;
  };

  /** The entry's judgment is known: it answers every task that has the key so far. */
  const settle = (entry: Entry, judgment: Judgment, fromStore: boolean, stored: boolean): void => {
    entry.judgment = judgment;
    entry.fromStore = fromStore;
    entry.stored = stored;
    entry.request = undefined;
    for (const i of entry.indices) judgments[i] = judgment;
    count(entry, entry.indices.length);
  };

  /** Another task with a key already seen: answered now if known, else when it is. */
  const join = (entry: Entry, i: number, tags: { key: string; subject: Subject }[]): void => {
    entry.indices.push(i);
    if (entry.judgment === undefined) return;
    judgments[i] = entry.judgment;
    count(entry, 1);
    if (entry.stored && subjects) tags.push({ key: entry.key, subject: subjects[i]! });
  };

  /** Prepares and looks up the next chunk of tasks; what the store lacks joins the queue. */
  const admitChunk = (): void => {
    const end = Math.min(tasks.length, cursor + CHUNK);
    const tags: { key: string; subject: Subject }[] = [];
    const { fresh, hits } = admitTasks<Entry>(
      judge,
      tasks,
      cursor,
      end,
      byKey,
      {
        open: (request, i) => ({
          key: request.key,
          indices: [i],
          truncated: request.truncation !== undefined,
          request,
          judgment: undefined,
          fromStore: false,
          stored: false,
        }),
        join: (entry, i) => join(entry, i, tags),
      },
      cache,
    );
    cursor = end;
    for (const entry of fresh) {
      const hit = hits?.get(entry.key);
      if (!hit) {
        queue.push(entry);
        continue;
      }
      settle(entry, withTruncation(entry, hit.parsed), true, true);
      if (subjects) for (const i of entry.indices) tags.push({ key: entry.key, subject: subjects[i]! });
    }
    if (tags.length > 0 && cache?.tag) cache.tag(tags);
    progress.update(state());
  };

  /** The next `n` requests to send (fewer at the end), preparing more tasks as needed. */
  const take = (n: number): Entry[] => {
    while (queue.length - head < n && cursor < tasks.length) admitChunk();
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

  const finish = (entry: Entry, request: PreparedRequest, outcome: BatchOutcome): void => {
    if (outcome.ok) {
      try {
        const parsed = judge.parse(outcome.completion, tasks[entry.indices[0]!]!);
        cache?.record({
          request,
          completion: withTokenCounts(judge, request, outcome.completion),
          parsed,
          subjects: subjects ? entry.indices.map((i) => subjects[i]!) : [],
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
      let batch: Entry[];
      try {
        batch = take(batchSize);
      } catch (e) {
        // a task the judge cannot prepare: a bug or a wrong input, not a judgment
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
    judgments,
    summary: {
      requested: tasks.length,
      cached: counters.cached,
      sent,
      unparsed: counters.unparsed,
      errors: counters.errors,
    },
  };
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
