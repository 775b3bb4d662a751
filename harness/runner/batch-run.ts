import type { Completion } from '../judge/judge.js';
import type { BatchExportWriter } from './batch-files.js';
import type { BatchOutcome, JudgmentCache, RunOptions, Subject } from './run-judgments.js';

/**
 * A run that sends nothing and writes what it would send into a batch export: the
 * suite's own run (its tasks, their order, the runner's admission against the store)
 * with a client that answers every request at once with an empty completion, and a cache
 * that looks up the real store but, instead of recording those answers, adds their
 * requests to the export. So the export holds exactly the requests the same `bench run`
 * would send, each key once, in its order, with every subject that uses them, and the
 * store is not written. The suite's result (every judged item unparsed) is thrown away.
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

export function exportingRun(writer: BatchExportWriter, store: Pick<JudgmentCache, 'lookup'>): ExportingRun {
  /** subjects of every exported key: a task of a later chunk or window may join it */
  const exported = new Map<string, Subject[]>();
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
    record({ request, subjects }) {
      const known = exported.get(request.key);
      if (known) {
        // asked again (a later window of the run): the same request, more subjects
        known.push(...subjects);
        return;
      }
      const list = [...subjects];
      exported.set(request.key, list);
      writes = writes
        .then(() => writer.add({ request, subjects: list }))
        .catch((error: unknown) => {
          failure ??= { error };
        });
    },
    tag(entries) {
      for (const { key, subject } of entries) exported.get(key)?.push(subject);
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
