/**
 * Live mode: a judge (the one under test, or the reference rater) rates every candidate of
 * every set under the single protocol, through the same runner, client and store as every
 * suite; a rerun sends nothing. Both need every candidate: the pick is made among them,
 * and the random pick and the correlation use the rater's ratings of all of them.
 */
import type { Judgment, SingleTask } from '../../harness/core/types.js';
import type { Judge } from '../../harness/judge/judge.js';
import { runJudgments, type RunOptions, type RunSummary } from '../../harness/runner/run-judgments.js';
import type { RatingTable, SelectionData } from './data.js';

/** Every candidate as a single task, set by set, candidate by candidate. */
export function candidateTasks(data: SelectionData): SingleTask[] {
  return data.sets.flatMap((set) =>
    set.candidates.map((response): SingleTask => ({ protocol: 'single', instruction: set.prompt, response })),
  );
}

/** The judgments of `candidateTasks`, back in sets: a rating, or null (unparsed or failed). */
export function ratingsFromJudgments(data: SelectionData, judgments: readonly Judgment[]): RatingTable {
  const k = data.candidates;
  if (judgments.length !== data.sets.length * k)
    throw new Error(`bestofn: ${judgments.length} judgments for ${data.sets.length * k} candidates`);
  return data.sets.map((_, s) =>
    judgments
      .slice(s * k, (s + 1) * k)
      .map((j) => (j.kind === 'ok' && j.rating !== undefined ? j.rating : null)),
  );
}

/** Rates every candidate with `judge`; `role` names the run (judge or rater) in progress and usages. */
export async function rateCandidates(
  data: SelectionData,
  options: {
    readonly judge: Judge;
    readonly role: 'judge' | 'rater';
    readonly run: Omit<RunOptions, 'label' | 'subjects'>;
  },
): Promise<{ ratings: RatingTable; summary: RunSummary }> {
  const subjects = data.sets.flatMap((set) =>
    set.candidates.map((_, k) => ({
      suite: 'bestofn',
      subject: `query ${set.query} ${set.model} candidate ${k}`,
    })),
  );
  const tasks = candidateTasks(data);
  const { judgments, summary } = await runJudgments(options.judge, tasks, {
    ...options.run,
    label: `${options.judge.info.name} (${options.role}) rates ${tasks.length} candidates`,
    subjects,
  });
  return { ratings: ratingsFromJudgments(data, judgments), summary };
}
