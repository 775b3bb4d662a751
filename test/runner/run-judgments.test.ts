import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EndpointPool } from '../../harness/client/endpoint-pool.js';
import { JudgeServerError } from '../../harness/client/errors.js';
import { BenchError, InterruptedError } from '../../harness/core/errors.js';
import type { JudgeTask, Sampling } from '../../harness/core/types.js';
import { createAutojJudge } from '../../harness/judge/autoj/index.js';
import type {
  Completion,
  ParsedCompletion,
  PreparedRequest,
  RemoteJudge,
} from '../../harness/judge/judge.js';
import {
  judgingChannel,
  runJudgmentWindows,
  runJudgments,
  type BatchOutcome,
  type CachedJudgment,
  type CompletionClient,
  type JudgmentCache,
  type SentCompletion,
  type Subject,
} from '../../harness/runner/run-judgments.js';
import { storeJudgmentCache } from '../../harness/runner/store-cache.js';
import { JudgmentStore } from '../../harness/store/judgment-store.js';
import { startVllmSim, type VllmSim } from '../helpers/vllm-sim.js';
import { tempDir } from '../store/records.js';

const SAMPLING: Sampling = { temperature: 0, top_p: 1, max_tokens: 1024 };
const never = new AbortController().signal;

/** A remote judge whose key is its prompt; rates `[[n]]` in the answer. Counts preparations. */
function fakeJudge() {
  const judge = {
    prepared: 0,
    mode: 'remote' as const,
    info: {
      name: 'fake',
      model: 'fake-model',
      protocol: 'single' as const,
      templateVersion: 'v1',
      description: 'fake',
    },
    prepare(task: JudgeTask): PreparedRequest {
      judge.prepared++;
      if (task.protocol !== 'single') throw new Error('a single judge was given a pairwise task');
      const prompt = `rate: ${task.instruction} / ${task.response ?? ''}`;
      return { key: `key(${prompt})`, model: 'fake-model', prompt, sampling: SAMPLING };
    },
    parse(completion: Completion): ParsedCompletion {
      const m = /\[\[(\d+)\]\]/.exec(completion.text);
      return m ? { kind: 'ok', rating: Number(m[1]) } : { kind: 'unparsed', reason: 'no rating' };
    },
  };
  return judge satisfies RemoteJudge;
}

const task = (i: number, response = `response ${i}`): JudgeTask => ({
  protocol: 'single',
  instruction: `instruction ${i}`,
  response,
});
const promptOf = (t: JudgeTask) => (t.protocol === 'single' ? `rate: ${t.instruction} / ${t.response}` : '');

/** The store, in memory. */
function memoryCache(stored: Record<string, ParsedCompletion> = {}) {
  const records: { key: string; subjects: readonly Subject[]; completion: SentCompletion }[] = [];
  const tags: { key: string; subject: Subject }[] = [];
  let flushes = 0;
  const cache: JudgmentCache & {
    records: typeof records;
    tags: typeof tags;
    flushes: () => number;
  } = {
    records,
    tags,
    flushes: () => flushes,
    lookup(keys) {
      const found = new Map<string, CachedJudgment>();
      for (const k of keys) if (stored[k]) found.set(k, { parsed: stored[k] });
      return found;
    },
    record({ request, completion, subjects }) {
      records.push({ key: request.key, subjects, completion });
    },
    tag(entries) {
      tags.push(...entries);
    },
    flush() {
      flushes++;
    },
  };
  return cache;
}

/**
 * A client that answers `[[rating]]` (or what `answer` says) after `delayMs`, recording
 * every request (its prompts) and the most prompts it had in flight at once.
 */
