import type { Judgment, JudgeTask, Verdict } from '../../harness/core/types.js';
import type { Judge } from '../../harness/judge/judge.js';
import {
  runJudgments,
  type RunOptions,
  type RunSummary,
  type Subject,
} from '../../harness/runner/run-judgments.js';
import { givenTasks, singleTasks, swappedTasks, type PairwiseData, type PairwiseJudgments } from './suite.js';

/**
 * Live mode: the judge answers every pair, through the same runner, client and store as
 * `run alpacaeval`. Pairwise protocol: each pair in the given order and swapped (2,784
 * prompts). Single protocol: each response rated on its own (2,784 prompts); the verdict is
 * derived from the two ratings when scoring. Unparsed or failed judgments become null.
 */
export async function judgePairs(
  data: PairwiseData,
  options: {
    readonly judge: Judge;
    readonly protocol: 'pairwise' | 'single';
    readonly tieMargin?: number;
    readonly run: Omit<RunOptions, 'label' | 'subjects'>;
  },
): Promise<{ judgments: PairwiseJudgments; summary: RunSummary }> {
  const n = data.pairs.length;
  const tasks: JudgeTask[] = [];
  const subjects: Subject[] = [];
  if (options.protocol === 'pairwise') {
    tasks.push(...givenTasks(data), ...swappedTasks(data));
    for (let i = 0; i < n; i++) subjects.push({ suite: 'pairwise', subject: `pair ${i}` });
    for (let i = 0; i < n; i++) subjects.push({ suite: 'pairwise', subject: `pair ${i} swapped` });
  } else {
    const singles = singleTasks(data);
    tasks.push(...singles.map((s) => s.first), ...singles.map((s) => s.second));
    for (let i = 0; i < n; i++) subjects.push({ suite: 'pairwise', subject: `pair ${i} response 1` });
    for (let i = 0; i < n; i++) subjects.push({ suite: 'pairwise', subject: `pair ${i} response 2` });
  }
  const { judgments, summary } = await runJudgments(options.judge, tasks, {
    ...options.run,
    label: `${options.judge.info.name} on ${n} pairs (${options.protocol})`,
    subjects,
  });
  if (options.protocol === 'pairwise') {
    return {
      judgments: {
        protocol: 'pairwise',
        given: judgments.slice(0, n).map(verdictOf),
        swapped: judgments.slice(n).map(verdictOf),
      },
      summary,
    };
  }
  return {
    judgments: {
      protocol: 'single',
      ratings: judgments
        .slice(0, n)
        .map((first, i) => ({ first: ratingOf(first), second: ratingOf(judgments[n + i]!) })),
      ...(options.tieMargin === undefined ? {} : { tieMargin: options.tieMargin }),
    },
    summary,
  };
}

/**
 * The kind of a pairwise subject, for counting the judgments of 1,392 pairs in a few lines
 * (`bench cache stats`) rather than one line per pair: "pair 17 swapped" -> "swapped
 * order". Undefined for a subject this suite does not name.
 */
export function pairwiseSubjectKind(subject: string): string | undefined {
  const m = /^pair \d+(?: (swapped|response [12]))?$/.exec(subject);
  if (!m) return undefined;
  if (m[1] === undefined) return 'pairs, given order';
  return m[1] === 'swapped' ? 'pairs, swapped order' : 'responses, rated one by one';
}

function verdictOf(j: Judgment): Verdict | null {
  return j.kind === 'ok' && j.verdict !== undefined ? j.verdict : null;
}

function ratingOf(j: Judgment): number | null {
  return j.kind === 'ok' && j.rating !== undefined ? j.rating : null;
}
