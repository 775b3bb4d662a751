/**
 * Scoring of the scenarios suite: the classifier's label for each test query -> accuracy
 * (its own scenario), group accuracy (a scenario of its own group), overall, per group and
 * per scenario, and the confusion table of groups. Intervals resample queries (seeded).
 */
import { BenchError } from '../../harness/core/errors.js';
import { meanInterval } from '../../harness/stats/bootstrap.js';
import type { FileInfo } from '../../harness/source/autoj-pairwise.js';
import type { ClassifierData } from './data.js';
import type { AccuracyRow, ScenarioGroupRow, ScenarioRow, ScenariosResult } from './result.js';

export const SCENARIOS_DEFAULTS = { resamples: 1000, seed: 1 } as const;

/** The classifier's answer to one query: a label, or none with the reason. */
export type Prediction = { readonly label: string } | { readonly label: null; readonly problem: string };

export interface ScenariosScoreOptions {
  readonly classifier: ScenariosResult['classifier'];
  readonly bootstrap?: { readonly resamples: number; readonly seed: number };
  readonly inputs?: readonly FileInfo[];
}

export const SCENARIOS_DEFINITIONS: Readonly<Record<string, string>> = {
  accuracy: "share of the queries the classifier labelled with the test set's own category",
  groupAccuracy:
    "share of the queries labelled with a scenario of their category's group (the authors' 8 groups, Ungrouped for peer_review and rejecting, default on its own)",
  unparsed:
    'queries without a label (an answer that is not one of the labels, or a failed request): wrong, and counted',
  confusion:
    "queries by their category's group (rows) and the group of the scenario the classifier gave (columns)",
  ci95: '95% percentile bootstrap interval: queries resampled with replacement (within the group for group rows), seeded',
};

export function scoreScenarioSuite(
  data: ClassifierData,
  predictions: readonly Prediction[],
  options: ScenariosScoreOptions,
): ScenariosResult {
  const { items, labels } = data;
  if (predictions.length !== items.length) {
    throw new BenchError(
      `scenarios: ${predictions.length} predictions for ${items.length} queries; they must be aligned one to one`,
    );
  }
  const resamples = options.bootstrap?.resamples ?? SCENARIOS_DEFAULTS.resamples;
  const seed = options.bootstrap?.seed ?? SCENARIOS_DEFAULTS.seed;
  const correct = items.map((item, i) => predictions[i]!.label === item.category);
  const groupCorrect = items.map((item, i) => {
    const label = predictions[i]!.label;
    return label !== null && labels.groupOf(label) === item.group;
  });

  const row = (indices: readonly number[]): AccuracyRow => {
    const n = indices.length;
    const c = indices.filter((i) => correct[i]).length;
    const g = indices.filter((i) => groupCorrect[i]).length;
    return {
      accuracy: n > 0 ? (100 * c) / n : null,
      correct: c,
      groupAccuracy: n > 0 ? (100 * g) / n : null,
      groupCorrect: g,
      n,
      unparsed: indices.filter((i) => predictions[i]!.label === null).length,
    };
  };
  const cis = (indices: readonly number[], s: number) => ({
    accuracyCi95: meanInterval(
      indices.map((i) => (correct[i] ? 100 : 0)),
      { resamples, seed: s },
    ),
    groupAccuracyCi95: meanInterval(
      indices.map((i) => (groupCorrect[i] ? 100 : 0)),
      { resamples, seed: s },
    ),
  });

  // positions in items (and predictions), not item indices: a subset of the set keeps its indices
  const all = items.map((_, position) => position);
  const byGroup = new Map(labels.groups.map((g) => [g, [] as number[]]));
  const byScenario = new Map<string, number[]>();
  items.forEach((item, position) => {
    byGroup.get(item.group)!.push(position);
    const list = byScenario.get(item.category) ?? [];
    list.push(position);
    byScenario.set(item.category, list);
  });
  const groups: ScenarioGroupRow[] = labels.groups.map((group, g) => ({
    group,
    scenarios: labels.labels.filter((l) => labels.groupOf(l) === group),
    ...row(byGroup.get(group)!),
    // one stream per group, independent of the others: seed + 1 + group position
    ...cis(byGroup.get(group)!, seed + 1 + g),
  }));
  const scenarioRows: ScenarioRow[] = labels.groups.flatMap((group) =>
    labels.labels
      .filter((l) => labels.groupOf(l) === group && byScenario.has(l))
      .map((scenario) => ({
        scenario,
        group,
        description: labels.catalog.descriptions[scenario] ?? null,
        ...row(byScenario.get(scenario)!),
      })),
  );

  const order = labels.groups;
  const counts = order.map(() => order.map(() => 0));
  const unparsed = order.map(() => 0);
  items.forEach((item, i) => {
    const r = order.indexOf(item.group);
    const label = predictions[i]!.label;
    if (label === null) unparsed[r]!++;
    else counts[r]![order.indexOf(labels.groupOf(label))]!++;
  });

  const overall = { ...row(all), ...cis(all, seed) };
  const notes: string[] = [];
  if (overall.unparsed > 0) notes.push(`${overall.unparsed} queries have no label; they count as wrong`);
  return {
    suite: 'scenarios',
    classifier: options.classifier,
    dataset: {
      name: "Auto-J scenario classifier's test set (GAIR-NLP/auto-j, other_resources/scenario_classifier_data/testdata.jsonl)",
      queries: items.length,
      scenarios: byScenario.size,
      labels: labels.labels.length,
    },
    overall,
    groups,
    scenarios: scenarioRows,
    confusion: { rows: 'own group', columns: "predicted scenario's group", order, counts, unparsed },
    items: items.map((item, i) => {
      const p = predictions[i]!;
      return {
        index: item.index,
        category: item.category,
        predicted: p.label,
        correct: correct[i]!,
        problem: p.label === null ? p.problem : null,
      };
    }),
    bootstrap: {
      resamples,
      seed,
      method:
        'percentile (2.5th, 97.5th) over resamples of queries with replacement; group rows resample within the group',
    },
    inputs: [...data.inputs, ...(options.inputs ?? [])],
    definitions: SCENARIOS_DEFINITIONS,
    notes,
  };
}