function fakeClient(
  options: {
    batches?: boolean;
    delayMs?: number;
    answer?: (prompt: string) => string | Error;
    onSend?: () => void;
  } = {},
) {
  const requests: string[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const answer = options.answer ?? ((p: string) => `fine. Rating: [[${(p.length % 10) + 1}]]`);
  const wait = (signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const timer = setTimeout(resolve, options.delayMs ?? 1);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    });
  const outcome = (prompt: string): BatchOutcome => {
    const a = answer(prompt);
    return a instanceof Error
      ? { ok: false, error: a }
      : { ok: true, completion: { text: a, finishReason: 'stop', endpoint: 'fake', latencyMs: 1 } };
  };
  const send = async (prompts: string[], signal: AbortSignal) => {
    options.onSend?.();
    requests.push(prompts);
    inFlight += prompts.length;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await wait(signal);
    } finally {
      inFlight -= prompts.length;
    }
    return prompts.map(outcome);
  };
  const client: CompletionClient & { requests: string[][]; maxInFlight: () => number } = {
    requests,
    maxInFlight: () => maxInFlight,
    async complete(request, signal) {
      const [o] = await send([request.prompt], signal);
      if (!o!.ok) throw o!.error;
      return o!.completion;
    },
    ...(options.batches === false
      ? {}
      : {
          completeBatch: (reqs, signal) =>
            send(
              reqs.map((r) => r.prompt),
              signal,
            ),
        }),
  };
  return client;
}

