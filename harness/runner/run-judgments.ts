import { BenchError, InterruptedError, errorMessage } from '../core/errors.js';
import type { JudgeTask, Judgment } from '../core/types.js';
import type { Completion, Judge, ParsedCompletion, PreparedRequest, RemoteJudge } from '../judge/judge.js';
import { silentProgress, type ProgressSink } from './progress.js';

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
}

/** What the runner needs of the client: one completion, retried and spread as it sees fit. */
export interface CompletionClient {
  complete(request: PreparedRequest, signal: AbortSignal): Promise<SentCompletion>;
  readonly retries?: number;
}

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
  /** requests in flight at once (over all endpoints) */
  readonly concurrency?: number;
  /** the run stops once more judgments than this failed with an error (not unparsed) */
  readonly maxFailures?: number;
  readonly subjects?: readonly Subject[];
}

export interface RunSummary {
  readonly requested: number;
  readonly cached: number;
  readonly sent: number;
  readonly unparsed: number;
  readonly errors: number;
}

/**
 * Judges every task once: local judges in process; remote judges through the cache first
 * and the client for what it lacks. Identical requests (same key) are sent once.
 * `judgments[i]` answers `tasks[i]`.
 */
export async function runJudgments(
  judge: Judge,
  tasks: readonly JudgeTask[],
  options: RunOptions,
): Promise<{ judgments: Judgment[]; summary: RunSummary }> {
  if (judge.mode === 'local') {
    const judgments = tasks.map((t) => judge.evaluate(t));
    const unparsed = judgments.filter((j) => j.kind === 'unparsed').length;
    return { judgments, summary: { requested: tasks.length, cached: 0, sent: 0, unparsed, errors: 0 } };
  }
  return runRemote(judge, tasks, options);
}

async function runRemote(
  judge: RemoteJudge,
  tasks: readonly JudgeTask[],
  options: RunOptions,
): Promise<{ judgments: Judgment[]; summary: RunSummary }> {
  const { cache, client } = options;
  if (!client) throw new BenchError(`judge "${judge.info.name}" needs a judge server (--endpoint)`);
  const progress = options.progress ?? silentProgress;
  const judgments: Judgment[] = new Array(tasks.length);

  // One request per distinct key; the tasks that share it get the same judgment. Prompts
  // are not kept (a cold run over every model would hold ~0.5 GB of them): a request is
  // prepared again, deterministically, when it is sent.
  const byKey = new Map<string, { task: JudgeTask; indices: number[]; truncated: boolean }>();
  tasks.forEach((task, i) => {
    const request = judge.prepare(task);
    const entry = byKey.get(request.key);
    if (entry) entry.indices.push(i);
    else byKey.set(request.key, { task, indices: [i], truncated: request.truncation !== undefined });
  });
  const withTruncation = (key: string, truncated: boolean, j: ParsedCompletion): Judgment =>
    truncated ? { ...j, truncated: true, key } : { ...j, key };

  const hits = cache ? cache.lookup([...byKey.keys()]) : new Map<string, CachedJudgment>();
  const counters = { done: 0, cached: 0, unparsed: 0, errors: 0, inFlight: 0 };
  const pending: { task: JudgeTask; indices: number[]; truncated: boolean }[] = [];
  const tags: { key: string; subject: Subject }[] = [];
  for (const [key, entry] of byKey) {
    const hit = hits.get(key);
    if (hit) {
      const j = withTruncation(key, entry.truncated, hit.parsed);
      for (const i of entry.indices) judgments[i] = j;
      counters.done += entry.indices.length;
      counters.cached += entry.indices.length;
      if (j.kind === 'unparsed') counters.unparsed += entry.indices.length;
      if (options.subjects) for (const i of entry.indices) tags.push({ key, subject: options.subjects[i]! });
    } else pending.push(entry);
  }
  if (tags.length && cache?.tag) cache.tag(tags);

  const state = () => ({
    label: options.label,
    total: tasks.length,
    retries: client.retries ?? 0,
    ...counters,
  });
  progress.update(state());
  const maxFailures = options.maxFailures ?? Infinity;
  const concurrency = Math.max(1, options.concurrency ?? 256);
  const local = new AbortController();
  const onAbort = () => local.abort(options.signal.reason);
  options.signal.addEventListener('abort', onAbort, { once: true });
  let fatal: BenchError | undefined;
  let next = 0;

  const worker = async () => {
    while (next < pending.length && !local.signal.aborted) {
      const entry = pending[next++]!;
      counters.inFlight++;
      let judgment: Judgment;
      const request = judge.prepare(entry.task);
      try {
        const completion = await client.complete(request, local.signal);
        const parsed = judge.parse(completion, entry.task);
        cache?.record({
          request,
          completion,
          parsed,
          subjects: options.subjects ? entry.indices.map((i) => options.subjects![i]!) : [],
        });
        judgment = withTruncation(request.key, entry.truncated, parsed);
        if (parsed.kind === 'unparsed') counters.unparsed += entry.indices.length;
      } catch (e) {
        if (local.signal.aborted) return;
        if (isFatal(e)) {
          fatal ??= e;
          local.abort(e);
          return;
        }
        judgment = { kind: 'error', message: errorMessage(e), key: request.key };
        counters.errors += entry.indices.length;
        if (counters.errors > maxFailures) {
          fatal ??= new BenchError(
            `${counters.errors} judgments failed (more than --max-failures ${maxFailures}); last error: ${errorMessage(e)}`,
          );
          local.abort(fatal);
        }
      } finally {
        counters.inFlight--;
      }
      for (const i of entry.indices) judgments[i] = judgment;
      counters.done += entry.indices.length;
      progress.update(state());
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, pending.length) }, worker));
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    cache?.flush();
    progress.finish(state());
  }
  if (fatal) throw fatal;
  if (options.signal.aborted) {
    throw new InterruptedError(
      `interrupted: ${counters.done - counters.cached} judgments of this run are stored; run the same command again to resume`,
    );
  }
  return {
    judgments,
    summary: {
      requested: tasks.length,
      cached: counters.cached,
      sent: pending.length,
      unparsed: counters.unparsed,
      errors: counters.errors,
    },
  };
}

/** A failure no other request can escape (server unreachable for good, wrong key, unknown model). */
function isFatal(e: unknown): e is BenchError {
  return e instanceof BenchError && (e as BenchError & { fatal?: boolean }).fatal === true;
}
