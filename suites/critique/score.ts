/**
 * Scoring of the critique suite: the comparisons of every item (recorded or live) -> the
 * result document. Win / tie / lose are shares of the votes, overall, per group and per
 * scenario, as critique_eval.py counts them (its group win rate is the group's wins over
 * its votes); the intervals resample votes with replacement (bootstrap, seeded).
 */
import { BenchError } from '../../harness/core/errors.js';
import { meanInterval, type BootstrapOptions } from '../../harness/stats/bootstrap.js';
import type { FileInfo } from '../../harness/source/autoj-pairwise.js';
import { DECISION_LETTER, type CritiqueOutcome, type JudgedComparison } from './compare.js';
import type { CritiqueData } from './data.js';
import published from './published.json' with { type: 'json' };
import type {
  CritiqueGroupRow,
  CritiqueItemRow,
  CritiqueResult,
  CritiqueScenarioRow,
  OutcomeRates,
  PublishedCritiqueRow,
  RateIntervals,
} from './result.js';

export const CRITIQUE_DEFAULTS = {
  /** bootstrap resamples for the 95% intervals */
  resamples: 1000,
  /** the bootstrap's seed, and the order's in live mode */
  seed: 1,
} as const;

export interface CritiqueScoreOptions {
  readonly judge: CritiqueResult['judge'];
  readonly comparator: CritiqueResult['comparator'];
  /** how the items' orders were set: from a recorded file, or drawn from a seed */
  readonly order: { readonly source: 'recorded' } | { readonly source: 'seeded'; readonly seed: number };
  /** the judge's critiques, aligned with the items (null: none); shown beside each comparison */
  readonly critiques?: readonly (string | null)[];
  /** resamples 0 = no intervals */
  readonly bootstrap?: { readonly resamples: number; readonly seed: number };
  /** files read besides the set (comparisons, critiques), for provenance */
  readonly inputs?: readonly FileInfo[];
}

export const CRITIQUE_DEFINITIONS: Readonly<Record<string, string>> = {
  win: "share of the votes where the comparator found the judge's critique better than the reference critique (ChatGPT's), after mapping its decision back through the order the two were shown in",
  tie: 'share of the votes where the comparator found neither significantly better (C:)',
  lose: 'share of the votes where the comparator found the reference critique better',
  n: "votes: comparisons whose answer's first line holds exactly one of A:, B:, C:",
  unparsed:
    'comparisons whose first line holds none or two of A:, B:, C: (the authors raise): counted, never a vote',
  missing:
    "items not compared: the judge wrote no critique (its request failed) or the comparator's request failed",
  exchange:
    "true: the reference critique was shown as Feedback 1 and the judge's as Feedback 2; false: the judge's was Feedback 1",
  ci95: '95% percentile bootstrap interval: votes resampled with replacement (within the group for group rows), seeded',
};