describe('runJudgments (remote): batches', () => {
  it('sends what the store lacks, batchSize prompts per request in task order, each key once', async () => {
    const judge = fakeJudge();
    // 60 tasks; 10 and 11 repeat 0 and 1 (same key); 20-29 are in the store
    const tasks = Array.from({ length: 60 }, (_, i) => (i === 10 || i === 11 ? task(i - 10) : task(i)));
    const stored: Record<string, ParsedCompletion> = {};
    for (let i = 20; i < 30; i++) stored[`key(${promptOf(tasks[i]!)})`] = { kind: 'ok', rating: 3 };
    const cache = memoryCache(stored);
    const client = fakeClient();
    const subjects = tasks.map((_, i) => ({ suite: 's', subject: `m${i % 3}` }));
    const { judgments, summary } = await runJudgments(judge, tasks, {
      label: 't',
      signal: never,
      cache,
      client,
      batchSize: 4,
      concurrency: 8,
      subjects,
    });

    // every task prepared once: prompts are not built twice
    expect(judge.prepared).toBe(60);
    const missing = tasks.map(promptOf).filter((p, i) => i !== 10 && i !== 11 && (i < 20 || i >= 30));
    expect(client.requests.flat()).toEqual(missing);
    expect(client.requests.every((r) => r.length >= 1 && r.length <= 4)).toBe(true);
    expect(client.requests.filter((r) => r.length === 4).length).toBeGreaterThanOrEqual(10);
    expect(client.maxInFlight()).toBeLessThanOrEqual(8);
    expect(client.maxInFlight()).toBeGreaterThan(4);
    expect(summary).toEqual({ requested: 60, cached: 10, sent: 48, unparsed: 0, errors: 0 });

    judgments.forEach((j, i) => {
      const prompt = promptOf(tasks[i]!);
      expect(j).toEqual({
        kind: 'ok',
        rating: i >= 20 && i < 30 ? 3 : (prompt.length % 10) + 1,
        key: `key(${prompt})`,
      });
    });
    // recorded once each, with every subject that used it; store hits are tagged
    expect(cache.records.map((r) => r.key)).toEqual(missing.map((p) => `key(${p})`));
    expect(cache.records[0]!.subjects).toEqual([subjects[0], subjects[10]]);
    expect(cache.tags.map((t) => t.subject)).toEqual(subjects.slice(20, 30));
    expect(cache.flushes()).toBeGreaterThanOrEqual(1);
  });

  it('prepares tasks just ahead of sending, so prompts are not all held at once', async () => {
    const judge = fakeJudge();
    const tasks = Array.from({ length: 3000 }, (_, i) => task(i));
    let preparedAtFirstSend = -1;
    const client = fakeClient({
      onSend: () => {
        if (preparedAtFirstSend < 0) preparedAtFirstSend = judge.prepared;
      },
    });
    const { summary } = await runJudgments(judge, tasks, {
      label: 't',
      signal: never,
      client,
      batchSize: 8,
      concurrency: 64,
    });
    expect(summary.sent).toBe(3000);
    expect(judge.prepared).toBe(3000);
    expect(preparedAtFirstSend).toBeGreaterThan(0);
    expect(preparedAtFirstSend).toBeLessThanOrEqual(512);
  });

  it('answers a key seen again after it was judged at once, and tags it with the new subject', async () => {
    const judge = fakeJudge();
    // task 1500 repeats task 0, far beyond the first chunk of prepared tasks
    const tasks = Array.from({ length: 1501 }, (_, i) => (i === 1500 ? task(0) : task(i)));
    const subjects = tasks.map((_, i) => ({ suite: 's', subject: i === 1500 ? 'late' : 'early' }));
    const cache = memoryCache();
    const client = fakeClient();
    const { judgments, summary } = await runJudgments(judge, tasks, {
      label: 't',
      signal: never,
      cache,
      client,
      batchSize: 8,
      concurrency: 16,
      subjects,
    });
    expect(summary.sent).toBe(1500);
    expect(client.requests.flat().filter((p) => p === promptOf(task(0)))).toHaveLength(1);
    expect(judgments[1500]).toEqual(judgments[0]);
    expect(cache.tags).toEqual([
      { key: `key(${promptOf(task(0))})`, subject: { suite: 's', subject: 'late' } },
    ]);
  });

  it('sends one prompt per request to a client that cannot batch', async () => {
    const client = fakeClient({ batches: false });
    const tasks = Array.from({ length: 20 }, (_, i) => task(i));
    await runJudgments(fakeJudge(), tasks, { label: 't', signal: never, client, batchSize: 8 });
    expect(client.requests).toHaveLength(20);
    expect(client.requests.every((r) => r.length === 1)).toBe(true);
  });

  it('an error concerns only its prompt: recorded as a failed judgment, never stored', async () => {
    const cache = memoryCache();
    const client = fakeClient({
      answer: (p) =>
        p.includes('instruction 5 ')
          ? new JudgeServerError(
              'rejected',
              'judge server at x rejected the request (400 Bad Request: too long)',
            )
          : p.includes('instruction 6 ')
            ? 'no verdict here'
            : 'ok. Rating: [[4]]',
    });
    const tasks = Array.from({ length: 16 }, (_, i) => task(i));
    const { judgments, summary } = await runJudgments(fakeJudge(), tasks, {
      label: 't',
      signal: never,
      cache,
      client,
      batchSize: 8,
    });
    expect(client.requests.map((r) => r.length)).toEqual([8, 8]);
    expect(judgments[5]).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('400 Bad Request'),
    });
    expect(judgments[6]).toMatchObject({ kind: 'unparsed', reason: 'no rating' });
    expect(judgments.filter((j) => j.kind === 'ok')).toHaveLength(14);
    expect(summary).toMatchObject({ sent: 16, errors: 1, unparsed: 1 });
    expect(cache.records).toHaveLength(15);
    expect(cache.records.some((r) => r.key.includes('instruction 5 '))).toBe(false);
  });

  it('stops the run on a fatal error, saying what is stored', async () => {
    const cache = memoryCache();
    let calls = 0;
    const client: CompletionClient = {
      complete: () => Promise.reject(new Error('not used')),
      async completeBatch(reqs) {
        calls++;
        if (calls > 2) throw new JudgeServerError('unreachable', 'no judge server answers at http://x');
        return reqs.map(() => ({
          ok: true,
          completion: { text: 'Rating: [[5]]', finishReason: 'stop', endpoint: 'x', latencyMs: 1 },
        }));
      },
    };
    const tasks = Array.from({ length: 40 }, (_, i) => task(i));
    const run = runJudgments(fakeJudge(), tasks, {
      label: 't',
      signal: never,
      cache,
      client,
      batchSize: 4,
      concurrency: 4,
    });
    await expect(run).rejects.toThrow(
      /^no judge server answers at http:\/\/x \(8 judgments of this run are stored; the same command resumes from there\)$/,
    );
    expect(cache.records).toHaveLength(8);
    expect(cache.flushes()).toBe(1);
  });

  it('stops once more judgments than --max-failures failed', async () => {
    const client = fakeClient({ answer: () => new Error('boom') });
    const tasks = Array.from({ length: 100 }, (_, i) => task(i));
    await expect(
      runJudgments(fakeJudge(), tasks, {
        label: 't',
        signal: never,
        client,
        batchSize: 4,
        concurrency: 4,
        maxFailures: 5,
      }),
    ).rejects.toThrow(/^6 judgments failed \(more than --max-failures 5\); last error: boom/);
  });

  it('Ctrl-C stops promptly with InterruptedError; what was judged is flushed', async () => {
    const cache = memoryCache();
    const controller = new AbortController();
    const client = fakeClient({ delayMs: 20 });
    const tasks = Array.from({ length: 400 }, (_, i) => task(i));
    const run = runJudgments(fakeJudge(), tasks, {
      label: 't',
      signal: controller.signal,
      cache,
      client,
      batchSize: 8,
      concurrency: 32,
    });
    setTimeout(() => controller.abort(new Error('SIGINT')), 70);
    const started = performance.now();
    await expect(run).rejects.toBeInstanceOf(InterruptedError);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(cache.records.length).toBeGreaterThan(0);
    expect(cache.records.length).toBeLessThan(400);
    expect(cache.flushes()).toBe(1);
  });

  it('a task the judge cannot prepare fails the run with its error', async () => {
    const client = fakeClient();
    const tasks: JudgeTask[] = [
      ...Array.from({ length: 600 }, (_, i) => task(i)),
      { protocol: 'pairwise', instruction: 'q', first: 'a', second: 'b' },
    ];
    const run = runJudgments(fakeJudge(), tasks, { label: 't', signal: never, client, batchSize: 8 });
    await expect(run).rejects.toThrow('a single judge was given a pairwise task');
    await expect(run).rejects.not.toBeInstanceOf(BenchError);
  });

  it('returns its CPU and wall time, and publishes them on its channel', async () => {
    const seen: unknown[] = [];
    const listener = (m: unknown) => seen.push(m);
    judgingChannel.subscribe(listener);
    try {
      const tasks = Array.from({ length: 10 }, (_, i) => task(i));
      const { timing, summary } = await runJudgments(fakeJudge(), tasks, {
        label: 'timed',
        signal: never,
        client: fakeClient(),
        batchSize: 4,
      });
      expect(timing.cpuMs).toBeGreaterThan(0);
      expect(timing.wallMs).toBeGreaterThan(0);
      expect(seen).toEqual([{ label: 'timed', summary, timing }]);
    } finally {
      judgingChannel.unsubscribe(listener);
    }
  });
});

