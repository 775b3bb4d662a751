/**
 * Labelling queries with the scenario classifier (judges/autoj-scenario-classifier.yaml),
 * through the same runner, client and store as every judgment: the test set's 623 queries
 * (`bench run scenarios`) or any instructions (`alpacaeval --scenarios`: the 805
 * AlpacaEval instructions, stored once and reused by every run). A query is a single task
 * whose response is absent: the classifier's template has no response slot.
 */
import type { Judgment, SingleTask } from '../../harness/core/types.js';
import type { Judge } from '../../harness/judge/judge.js';
import { runJudgments, type RunOptions, type RunSummary } from '../../harness/runner/run-judgments.js';
import type { LabelSet } from './data.js';
import type { Prediction } from './score.js';

/** The built-in profile of the classifier. */
export const CLASSIFIER_PROFILE = 'autoj-scenario-classifier';

/** The classifier's task for a query. */
export function scenarioTask(query: string): SingleTask {
  return { protocol: 'single', instruction: query, response: null };
}

/** The label of each judgment; null when there is none (unparsed: not a label, or failed). */
export function labelsOf(judgments: readonly Judgment[]): (string | null)[] {
  return predictionsOf(judgments).map((p) => p.label);
}

/** Each judgment as the scoring takes it: the label, or why there is none. */
export function predictionsOf(judgments: readonly Judgment[]): Prediction[] {
  return judgments.map((j) => {
    if (j.kind === 'ok' && j.label !== undefined) return { label: j.label };
    if (j.kind === 'error') return { label: null, problem: `failed: ${j.message}` };
    return { label: null, problem: j.kind === 'unparsed' ? j.reason : 'no label (not a label parser)' };
  });
}

/** A query's scenario and its group; null for both when the classifier gave no label. */
export interface ScenarioLabel {
  readonly scenario: string | null;
  readonly group: string | null;
}

/**
 * Labels `queries` (e.g. AlpacaEval's instructions, as they are: they hold their input)
 * with the classifier. `subject(i)` names query i in the store's usages (`bench cache
 * stats`); the suite is `suite`.
 */
export async function labelQueries(
  queries: readonly string[],
  options: {
    readonly classifier: Judge;
    readonly labels: LabelSet;
    readonly suite: string;
    readonly subject: (index: number) => string;
    readonly run: Omit<RunOptions, 'label' | 'subjects'>;
  },
): Promise<{ labels: ScenarioLabel[]; judgments: Judgment[]; summary: RunSummary }> {
  const { judgments, summary } = await runJudgments(options.classifier, queries.map(scenarioTask), {
    ...options.run,
    label: `${options.classifier.info.name} labels ${queries.length} queries with their scenario`,
    subjects: queries.map((_, i) => ({ suite: options.suite, subject: options.subject(i) })),
  });
  const labels = labelsOf(judgments).map((scenario) => ({
    scenario,
    group: scenario === null ? null : options.labels.groupOf(scenario),
  }));
  return { labels, judgments, summary };
}
