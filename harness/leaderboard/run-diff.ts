import type { JudgeInfo } from '../core/types.js';
import type { Interval } from '../stats/bootstrap.js';
import { spearman, type Estimate } from '../stats/correlation.js';
import type { SnapshotModel } from './types.js';

/**
 * Two ranked runs compared model by model (`bench runs diff`), and a refresh's rank moves
 * beyond the intervals (drift). Pure, over the structural shape every `bench run
 * alpacaeval` result document has (as RankedRun in snapshot.ts), so this stage does not
 * depend on the suite.
 *
 * Significance is read from each run's own bootstrap intervals (95%, resampling the
 * instructions; docs/statistics.md): a rank (or score) change is significant when the two
 * runs' intervals of the model do not overlap. That is conservative (two intervals can
 * overlap while the difference is significant) and needs nothing but the two documents,
 * for any two judges, nights or templates; scores are compared only between runs on the
 * same scale (the same judge name and rating scale).
 */

export interface DiffableModel {
  readonly model: string;
  readonly score: number | null;
  readonly rank: number | null;
  readonly scoreCi95?: Interval;
  readonly rankCi95?: Interval;
  readonly contentHash: string;
}

export interface DiffableRun {
  readonly judge: JudgeInfo;
  readonly settings: { readonly instructions: number; readonly seed: number; readonly bootstrap: number };
  readonly instructionIndices: readonly number[];
  readonly models: readonly DiffableModel[];
  readonly manifest: { readonly finishedAt: string; readonly instructionSetSha256: string };
}

/** One model's standing in one run. */
export interface ModelStanding {
  readonly score: number | null;
  readonly rank: number | null;
  readonly scoreCi95: Interval;
  readonly rankCi95: Interval;
}

export interface ModelDelta {
  readonly model: string;
  readonly a: ModelStanding;
  readonly b: ModelStanding;
  /** b - a, when both runs score on the same scale; else null */
  readonly scoreDelta: number | null;
  /** b - a (positive: lower on the leaderboard in b) */
  readonly rankDelta: number | null;
  /** the rank intervals do not overlap (null: a run has no interval) */
  readonly rankSignificant: boolean | null;
  /** the score intervals do not overlap (null: other scales, or no interval) */
  readonly scoreSignificant: boolean | null;
  /** the submission's outputs were the same file in both runs */
  readonly sameOutputs: boolean;
}

export interface ModelsDiff {
  /** whether scores are comparable (same judge name and scale) */
  readonly sameScale: boolean;
  /** models ranked in both runs */
  readonly compared: number;
  readonly onlyA: readonly string[];
  readonly onlyB: readonly string[];
  /** Spearman of the two runs' scores over the models ranked in both */
  readonly spearman: Estimate;
  readonly rankSignificant: number;
  readonly scoreSignificant: number;
  /** models in both, biggest rank change first */
  readonly models: readonly ModelDelta[];
}

/** How the models of run `a` and run `b` differ. */
export function diffModels(a: DiffableRun, b: DiffableRun): ModelsDiff {
  const sameScale =
    a.judge.name === b.judge.name &&
    JSON.stringify(a.judge.scale ?? null) === JSON.stringify(b.judge.scale ?? null);
  const inB = new Map(b.models.map((m) => [m.model, m]));
  const inA = new Set(a.models.map((m) => m.model));
  const models: ModelDelta[] = [];
  for (const x of a.models) {
    const y = inB.get(x.model);
    if (!y) continue;
    const rankDelta = x.rank !== null && y.rank !== null ? y.rank - x.rank : null;
    const scoreDelta = sameScale && x.score !== null && y.score !== null ? y.score - x.score : null;
    models.push({
      model: x.model,
      a: standing(x),
      b: standing(y),
      scoreDelta,
      rankDelta,
      rankSignificant: apart(x.rankCi95, y.rankCi95),
      scoreSignificant: sameScale ? apart(x.scoreCi95, y.scoreCi95) : null,
      sameOutputs: x.contentHash === y.contentHash,
    });
  }
  const ranked = models.filter((m) => m.a.score !== null && m.b.score !== null);
  models.sort(
    (p, q) =>
      Math.abs(q.rankDelta ?? 0) - Math.abs(p.rankDelta ?? 0) ||
      (p.b.rank ?? Infinity) - (q.b.rank ?? Infinity) ||
      p.model.localeCompare(q.model),
  );
  return {
    sameScale,
    compared: ranked.length,
    onlyA: a.models.filter((m) => !inB.has(m.model)).map((m) => m.model),
    onlyB: b.models.filter((m) => !inA.has(m.model)).map((m) => m.model),
    spearman: spearman(
      ranked.map((m) => m.a.score!),
      ranked.map((m) => m.b.score!),
    ),
    rankSignificant: models.filter((m) => m.rankSignificant === true).length,
    scoreSignificant: models.filter((m) => m.scoreSignificant === true).length,
    models,
  };
}

function standing(m: DiffableModel): ModelStanding {
  return { score: m.score, rank: m.rank, scoreCi95: m.scoreCi95 ?? null, rankCi95: m.rankCi95 ?? null };
}

/** Whether two intervals are disjoint; null when either is missing. */
function apart(x: Interval | undefined, y: Interval | undefined): boolean | null {
  if (!x || !y) return null;
  return x[1] < y[0] || y[1] < x[0];
}

/** What drift reads of a snapshot. */
export interface RankedModels {
  readonly models: readonly Pick<SnapshotModel, 'model' | 'rank' | 'contentHash'>[];
}

/** A model whose rank moved, between two snapshots, beyond what its interval allows. */
export interface RankDrift {
  readonly model: string;
  /** its rank in the previous snapshot */
  readonly from: number;
  readonly to: number;
  /** `from` shifted by the models that entered above it and left from above it */
  readonly expected: number;
  /** its 95% rank interval in the new run */
  readonly rankCi95: readonly [number, number];
}

/**
 * The rank moves of a refresh that its intervals do not explain: a model ranked in both
 * snapshots, with the same outputs, whose previous rank (shifted by the models that entered
 * above it or left from above it) lies outside its 95% rank interval in the new run. A
 * model that moves down only because better ones joined does not drift; one with new
 * outputs was judged again and is not counted. `intervals` are the new run's rank
 * intervals by model; a model without one cannot drift.
 */
export function rankDrift(
  previous: RankedModels,
  current: RankedModels,
  intervals: ReadonlyMap<string, Interval>,
): RankDrift[] {
  const before = new Map(previous.models.map((m) => [m.model, m]));
  const now = new Map(current.models.map((m) => [m.model, m]));
  const entered = current.models.filter((m) => m.rank !== null && before.get(m.model)?.rank == null);
  const left = previous.models.filter((m) => m.rank !== null && now.get(m.model)?.rank == null);
  const drift: RankDrift[] = [];
  for (const m of current.models) {
    const old = before.get(m.model);
    const ci = intervals.get(m.model);
    if (!old || old.rank === null || m.rank === null || !ci || old.contentHash !== m.contentHash) continue;
    const expected =
      old.rank +
      entered.filter((e) => e.rank! < m.rank!).length -
      left.filter((l) => l.rank! < old.rank!).length;
    if (expected < ci[0] || expected > ci[1])
      drift.push({ model: m.model, from: old.rank, to: m.rank, expected, rankCi95: ci });
  }
  return drift.sort(
    (x, y) =>
      Math.abs(y.to - y.expected) - Math.abs(x.to - x.expected) ||
      x.to - y.to ||
      x.model.localeCompare(y.model),
  );
}
