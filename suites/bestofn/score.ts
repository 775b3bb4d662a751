/**
 * Scoring of Best-of-N selection, the judge as a reward model: for each N, each set (one
 * query's candidates from one base model) offers its first N candidates; the judge picks
 * the one it rated highest, and the reference rater's ratings say how good the pick is,
 * against a random pick and the best possible pick.
 *
 * - subset: the first N of the 32 candidates. The authors' README does not say how they
 *   draw N of 32; the candidates are independent samples of the base model, so the first N
 *   are a uniform random N of them, and the subsets are nested (the first 2 are among the
 *   first 4, ...), so that the curve over N compares like with like. No seed is involved.
 * - pick: the highest judge rating among the first N; a tie goes to the candidate that
 *   comes first (lowest index), and the number of tied candidates is recorded. A
 *   candidate the judge did not rate (unparsed, failed) cannot be picked; a set with no
 *   rated candidate has no pick and is left out (counted).
 * - random pick: the expected rating of a uniform choice among the first N, i.e. the mean
 *   of the rater's ratings of those it rated (exact, not sampled).
 * - best pick: the rater's highest rating among the first N.
 * - all three are averaged over the same sets: those where the judge picked a candidate
 *   the rater rated. Intervals resample queries (a query's sets together), seeded.
 * - correlation: Spearman, Kendall tau-b, Pearson between the judge's and the rater's
 *   ratings over every candidate both rated (all 32 of every set).
 */
import { BenchError } from '../../harness/core/errors.js';
import {
  bootstrapUnits,
  percentileInterval,
  type BootstrapOptions,
  type Interval,
} from '../../harness/stats/bootstrap.js';
import { kendallTauB, pearson, spearman, type Estimate } from '../../harness/stats/correlation.js';
import type { FileInfo } from '../../harness/source/autoj-pairwise.js';
import type { RatingTable, SelectionData } from './data.js';
import type { BestOfNResult, CorrelationRow, SelectionRow, SetPicks } from './result.js';

export const BESTOFN_SIZES: readonly number[] = [2, 4, 8, 16, 32];
export const BESTOFN_DEFAULTS = { resamples: 1000, seed: 1 } as const;

export const BESTOFN_DEFINITIONS: Readonly<Record<string, string>> = {
  judgePick: "the rater's mean rating of the candidate the judge rated highest among each set's first N",
  randomPick:
    "the rater's mean rating of a uniformly random one of the first N: each set's mean rating over them",
  bestPick:
    "the rater's mean rating of the best of the first N by its own ratings: the most a judge could reach",
  gain: 'judgePick - randomPick: what choosing by the judge adds over choosing at random',
  sets: 'sets (one query, one base model) counted: the judge picked a candidate and the rater rated it; all three means are over the same sets',
  tiedPicks:
    'sets whose highest judge rating among the first N was shared: the first of the tied candidates is the pick',
  correlation: "between the judge's and the rater's ratings over every candidate both rated",
  ci95: "95% percentile bootstrap interval: queries resampled with replacement (a query's sets together), seeded",
};

export interface BestOfNScoreOptions {
  readonly judge: BestOfNResult['judge'];
  readonly rater: BestOfNResult['rater'];
  /** the judge's and the rater's ratings, aligned with the sets and their candidates */
  readonly judgeRatings: RatingTable;
  readonly raterRatings: RatingTable;
  /** default BESTOFN_SIZES; each at most the candidates per set */
  readonly sizes?: readonly number[];
  readonly bootstrap?: { readonly resamples: number; readonly seed: number };
  readonly inputs?: readonly FileInfo[];
}

/** The judge's pick among the first `size` candidates: highest rating, first on a tie. */
export function pickBest(
  ratings: readonly (number | null)[],
  size: number,
): { readonly index: number; readonly rating: number; readonly tied: number } | null {
  let best: { index: number; rating: number; tied: number } | null = null;
  for (let k = 0; k < size; k++) {
    const r = ratings[k];
    if (r === null || r === undefined) continue;
    if (best === null || r > best.rating) best = { index: k, rating: r, tied: 1 };
    else if (r === best.rating) best.tied++;
  }
  return best;
}

