/**
 * The pairwise suite: Auto-J's 1,392 human-labelled pairs (24 for each of 58 scenarios in
 * 8 groups), judged in both orders. What it reads, how judgments come in, what it measures.
 *
 * Two ways to get judgments, one way to score them (score.ts, `scorePairwiseSuite`):
 * - recorded: verdict files in the authors' format (`loadRecordedJudgments`);
 * - live: a judge run over `givenTasks`/`swappedTasks` (pairwise protocol) or over each
 *   response (single protocol), producing the same `PairwiseJudgments` shape.
 */
import path from 'node:path';
import type { PairTask, SingleTask, Verdict } from '../../harness/core/types.js';
import {
  AUTOJ_PATHS,
  loadPairwiseTestSet,
  loadScenarioCatalog,
  loadVerdictFile,
  type FileInfo,
  type LabelledPair,
  type ScenarioCatalog,
} from '../../harness/source/autoj-pairwise.js';

export const PAIRWISE_DEFAULTS = {
  /** bootstrap resamples for the 95% intervals */
  resamples: 1000,
  seed: 1,
  /** single protocol: ratings this close (or closer) are a tie */
  tieMargin: 0,
} as const;

/** The test set and the scenario groups, read from an Auto-J data folder. */
export interface PairwiseData {
  readonly pairs: readonly LabelledPair[];
  readonly catalog: ScenarioCatalog;
  readonly inputs: readonly FileInfo[];
}

/**
 * Judgments aligned with the test set (index i = pair i). A missing verdict or rating
 * (unparsed or failed) is null: it counts as wrong and inconsistent, and is reported.
 */
export type PairwiseJudgments =
  | {
      readonly protocol: 'pairwise';
      /** verdicts with the responses in the given order */
      readonly given: readonly (Verdict | null)[];
      /** verdicts on the swapped prompt as the judge answered them (NOT mapped back) */
      readonly swapped: readonly (Verdict | null)[];
    }
  | {
      readonly protocol: 'single';
      /** the rating of response 1 (first) and response 2 (second), each judged on its own */
      readonly ratings: readonly { readonly first: number | null; readonly second: number | null }[];
      /** |first - second| <= tieMargin is a tie; default 0 */
      readonly tieMargin?: number;
    };

export async function loadPairwiseData(dataDir: string): Promise<PairwiseData> {
  const { catalog, info: catalogInfo } = await loadScenarioCatalog(path.join(dataDir, AUTOJ_PATHS.scenarios));
  const { pairs, info: testInfo } = await loadPairwiseTestSet(
    path.join(dataDir, AUTOJ_PATHS.testSet),
    catalog,
  );
  return { pairs, catalog, inputs: [testInfo, catalogInfo] };
}

/** Recorded mode: the authors' verdict files, one line per pair of the test set. */
export async function loadRecordedJudgments(
  data: PairwiseData,
  predictionsFile: string,
  swappedFile: string,
): Promise<{ judgments: PairwiseJudgments; inputs: FileInfo[] }> {
  const given = await loadVerdictFile(predictionsFile, data.pairs.length);
  const swapped = await loadVerdictFile(swappedFile, data.pairs.length);
  return {
    judgments: { protocol: 'pairwise', given: given.verdicts, swapped: swapped.verdicts },
    inputs: [given.info, swapped.info],
  };
}

/** Live mode, pairwise protocol: the prompts in the given order. */
export function givenTasks(data: PairwiseData): PairTask[] {
  return data.pairs.map((p) => p.task);
}

/** Live mode, pairwise protocol: the same pairs with the two responses swapped. */
export function swappedTasks(data: PairwiseData): PairTask[] {
  return data.pairs.map((p) => swapTask(p.task));
}

export function swapTask(task: PairTask): PairTask {
  return { protocol: 'pairwise', instruction: task.instruction, first: task.second, second: task.first };
}

/** Live mode, single protocol: each response of each pair, rated on its own. */
export function singleTasks(data: PairwiseData): { first: SingleTask; second: SingleTask }[] {
  return data.pairs.map(({ task }) => ({
    first: { protocol: 'single', instruction: task.instruction, response: task.first },
    second: { protocol: 'single', instruction: task.instruction, response: task.second },
  }));
}
