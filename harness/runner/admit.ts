import type { JudgeTask } from '../core/types.js';
import type { PreparedRequest, RemoteJudge } from '../judge/judge.js';
import type { CachedJudgment, JudgmentCache } from './run-judgments.js';

/**
 * How a run turns tasks into distinct requests, shared by the runner (run-judgments.ts)
 * and the batch export (pending.ts), so that both see the same requests in the same
 * order: tasks are prepared (prompt, key) a chunk at a time, each key once (a task whose
 * request an earlier task of the run had joins that one), and the new keys of a chunk are
 * looked up in the store together.
 */

/** Tasks prepared and looked up in the store at a time. */
export const ADMIT_CHUNK = 512;

export interface AdmitHandlers<E> {
  /** a key not seen before in the run: its entry (kept in `byKey`) */
  open(request: PreparedRequest, index: number): E;
  /** task `index` has the key of `entry`, seen before */
  join(entry: E, index: number): void;
}

export interface Admitted<E> {
  /** the entries opened, in task order */
  readonly fresh: E[];
  /** what the store holds of their keys (undefined without a cache or new keys) */
  readonly hits: Map<string, CachedJudgment> | undefined;
}

/** Prepares tasks `from` to `to` (exclusive) against the run's entries `byKey`. */
export function admitTasks<E extends { readonly key: string }>(
  judge: RemoteJudge,
  tasks: readonly JudgeTask[],
  from: number,
  to: number,
  byKey: Map<string, E>,
  handlers: AdmitHandlers<E>,
  cache: Pick<JudgmentCache, 'lookup'> | undefined,
): Admitted<E> {
  const fresh: E[] = [];
  for (let i = from; i < to; i++) {
    const request = judge.prepare(tasks[i]!);
    const known = byKey.get(request.key);
    if (known) {
      handlers.join(known, i);
      continue;
    }
    const entry = handlers.open(request, i);
    byKey.set(request.key, entry);
    fresh.push(entry);
  }
  const hits = cache && fresh.length > 0 ? cache.lookup(fresh.map((e) => e.key)) : undefined;
  return { fresh, hits };
}
