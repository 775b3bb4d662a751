import type { Completion } from '../judge/judge.js';
import type { BatchExportWriter } from './batch-files.js';
import type { BatchOutcome, JudgmentCache, RunOptions, Subject } from './run-judgments.js';

/**
 * A run that sends nothing and writes what it would send into a batch export: the
 * suite's own run (its tasks, their order, the runner's admission against the store)
 * with a client that answers every request at once with an empty completion, and a cache
 * that looks up the real store but, instead of recording those answers, adds their
 * requests to the export. So the export holds exactly the requests the same `bench run`
 * would send, each key once, in its order, with every subject and task digest that uses
 * them (the task index rows import writes), and the store is not written. The suite's
 * result (every judged item unparsed) is thrown away.
 */
export interface ExportingRun {
  readonly run: Pick<RunOptions, 'cache' | 'client' | 'concurrency' | 'batchSize'>;
  /** requests the store held (found, not exported) */
  readonly stored: () => number;
  /** waits for every request added to be written; throws the first write failure */
  settled(): Promise<void>;
}

/** Requests answered at once: one worker, so they reach the export in the order the run sends them. */
const BATCH = 256;

const NOT_SENT: Completion & { endpoint: string; latencyMs: number } = Object.freeze({
  text: '',
  finishReason: null,
  // counts given, so that the runner does not tokenize to count them
  promptTokens: 0,
  completionTokens: 0,
  endpoint: 'batch-export',
  latencyMs: 0,
});

export function exportingRun(
  writer: BatchExportWriter,
  store: Pick<JudgmentCache, 'lookup' | 'lookupTasks'>,
): ExportingRun {
  /** subjects and task digests of every exported key: a task of a later chunk or window may join it */
  const exported = new Map<string, { subjects: Subject[]; digests: string[] }>();
  /** distinct keys the store held (a later window may look one up again) */
  const stored = new Set<string>();
  let writes: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | undefined;
  const cache: JudgmentCache = {
    lookup(keys) {
      const fresh = keys.filter((k) => !exported.has(k));
      const hits = store.lookup(fresh);
      for (const key of hits.keys()) stored.add(key);
      return hits;
    },
    // the task index: a task stored already is found without its prompt (and not exported),
    // and the run hands each exported request the digests of its tasks, for the manifest
    ...(store.lookupTasks
      ? {
          lookupTasks: (identity: string, digests: readonly string[]) => {
            const hits = store.lookupTasks!(identity, digests);
            for (const hit of hits.values()) stored.add(hit.key);
            return hits;
          },
        }
      : {}),
    index(_identity, rows) {
      // a task joining an exported request; rows of a judgment the store holds are left to the next run
      for (const { digest, key } of rows) exported.get(key)?.digests.push(digest);
    },
    record({ request, subjects, index }) {
      const known = exported.get(request.key);
      if (known) {
        // asked again (a later window of the run): the same request, more subjects
        known.subjects.push(...subjects);
        if (index) known.digests.push(...index.digests);
        return;
      }
      const entry = { subjects: [...subjects], digests: index ? [...index.digests] : [] };
      exported.set(request.key, entry);
      writes = writes
        .then(() => writer.add({ request, ...entry }))
        .catch((error: unknown) => {
          failure ??= { error };
        });
    },
    tag(entries) {
      for (const { key, subject } of entries) exported.get(key)?.subjects.push(subject);
    },
    flush() {},
  };
  return {
    run: {
      cache,
      client: {
        complete: async () => {
          await writes;
          return NOT_SENT;
        },
        // the previous batch written before the next is taken: the spool, not memory, holds the prompts
        completeBatch: async (requests): Promise<BatchOutcome[]> => {
          await writes;
          return requests.map(() => ({ ok: true, completion: NOT_SENT }));
        },
      },
      concurrency: BATCH,
      batchSize: BATCH,
    },
    stored: () => stored.size,
    async settled() {
      await writes;
      if (failure) throw failure.error;
    },
  };
}
