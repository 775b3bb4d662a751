/**
 * Generated inputs for the report tests: an Auto-J-like AlpacaEval result (ratings,
 * histograms, best/worst items with store keys), its critiques and outputs, a leaderboard
 * history, and hostile strings for the injection tests. Deterministic (seeded).
 */
import type {
  LeaderboardHistory,
  LeaderboardSnapshot,
  SnapshotModel,
} from '../../harness/leaderboard/types.js';
import type { CritiqueLookup, ItemText, OutputsLookup } from '../../harness/report/types.js';
import type { AlpacaEvalResult, ItemRef, ModelResult } from '../../suites/alpacaeval/result.js';
import type { PairwiseResult } from '../../suites/pairwise/result.js';
import { sha256Hex } from '../../harness/core/hash.js';
import { scorePairwiseSuite } from '../../suites/pairwise/score.js';
import { loadPairwiseData, loadRecordedJudgments } from '../../suites/pairwise/suite.js';
import { INSTRUCTIONS } from '../helpers/alpaca-tree.js';
import { AUTOJ, PREDICTIONS, SWAPPED } from '../pairwise/helpers.js';

/** A markup injection that would set window.__pwned and the title if it ever ran. */
export const SCRIPT_PAYLOAD = `<script>window.__pwned = 1; document.title = 'pwned';</script>`;
export const ATTR_PAYLOAD = `"><img src=x onerror="window.__pwned = 2; document.title = 'pwned'">`;
export const SVG_PAYLOAD = `</text><script>window.__pwned = 3</script><text>`;
/** A model id with odd characters (quotes, markup, path separators, an ampersand). */
export const EVIL_MODEL = `evil"><img src=x onerror="window.__pwned=4">/../../x&y`;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FakeRun {
  readonly result: AlpacaEvalResult;
  readonly critiques: CritiqueLookup;
  readonly outputs: OutputsLookup;
  readonly critiqueTexts: Map<string, string>;
}

export function modelIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `model-${String(i + 1).padStart(3, '0')}`);
}

/**
 * An AlpacaEval result of an Auto-J-like judge (1-10 ratings) over `models`, with
 * per-model histograms, best/worst items, a few failures, and reference win rates that
 * roughly follow the scores. Models listed in `hostile` get injection payloads as
 * outputs and critiques.
 */