describe('runJudgments with the judgment store', () => {
  /** Makes the store's file unable to grow, as a full disk does (SQLite answers SQLITE_FULL). */
  const diskFull = (store: JudgmentStore): void => {
    const db = (store as unknown as { db: Database.Database }).db;
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  };

  it('a failed commit (disk full) stops the run at once, saying what is stored; the same run resumes', async () => {
    const { dir, cleanup } = tempDir();
    const file = join(dir, 'judgments.sqlite');
    const judge = fakeJudge();
    const tasks = Array.from({ length: 2000 }, (_, i) => task(i));
    const critique = (p: string) =>
      `${'A long critique of the response. '.repeat(60)}Rating: [[${(p.length % 9) + 1}]]`;
    try {
      const store = JudgmentStore.open(file);
      const cache = storeJudgmentCache(store, judge.info);
      let sentAtFailure = -1;
      cache.onFailure?.(() => {
        sentAtFailure = client.requests.length;
      });
      const client = fakeClient({
        answer: critique,
        onSend: () => {
          if (client.requests.length !== 40) return;
          cache.flush(); // what was answered so far is committed; then the disk is full
          diskFull(store);
        },
      });
      const run = runJudgments(judge, tasks, {
        label: 't',
        signal: never,
        cache,
        client,
        batchSize: 4,
        concurrency: 16,
      });
      const error = await run.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BenchError);
      const message = (error as Error).message;
      expect(message).toMatch(
        /^\S+judgments\.sqlite: disk full: the run stopped at once; \d+ judgments of this run are stored( \(\d+ answered since the last commit are not\))?; the same command resumes from there once the store can be written$/,
      );
      // nothing was sent once the commit had failed
      expect(sentAtFailure).toBeGreaterThanOrEqual(40);
      expect(client.requests).toHaveLength(sentAtFailure);
      expect(client.requests.length).toBeLessThan(tasks.length / 4);
      expect(() => cache.close()).not.toThrow(); // reported once, by the run
      store.close();

      const reopened = JudgmentStore.open(file);
      const stored = reopened.count();
      expect(message).toContain(` ${stored} judgments of this run are stored`);
      expect(stored).toBeGreaterThan(0);
      expect(reopened.integrityCheck()).toEqual([]);
      // room again: the same run sends only what is missing
      const again = storeJudgmentCache(reopened, judge.info);
      const client2 = fakeClient({ answer: critique });
      const { summary } = await runJudgments(judge, tasks, {
        label: 't',
        signal: never,
        cache: again,
        client: client2,
        batchSize: 4,
        concurrency: 16,
      });
      again.close();
      expect(summary).toMatchObject({ cached: stored, sent: tasks.length - stored, errors: 0 });
      expect(reopened.count()).toBe(tasks.length);
      reopened.close();
    } finally {
      cleanup();
    }
  });
});