export function scoreBestOfN(data: SelectionData, options: BestOfNScoreOptions): BestOfNResult {
  const sizes = options.sizes ?? BESTOFN_SIZES;
  const { sets, candidates } = data;
  for (const [name, table] of [
    ['judge', options.judgeRatings],
    ['rater', options.raterRatings],
  ] as const) {
    if (table.length !== sets.length || table.some((r) => r.length !== candidates)) {
      throw new BenchError(
        `bestofn: the ${name}'s ratings are not one per candidate of each of the ${sets.length} sets`,
      );
    }
  }
  const bad = sizes.find((n) => !Number.isInteger(n) || n < 1 || n > candidates);
  if (bad !== undefined)
    throw new BenchError(`bestofn: N = ${bad} is not between 1 and the ${candidates} candidates of a set`);
  const resamples = options.bootstrap?.resamples ?? BESTOFN_DEFAULTS.resamples;
  const seed = options.bootstrap?.seed ?? BESTOFN_DEFAULTS.seed;

  // per set and N: the pick and the three ratings (null: the set is left out)
  const outcomes = sets.map((_, s) =>
    sizes.map((size) => {
      const judge = options.judgeRatings[s]!;
      const rater = options.raterRatings[s]!;
      const pick = pickBest(judge, size);
      const rated = rater.slice(0, size).filter((r): r is number => r !== null);
      const raterRating = pick === null ? null : (rater[pick.index] ?? null);
      return {
        size,
        pick,
        raterRating,
        random: rated.length > 0 ? rated.reduce((a, b) => a + b, 0) / rated.length : null,
        best: rated.length > 0 ? Math.max(...rated) : null,
      };
    }),
  );

  const rows = (setIndices: readonly number[], streamSeed: number): SelectionRow[] =>
    sizes.map((size, z) => {
      const counted = setIndices.filter((s) => outcomes[s]![z]!.raterRating !== null);
      const value = (s: number, what: 'judge' | 'random' | 'best' | 'gain'): number => {
        const o = outcomes[s]![z]!;
        if (what === 'judge') return o.raterRating!;
        if (what === 'random') return o.random!;
        if (what === 'best') return o.best!;
        return o.raterRating! - o.random!;
      };
      const mean = (what: 'judge' | 'random' | 'best' | 'gain') =>
        counted.length > 0 ? counted.reduce((acc, s) => acc + value(s, what), 0) / counted.length : null;
      const ci = (what: 'judge' | 'random' | 'best' | 'gain') =>
        queryInterval(data, counted, (s) => value(s, what), { resamples, seed: streamSeed + z });
      return {
        size,
        sets: counted.length,
        judgePick: mean('judge'),
        randomPick: mean('random'),
        bestPick: mean('best'),
        gain: mean('gain'),
        judgePickCi95: ci('judge'),
        randomPickCi95: ci('random'),
        bestPickCi95: ci('best'),
        gainCi95: ci('gain'),
        tiedPicks: setIndices.filter((s) => (outcomes[s]![z]!.pick?.tied ?? 0) > 1).length,
        noPick: setIndices.filter((s) => outcomes[s]![z]!.pick === null).length,
        pickUnrated: setIndices.filter(
          (s) => outcomes[s]![z]!.pick !== null && outcomes[s]![z]!.raterRating === null,
        ).length,
      };
    });

  const all = sets.map((_, s) => s);
  const overall = rows(all, seed);
  // one stream per base model: seed + 100 * (position + 1)
  const byModel = data.models.map((model, m) => ({
    model,
    rows: rows(
      all.filter((s) => sets[s]!.model === model),
      seed + 100 * (m + 1),
    ),
  }));

  const x: number[] = [];
  const y: number[] = [];
  let judgeUnrated = 0;
  let raterUnrated = 0;
  sets.forEach((_, s) => {
    for (let k = 0; k < candidates; k++) {
      const j = options.judgeRatings[s]![k] ?? null;
      const r = options.raterRatings[s]![k] ?? null;
      if (j === null) judgeUnrated++;
      if (r === null) raterUnrated++;
      if (j !== null && r !== null) {
        x.push(j);
        y.push(r);
      }
    }
  });
  const row = (e: Estimate): CorrelationRow =>
    e.value === null ? { value: null, reason: e.reason! } : { value: e.value };

  const picks: SetPicks[] = sets.map((set, s) => ({
    query: set.query,
    model: set.model,
    scenario: set.scenario,
    picks: outcomes[s]!.map((o) => ({
      size: o.size,
      index: o.pick?.index ?? null,
      judgeRating: o.pick?.rating ?? null,
      raterRating: o.raterRating,
      tied: o.pick?.tied ?? 0,
    })),
  }));

  const notes: string[] = [];
  if (judgeUnrated > 0) notes.push(`${judgeUnrated} candidates have no judge rating: they cannot be picked`);
  if (raterUnrated > 0)
    notes.push(`${raterUnrated} candidates have no rater rating: left out of the random and best picks`);
  return {
    suite: 'bestofn',
    judge: options.judge,
    rater: options.rater,
    dataset: {
      name: "Auto-J's Best-of-N selection set (GAIR-NLP/auto-j, data/test/testdata_selection.jsonl format)",
      queries: data.queries,
      models: data.models,
      candidates,
    },
    sizes,
    subset:
      'the first N candidates of each set (independent samples of the base model, so a uniform random N; nested over N)',
    tieBreak:
      'the highest judge rating; among equal ones the first candidate (lowest index); tied candidates are counted',
    overall,
    byModel,
    correlation: {
      n: x.length,
      spearman: row(spearman(x, y)),
      kendall: row(kendallTauB(x, y)),
      pearson: row(pearson(x, y)),
    },
    unrated: { judge: judgeUnrated, rater: raterUnrated, candidates: sets.length * candidates },
    picks,
    bootstrap: {
      resamples,
      seed,
      method:
        "percentile (2.5th, 97.5th) over resamples of queries with replacement, a query's sets together; one stream per N (seed + position), per base model offset by 100",
    },
    inputs: [data.info, ...(options.inputs ?? [])],
    definitions: BESTOFN_DEFINITIONS,
    notes,
  };
}

/**
 * Percentile interval of the mean of `value` over the sets `counted`, queries resampled
 * with replacement (a query's sets go together: they share the query).
 */
function queryInterval(
  data: SelectionData,
  counted: readonly number[],
  value: (set: number) => number,
  options: BootstrapOptions,
): Interval {
  if (counted.length === 0 || options.resamples < 1) return null;
  const sums = new Float64Array(data.queries);
  const counts = new Float64Array(data.queries);
  for (const s of counted) {
    const q = data.sets[s]!.query;
    sums[q]! += value(s);
    counts[q]! += 1;
  }
  const queries = [...new Set(counted.map((s) => data.sets[s]!.query))];
  const replicates = bootstrapUnits(
    queries.length,
    (drawn) => {
      let sum = 0;
      let n = 0;
      for (const d of drawn) {
        const q = queries[d]!;
        sum += sums[q]!;
        n += counts[q]!;
      }
      return n > 0 ? sum / n : NaN;
    },
    options,
  );
  return percentileInterval(replicates, options.level);
}