export function fakeAutojRun(
  models: readonly string[],
  options: {
    seed?: number;
    judge?: string;
    finishedAt?: string;
    instructions?: number;
    /** the instruction set's size (default: `instructions`, a complete run) */
    instructionSetSize?: number;
    /** the models the run was asked for (default `all`, a complete run) */
    selection?: 'all' | readonly string[];
    hostile?: readonly string[];
  } = {},
): FakeRun {
  const random = rng(options.seed ?? 7);
  const n = options.instructions ?? 40;
  const hostile = new Set(options.hostile ?? []);
  const critiqueTexts = new Map<string, string>();
  const outputs = new Map<string, Map<number, ItemText>>();
  const results: ModelResult[] = models.map((model, mi) => {
    const contentHash = `${mi}`.padStart(64, 'a');
    const quality = 3 + 5 * (1 - mi / Math.max(1, models.length - 1)) + (random() - 0.5);
    const ratings: number[] = [];
    const refs: ItemRef[] = [];
    const failures: ItemRef[] = [];
    const texts = new Map<number, ItemText>();
    for (let i = 0; i < n; i++) {
      const key = `k-${mi}-${i}`;
      const evil = hostile.has(model);
      const output = evil
        ? i % 2 === 0
          ? SCRIPT_PAYLOAD
          : ATTR_PAYLOAD
        : `Answer ${i} of ${model}.\nSecond line with <b>markup-looking</b> text & an ampersand.`;
      texts.set(i, {
        instruction: INSTRUCTIONS[i]!,
        output,
        outputSha256: sha256Hex(output),
        submissionSha256: contentHash,
      });
      if (i === n - 1 && mi % 3 === 0) {
        failures.push({ index: i, reason: 'no "Rating: [[x]]" in the completion', key });
        critiqueTexts.set(key, evil ? SCRIPT_PAYLOAD : 'The response is fine but I forgot to rate it.');
        continue;
      }
      const rating = Math.max(1, Math.min(10, Math.round(quality + (random() - 0.5) * 4)));
      ratings.push(rating);
      refs.push({ index: i, rating, key, responseSha256: sha256Hex(output) });
      critiqueTexts.set(
        key,
        evil
          ? `${ATTR_PAYLOAD}\n${SCRIPT_PAYLOAD}\nRating: [[${rating}]]`
          : `The response addresses the query.\n\nIt could be more specific.\n\nRating: [[${rating}]]`,
      );
    }
    outputs.set(model, texts);
    const score = ratings.reduce((s, r) => s + r, 0) / ratings.length;
    const sd = Math.sqrt(ratings.reduce((s, r) => s + (r - score) ** 2, 0) / (ratings.length - 1));
    const histogram: Record<string, number> = {};
    for (const r of ratings) histogram[String(r)] = (histogram[String(r)] ?? 0) + 1;
    const sorted = [...refs].sort((a, b) => b.rating! - a.rating! || a.index - b.index);
    const winRate = Math.max(1, Math.min(99, (score - 2) * 12 + (random() - 0.5) * 15));
    return {
      model,
      score,
      se: sd / Math.sqrt(ratings.length),
      n,
      parsed: ratings.length,
      unparsed: failures.length,
      errors: 0,
      truncated: mi === 1 ? 2 : 0,
      rank: 0,
      meanLength: 400 + score * 120 + random() * 300,
      coverage: { missing: 0, duplicated: 0, extra: 0, empty: 0, answered: n, instructions: n, share: 1 },
      contentHash,
      references: (mi % 5 === 4
        ? { ae2: winRate }
        : { ae1: winRate * 0.9, ae2: winRate, 'ae2-lc': winRate * 0.8 + 5 }) as Record<string, number>,
      histogram,
      best: sorted.slice(0, 3),
      worst: sorted.slice(-3).reverse(),
      failures,
    };
  });
  const ranked = [...results].sort((a, b) => b.score! - a.score!);
  const withRanks = ranked.map((m, i) => ({ ...m, rank: i + 1 }));
  const finishedAt = options.finishedAt ?? '2026-11-20T03:00:00.000Z';
  const stat = (v: number) => ({ value: v, ci95: [v - 0.05, Math.min(1, v + 0.04)] as [number, number] });
  const result: AlpacaEvalResult = {
    suite: 'alpacaeval',
    schemaVersion: 1,
    judge: {
      name: options.judge ?? 'autoj',
      model: 'GAIR/autoj-13b',
      protocol: 'single',
      templateVersion: 'abc123def4567890',
      scale: { min: 1, max: 10 },
      description: 'Auto-J 13B, single-response rating (1-10)',
    },
    settings: {
      instructions: n,
      instructionSetSize: options.instructionSetSize ?? n,
      models: options.selection ?? 'all',
      seed: 1,
      bootstrap: 200,
      references: ['ae1', 'ae2', 'ae2-lc'],
    },
    instructionIndices: Array.from({ length: n }, (_, i) => i),
    models: withRanks,
    correlations: ['ae1', 'ae2', 'ae2-lc'].map((reference, i) => ({
      reference,
      label: `Reference ${reference}`,
      file: `/data/${reference}.csv`,
      column: 'win_rate',
      n: models.length,
      spearman: stat(0.9 - i * 0.05),
      kendall: stat(0.75 - i * 0.05),
      pearson: stat(0.88 - i * 0.05),
    })),
    skipped: [
      { model: `missing-${SCRIPT_PAYLOAD}`, reason: 'no outputs in the source', references: ['ae2'] },
    ],
    manifest: {
      harnessVersion: '0.1.0',
      gitCommit: '0123456789abcdef0123456789abcdef01234567',
      node: 'v20.0.0',
      startedAt: '2026-11-20T02:00:00.000Z',
      finishedAt,
      durationMs: 3_600_000,
      source: '/data/alpaca_eval',
      instructionSetSha256: 'f'.repeat(64),
      referenceFiles: { ae1: '/data/ae1.csv', ae2: '/data/ae2.csv', 'ae2-lc': '/data/ae2.csv' },
      judgments: { requested: n * models.length, cached: 0, sent: n * models.length, unparsed: 3, errors: 0 },
    },
  };
  return {
    result,
    critiqueTexts,
    critiques: (key) => {
      const text = critiqueTexts.get(key);
      return text === undefined ? undefined : { text, finishReason: 'stop' };
    },
    outputs: async (model, indices) => {
      const texts = outputs.get(model);
      return new Map(indices.flatMap((i) => (texts?.has(i) ? [[i, texts.get(i)!] as const] : [])));
    },
  };
}