describe('runJudgments with the endpoint pool against vllm-sim, 8 prompts per request', () => {
  let sim: VllmSim | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  /** the pool as the CLI hands it to the runner */
  const client = (pool: EndpointPool): CompletionClient => ({
    complete: (request, signal) => pool.complete(request, signal),
    completeBatch: (requests, signal) => pool.completeBatch(requests, signal),
  });

  const pool = (url: string) =>
    new EndpointPool({
      endpoints: [url],
      timeoutMs: 2_000,
      backoff: { baseMs: 50, maxMs: 400 },
      cooldown: { baseMs: 100, maxMs: 400 },
    });

  const tasks = (n: number, length: (i: number) => number): JudgeTask[] =>
    Array.from({ length: n }, (_, i) => ({
      protocol: 'single',
      instruction: `Question ${i}: how do plants grow?`,
      response: `Answer ${i}. ${'Plants need light and water. '.repeat(Math.ceil(length(i) / 29))}`.slice(
        0,
        length(i),
      ),
    }));

  it('stores every judgment exactly once under injected faults', async () => {
    sim = await startVllmSim([
      '--time-scale',
      '400',
      '--fail-rate',
      '0.05',
      '--rate-limit-rate',
      '0.05',
      '--reset-rate',
      '0.03',
      '--hang-rate',
      '0.03',
      '--seed',
      '11',
    ]);
    const p = pool(sim.url);
    try {
      const judge = createAutojJudge();
      const cache = memoryCache();
      const list = tasks(400, (i) => 200 + ((i * 37) % 900));
      const { judgments, summary } = await runJudgments(judge, list, {
        label: 't',
        signal: never,
        cache,
        client: client(p),
        batchSize: 8,
        concurrency: 128,
      });
      expect(summary).toMatchObject({ requested: 400, cached: 0, sent: 400, errors: 0 });
      expect(judgments.every((j) => j.kind === 'ok' || j.kind === 'unparsed')).toBe(true);
      const keys = cache.records.map((r) => r.key);
      expect(new Set(keys).size).toBe(400);
      expect(keys).toHaveLength(400);
      const stats = await sim.stats();
      // every prompt was generated once: retried batches were refused before generating
      expect(stats.completed).toBe(400);
      expect(stats.requests).toBeLessThan(400 / 4);
      expect(stats.errors['500']! + stats.errors['429']! + stats.resets + stats.hangs).toBeGreaterThan(0);
      // a prompt sent with others has no usage of its own: its tokens are counted by the judge
      expect(cache.records.some((r) => r.completion.tokenSource === 'counted')).toBe(true);
      expect(
        cache.records.every((r) => r.completion.promptTokens! > 0 && r.completion.completionTokens! > 0),
      ).toBe(true);
    } finally {
      p.close();
    }
  });

  it('a prompt the server refuses (too long for its context) fails alone', async () => {
    // the judge thinks the context is 4096 tokens; the server has 2048 (vllm-sim counts
    // ceil(bytes / 6) prompt tokens and adds max_tokens 1024)
    sim = await startVllmSim(['--time-scale', '400', '--max-model-len', '2048']);
    const p = pool(sim.url);
    try {
      const judge = createAutojJudge();
      const list = tasks(24, (i) => (i % 5 === 2 ? 6000 : 300));
      const { judgments, summary } = await runJudgments(judge, list, {
        label: 't',
        signal: never,
        client: client(p),
        batchSize: 8,
      });
      const tooLong = (i: number) =>
        Math.ceil(Buffer.byteLength(judge.prepare(list[i]!).prompt) / 6) + 1024 > 2048;
      judgments.forEach((j, i) => {
        if (tooLong(i))
          expect(j).toMatchObject({
            kind: 'error',
            message: expect.stringContaining('maximum context length'),
          });
        else expect(j.kind === 'ok' || j.kind === 'unparsed').toBe(true);
      });
      expect(summary.errors).toBe(list.filter((_, i) => tooLong(i)).length);
      expect(summary.errors).toBeGreaterThan(0);
    } finally {
      p.close();
    }
  });
});

