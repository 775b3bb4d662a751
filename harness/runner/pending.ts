import type { JudgeTask } from '../core/types.js';
import { taskDigest } from '../judge/key.js';
import type { PreparedRequest, RemoteJudge } from '../judge/judge.js';
import { ADMIT_CHUNK, admitTasks } from './admit.js';
import type { JudgmentCache, Subject } from './run-judgments.js';

/**
 * The requests a run still needs, without sending them (for `bench batch export`): the
 * runner's own admission (admit.ts), so they are exactly the requests `runJudgments`
 * would send, each key once, in the order it would send them (tasks in order: prompts
 * that share a prefix stay together), and nothing the store holds.
 */

/** A request the store lacks, and who uses it. */
export interface PendingRequest {
  readonly request: PreparedRequest;
  /**
   * the subjects of every task with this key, in task order. A later task can join the
   * key after the request was yielded: the list is complete once the iteration ended.
   */
  readonly subjects: Subject[];
  /**
   * the task digests (`taskDigest`) of those tasks, for the store's task index under the
   * judge's `requestIdentity` (none without one); complete when `subjects` is
   */
  readonly digests?: string[];
}

/** What the collection found, once it ended. */
export interface PendingSummary {
  readonly tasks: number;
  /** distinct keys */
  readonly requests: number;
  /** of which the store holds */
  readonly stored: number;
  /** of which it lacks (yielded) */
  readonly pending: number;
}

export interface PendingOptions {
  /** the store's view; without it every request is pending */
  readonly cache?: Pick<JudgmentCache, 'lookup'>;
  /** `subjects[i]` is who task `i` is for */
  readonly subjects?: readonly Subject[];
}

/**
 * Yields the pending requests a chunk of tasks at a time (only a chunk of prompts is held
 * here; the caller writes them out as they come) and returns the counts.
 */
export function* pendingRequests(
  judge: RemoteJudge,
  tasks: readonly JudgeTask[],
  options: PendingOptions = {},
): Generator<PendingRequest[], PendingSummary, undefined> {
  const { cache, subjects } = options;
  /** every key of the run: its subjects (for a pending key, the yielded entry's list) */
  const byKey = new Map<
    string,
    { readonly key: string; readonly subjects: Subject[]; readonly digests: string[] | undefined }
  >();
  let stored = 0;
  let pending = 0;
  const subjectOf = (i: number): Subject[] => (subjects ? [subjects[i]!] : []);
  const indexed = judge.requestIdentity !== undefined;
  for (let from = 0; from < tasks.length; from += ADMIT_CHUNK) {
    const to = Math.min(tasks.length, from + ADMIT_CHUNK);
    const requests = new Map<string, PreparedRequest>();
    const { fresh, hits } = admitTasks(
      judge,
      tasks,
      from,
      to,
      byKey,
      {
        open: (request, i) => {
          requests.set(request.key, request);
          return {
            key: request.key,
            subjects: subjectOf(i),
            digests: indexed ? [taskDigest(tasks[i]!)] : undefined,
          };
        },
        join: (entry, i) => {
          if (subjects) entry.subjects.push(subjects[i]!);
          entry.digests?.push(taskDigest(tasks[i]!));
        },
      },
      cache,
    );
    const out: PendingRequest[] = [];
    for (const entry of fresh) {
      if (hits?.has(entry.key)) {
        stored++;
        continue;
      }
      out.push({
        request: requests.get(entry.key)!,
        subjects: entry.subjects,
        ...(entry.digests ? { digests: entry.digests } : {}),
      });
    }
    pending += out.length;
    if (out.length > 0) yield out;
  }
  return { tasks: tasks.length, requests: byKey.size, stored, pending };
}