/** A leaderboard history of `days` nightly snapshots: models join over time and ranks move. */
export function fakeHistory(judge: string, days: number, models: readonly string[]): LeaderboardHistory {
  const random = rng(11);
  const snapshots: LeaderboardSnapshot[] = [];
  const since = new Map<string, string>();
  let previous: LeaderboardSnapshot | null = null;
  for (let d = 0; d < days; d++) {
    const date = new Date(Date.UTC(2026, 9, 1 + d * 7)).toISOString().slice(0, 10);
    const count = Math.min(
      models.length,
      Math.ceil(models.length * (0.5 + (0.5 * d) / Math.max(1, days - 1))),
    );
    const present = models.slice(0, count);
    const scored = present.map((model, i) => ({ model, score: 8 - i * 0.1 + (random() - 0.5) * 0.6 }));
    scored.sort((a, b) => b.score - a.score);
    const snapModels: SnapshotModel[] = scored.map((m, i) => {
      if (!since.has(m.model)) since.set(m.model, date);
      return {
        model: m.model,
        rank: i + 1,
        score: m.score,
        se: 0.05,
        n: 805,
        parsed: 805,
        unparsed: 0,
        errors: 0,
        meanLength: 1000 + i,
        contentHash: 'h',
        references: { ae2: 50 - i },
        since: since.get(m.model)!,
      };
    });
    const corr = (v: number) => ({ value: v, ci95: [v - 0.04, v + 0.03] as [number, number] });
    const correlations = ['ae1', 'ae2'].map((reference, i) => ({
      reference,
      n: count,
      spearman: corr(0.8 + 0.02 * d - 0.1 * i + (random() - 0.5) * 0.02),
      kendall: corr(0.6 + 0.02 * d - 0.1 * i),
      pearson: corr(0.78 + 0.02 * d - 0.1 * i),
    }));
    const prevRanks = new Map(previous?.models.map((m) => [m.model, m.rank]) ?? []);
    const snap: LeaderboardSnapshot = {
      schemaVersion: 1,
      date,
      createdAt: `${date}T03:00:00.000Z`,
      judge: {
        name: judge,
        model: 'GAIR/autoj-13b',
        protocol: 'single',
        templateVersion: 'abc',
        description: 'Auto-J',
      },
      references: [{ name: 'ae2', label: 'AlpacaEval 2', column: 'win_rate', file: 'ae2.csv', sha256: 'x' }],
      instructions: 805,
      seed: 1,
      bootstrap: 200,
      models: snapModels,
      correlations,
      skipped: [],
      changes: previous
        ? {
            previousDate: previous.date,
            added: present.filter((m) => !prevRanks.has(m)),
            removed: [],
            changed: d === 2 ? [present[0]!] : [],
            referenceChanges: [],
            rankMoves: snapModels
              .filter((m) => prevRanks.has(m.model) && prevRanks.get(m.model) !== m.rank)
              .map((m) => ({ model: m.model, from: prevRanks.get(m.model)!, to: m.rank! })),
            correlationDeltas: correlations.map((c) => ({
              reference: c.reference,
              statistic: 'spearman' as const,
              from: previous!.correlations.find((p) => p.reference === c.reference)?.spearman.value ?? null,
              to: c.spearman.value,
            })),
          }
        : null,
      inputs: {
        judge: { name: judge, model: 'GAIR/autoj-13b', templateVersion: 'abc', sampling: null },
        instructionSetSha256: 'f',
        reference: 'ae2',
        values: {},
        excluded: [],
        submissions: {},
      },
      run: null,
    };
    snapshots.push(snap);
    previous = snap;
  }
  return { judge, snapshots };
}

/** Auto-J's own recorded verdicts scored on the real 1,392 pairs (the shared data). */
export async function realPairwiseResult(resamples = 100): Promise<PairwiseResult> {
  const data = await loadPairwiseData(AUTOJ);
  const recorded = await loadRecordedJudgments(data, PREDICTIONS, SWAPPED);
  const result = scorePairwiseSuite(data, recorded.judgments, {
    judge: { name: 'recorded', mode: 'recorded', description: 'verdicts from pairwise_example_output.jsonl' },
    bootstrap: { resamples, seed: 1 },
    inputs: recorded.inputs,
  });
  return {
    ...result,
    manifest: {
      harnessVersion: '0.1.0',
      gitCommit: null,
      node: 'v20',
      startedAt: '2026-11-20T01:00:00.000Z',
      finishedAt: '2026-11-20T01:00:01.000Z',
      durationMs: 1000,
    },
  };
}