describe('runJudgmentWindows', () => {
  it('lets go of a finished window while an earlier one still waits for an answer', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const judge = fakeJudge();
    // every task is stored but window 0's first one; each window repeats a task of window 0
    const shared = task(1);
    const stored: Record<string, ParsedCompletion> = {};
    for (let w = 0; w < 6; w++)
      for (let i = 1; i < 10; i++) stored[judge.prepare(task(w * 100 + i)).key] = { kind: 'ok', rating: 5 };
    const windows = Array.from({ length: 6 }, (_, w) => ({
      tasks: [w === 0 ? task(0) : shared, ...Array.from({ length: 9 }, (_, i) => task(w * 100 + i + 1))],
      payload: 'x'.repeat(1_000_000 + w), // what a window holds: the models' outputs
    }));
    const refs = windows.map((w) => new WeakRef(w));
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let released: boolean[] = [];
    const client: CompletionClient = {
      async complete() {
        // window 0's request is answered once every other window is done and collected
        await held;
        return { text: 'Rating: [[7]]', finishReason: 'stop', endpoint: 'e', latencyMs: 1 };
      },
    };
    const done: number[] = [];
    async function* produce() {
      while (windows.length > 0) yield windows.shift()!;
    }
    const run = runJudgmentWindows(
      judge,
      produce(),
      { label: 't', signal: never, cache: memoryCache(stored), client, concurrency: 4 },
      (window) => {
        done.push(window.payload.length - 1_000_000);
        if (done.length === 5) {
          setTimeout(() => {
            gc();
            released = refs.map((r) => r.deref() === undefined);
            release();
          }, 10);
        }
      },
    );
    const { summary } = await run;
    expect(done).toEqual([1, 2, 3, 4, 5, 0]);
    expect(summary).toMatchObject({ requested: 60, sent: 1, errors: 0 });
    // windows 1-5 were answered from the store, their repeated task by window 0's settled
    // entry: none is kept alive by the entries of window 0, which still waits (the last one
    // is the runner's current window until the run ends)
    expect(released.slice(1, 5)).toEqual([true, true, true, true]);
  });
});