/** Scores one comparison per item (aligned by index) into the result document. */
export function scoreCritiqueSuite(
  data: CritiqueData,
  comparisons: readonly JudgedComparison[],
  options: CritiqueScoreOptions,
): CritiqueResult {
  const n = data.items.length;
  if (comparisons.length !== n || (options.critiques !== undefined && options.critiques.length !== n)) {
    throw new BenchError(
      `critique: ${comparisons.length} comparisons${options.critiques ? ` and ${options.critiques.length} critiques` : ''} for ${n} items; they must be aligned one to one`,
    );
  }
  const resamples = options.bootstrap?.resamples ?? CRITIQUE_DEFAULTS.resamples;
  const seed = options.bootstrap?.seed ?? CRITIQUE_DEFAULTS.seed;

  // positions in data.items (and comparisons), not item indices: a subset of the set keeps its indices
  const byScenario = new Map<string, number[]>();
  data.items.forEach((item, position) => {
    const list = byScenario.get(item.scenario) ?? [];
    list.push(position);
    byScenario.set(item.scenario, list);
  });
  const all = data.items.map((_, position) => position);
  const overall = { ...rates(comparisons, all), ...intervals(comparisons, all, { resamples, seed }) };
  const groups: CritiqueGroupRow[] = data.catalog.groups.map(({ group, scenarios }, g) => {
    const indices = scenarios.flatMap((s) => byScenario.get(s) ?? []);
    // one stream per group, independent of the others: seed + 1 + group position
    return {
      group,
      scenarios,
      ...rates(comparisons, indices),
      ...intervals(comparisons, indices, { resamples, seed: seed + 1 + g }),
    };
  });
  const scenarioRows: CritiqueScenarioRow[] = data.catalog.groups.flatMap(({ group, scenarios }) =>
    scenarios
      .filter((scenario) => byScenario.has(scenario))
      .map((scenario) => ({
        scenario,
        group,
        description: data.catalog.descriptions[scenario] ?? null,
        ...rates(comparisons, byScenario.get(scenario)!),
      })),
  );
  const items: CritiqueItemRow[] = data.items.map((item, i) => {
    const c = comparisons[i]!;
    return {
      index: item.index,
      scenario: item.scenario,
      group: item.group,
      exchange: c.exchange,
      decision: c.verdict === null ? null : DECISION_LETTER[c.verdict],
      outcome: c.outcome,
      problem: c.problem ?? null,
      answer: c.answer,
      critique: options.critiques?.[i] ?? null,
      reference: item.reference,
    };
  });

  const notes: string[] = [];
  if (overall.unparsed > 0)
    notes.push(`${overall.unparsed} comparisons have no readable decision; they are counted, not votes`);
  if (overall.missing > 0)
    notes.push(`${overall.missing} items were not compared; they are counted, not votes`);

  return {
    suite: 'critique',
    language: data.language,
    judge: options.judge,
    comparator: options.comparator,
    dataset: {
      name: `Auto-J critique-generation set (GAIR-NLP/auto-j, data/test/${data.language === 'zh' ? 'zh_' : ''}testdata_critique.jsonl)`,
      items: n,
      scenarios: byScenario.size,
      groups: data.catalog.groups.length,
    },
    overall,
    groups,
    scenarios: scenarioRows,
    order: {
      source: options.order.source,
      seed: options.order.source === 'seeded' ? options.order.seed : null,
      exchanged: comparisons.filter((c) => c.exchange).length,
      method:
        options.order.source === 'seeded'
          ? 'one draw per item from the seeded generator (harness/stats/rng.ts): exchanged when below 0.5'
          : "the comparison file's meta.exchange, as its author drew it",
    },
    items,
    published: (published.critics as PublishedCritiqueRow[]).filter((p) => p.language === data.language),
    publishedSource: published.source,
    bootstrap: {
      resamples,
      seed,
      method:
        'percentile (2.5th, 97.5th) over resamples of votes with replacement; group rows resample within the group',
    },
    inputs: [...data.inputs, ...(options.inputs ?? [])],
    definitions: CRITIQUE_DEFINITIONS,
    notes,
  };
}

function rates(comparisons: readonly JudgedComparison[], indices: readonly number[]): OutcomeRates {
  let wins = 0;
  let ties = 0;
  let losses = 0;
  let unparsed = 0;
  let missing = 0;
  for (const i of indices) {
    const c = comparisons[i]!;
    if (c.status === 'missing') missing++;
    else if (c.status === 'unparsed' || c.outcome === null) unparsed++;
    else if (c.outcome === 'win') wins++;
    else if (c.outcome === 'tie') ties++;
    else losses++;
  }
  const n = wins + ties + losses;
  const pct = (k: number) => (n > 0 ? (100 * k) / n : null);
  return {
    win: pct(wins),
    tie: pct(ties),
    lose: pct(losses),
    n,
    wins,
    ties,
    losses,
    unparsed,
    missing,
    items: indices.length,
  };
}

/** Intervals of the three shares, from the same resamples of the row's votes. */
function intervals(
  comparisons: readonly JudgedComparison[],
  indices: readonly number[],
  options: BootstrapOptions,
): RateIntervals {
  const votes = indices.map((i) => comparisons[i]!.outcome).filter((o): o is CritiqueOutcome => o !== null);
  const share = (outcome: CritiqueOutcome) =>
    meanInterval(
      votes.map((v) => (v === outcome ? 100 : 0)),
      options,
    );
  return { winCi95: share('win'), tieCi95: share('tie'), loseCi95: share('lose') };
}
