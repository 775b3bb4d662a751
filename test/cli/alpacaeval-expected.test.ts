import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { alpacaEvalInstructions } from '../../suites/alpacaeval/instruction-set.js';
import { INSTRUCTIONS, makeAlpacaTree, outputsOfLength } from '../helpers/alpaca-tree.js';
import { runBench } from '../helpers/cli.js';
import { completionBody, startFakeOpenAI } from '../helpers/fake-openai.js';
import { submissionOutputs } from '../helpers/real-tasks.js';
import { loggedSimForFile, readSimLog, simExpectedRating, simSingleAnswers } from '../helpers/vllm-sim.js';

/**
 * Issue 12's Must-show: `bench run alpacaeval --judge autoj --score expected` against
 * vllm-sim over 5 models x 200 instructions. Each model's expected score must be the mean
 * of the expected ratings the simulator's logprobs imply, recomputed here from its --log
 * (the rating it gave each answer, and the distribution its README states around it),
 * without the harness's code; both rankings are reported, the chosen one ranks.
 */

const MODELS = ['gemma-2b-it', 'phi-2', 'alpaca-7b', 'vicuna-7b-v1.3', 'Mistral-7B-Instruct-v0.2'];
const { work, log, sim } = loggedSimForFile('alpacaeval-expected');
const store = join(work, 'judgments.sqlite');
const tree = makeAlpacaTree(
  {
    alpha: { outputs: outputsOfLength(INSTRUCTIONS.length, 20) },
    beta: { outputs: outputsOfLength(INSTRUCTIONS.length, 40) },
  },
  { ae1: ',win_rate,mode\nalpha,60,community\nbeta,40,community\n' },
);

interface ModelDoc {
  model: string;
  score: number | null;
  rank: number | null;
  n: number;
  parsed: number;
  ratingScore: number | null;
  expectedScore: number | null;
  ratingRank: number | null;
  expectedRank: number | null;
  expectedRatings: number;
  expectedMissing: number;
  scoreCi95: [number, number] | null;
}
interface CorrelationDoc {
  reference: string;
  n: number;
  spearman: { value: number | null };
  kendall: { value: number | null };
}
interface Doc {
  settings: { score: string };
  instructionIndices: number[];
  models: ModelDoc[];
  correlations: CorrelationDoc[];
  scoreComparison: {
    score: string;
    rating: CorrelationDoc[];
    expected: CorrelationDoc[] | null;
    modelsWithExpected: number;
    expectedMissing: number;
  };
  manifest: { judgments: { requested: number; cached: number; sent: number } };
}

const run = (score: string, output: '--json' | '--table' = '--json') =>
  runBench(
    [
      'run',
      'alpacaeval',
      '--judge',
      'autoj',
      '--score',
      score,
      '--endpoint',
      sim().url,
      '--models',
      ...MODELS,
      '--instructions',
      '200',
      '--bootstrap',
      '50',
      '--store',
      store,
      ...(output === '--json' ? ['--json'] : []),
    ],
    { env: { BENCH_HOME: work } },
  );

/** Competition ranks, highest first, as a reader would rank the scores. */
function ranksOf(scores: number[]): number[] {
  return scores.map((s) => 1 + scores.filter((t) => t > s).length);
}

describe('bench run alpacaeval --score expected against vllm-sim', () => {
  let first: Doc;

  it("scores each model by the mean expected rating the server's logprobs imply, and reports both rankings", async () => {
    const r = await run('expected');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    first = doc;
    expect(doc.settings.score).toBe('expected');
    expect(doc.models).toHaveLength(5);

    const answerTo = simSingleAnswers(await readSimLog(log, doc.manifest.judgments.sent));
    const instructions = alpacaEvalInstructions().instructions;
    const want = new Map<string, { expected: number; rating: number }>();
    for (const model of MODELS) {
      const outputs = submissionOutputs(model);
      const expected: number[] = [];
      const ratings: number[] = [];
      for (const i of doc.instructionIndices) {
        const q = instructions[i]!;
        if (!outputs.has(q)) continue;
        const l = answerTo(q, outputs.get(q)!);
        expect(l, `${model}: no server answer for instruction ${i}`).toBeDefined();
        if (l!.rating === null) continue; // cut off: no rating, no expected rating
        ratings.push(l!.rating);
        expected.push(simExpectedRating(l!.rating));
      }
      const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
      want.set(model, { expected: mean(expected), rating: mean(ratings) });
      const m = doc.models.find((x) => x.model === model)!;
      expect(m.expectedRatings).toBe(expected.length);
      expect(m.expectedMissing).toBe(0);
      expect(Math.abs(m.expectedScore! - mean(expected)), model).toBeLessThan(1e-9);
      expect(Math.abs(m.ratingScore! - mean(ratings)), model).toBeLessThan(1e-9);
      // the chosen score is the one that ranks, with its interval around it
      expect(m.score).toBe(m.expectedScore);
      expect(m.scoreCi95![0]).toBeLessThanOrEqual(m.expectedScore!);
      expect(m.scoreCi95![1]).toBeGreaterThanOrEqual(m.expectedScore!);
    }

    // both rankings, each from its own scores
    const expectedRanks = ranksOf(MODELS.map((m) => want.get(m)!.expected));
    const ratingRanks = ranksOf(MODELS.map((m) => want.get(m)!.rating));
    MODELS.forEach((model, i) => {
      const m = doc.models.find((x) => x.model === model)!;
      expect(m.expectedRank).toBe(expectedRanks[i]);
      expect(m.ratingRank).toBe(ratingRanks[i]);
      expect(m.rank).toBe(m.expectedRank);
    });

    // both correlation sets, side by side; the chosen one is the run's correlations
    const sc = doc.scoreComparison;
    expect(sc.score).toBe('expected');
    expect(sc.modelsWithExpected).toBe(5);
    expect(sc.expected).toEqual(doc.correlations);
    expect(sc.rating.map((c) => c.reference)).toEqual(['ae1', 'ae2', 'ae2-lc']);
    sc.rating.forEach((c, i) => {
      expect(c.n).toBe(sc.expected![i]!.n); // the same models, by the other score
      expect(c.n).toBeGreaterThanOrEqual(3);
      expect(c.spearman.value).not.toBeNull();
    });
  });

  it('the table shows both scores and both ranks, and both correlation sets', async () => {
    const r = await run('rating', '--table');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ranked by the mean rating/);
    expect(r.stdout).toMatch(/rating rank.*expected.*expected rank/s);
    expect(r.stdout).toMatch(/Correlations by score: rating \(ranks\) beside expected rating/);
  });

  it('--score rating ranks by the ratings from the same stored judgments, sending nothing', async () => {
    const r = await run('rating');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.manifest.judgments.sent).toBe(0);
    expect(doc.settings.score).toBe('rating');
    for (const m of doc.models) {
      const before = first.models.find((x) => x.model === m.model)!;
      expect(m.score).toBe(before.ratingScore);
      expect(m.rank).toBe(before.ratingRank);
      expect(m.expectedScore).toBe(before.expectedScore);
    }
    expect(doc.scoreComparison.rating).toEqual(doc.correlations);
    expect(doc.scoreComparison.expected).toEqual(first.correlations);
  });

  it('asks again for a stored rating without an expected one (a store from before logprobs), and only for it', async () => {
    // what a store of schema version 3 holds after its migration: no expected ratings
    const db = new Database(store);
    // judgments of the ranked models only: the annotators' baselines are judged too (for
    // instance-level agreement) but have no expected score of their own
    const ranked = first.models.map((m) => m.model);
    const cleared = db
      .prepare(
        `UPDATE judgments SET expected_rating = NULL, expected_status = NULL WHERE id IN (SELECT j.id FROM judgments j JOIN usages u ON u.key = j.key WHERE j.status = 'ok' AND u.suite = 'alpacaeval' AND u.subject IN (${ranked.map(() => '?').join(', ')}) ORDER BY j.id LIMIT 40)`,
      )
      .run(...ranked).changes;
    // nor a memo (schema v6, after expected ratings): what it holds was derived from these
    db.exec('DELETE FROM memo');
    db.close();
    expect(cleared).toBe(40);

    // by rating: nothing is missing, nothing is sent; the expected scores say what is missing
    const byRating = JSON.parse((await run('rating')).stdout) as Doc;
    expect(byRating.manifest.judgments.sent).toBe(0);
    expect(byRating.scoreComparison.expectedMissing).toBe(40);

    const r = await run('expected');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.manifest.judgments.sent).toBe(40);
    expect(doc.scoreComparison.expectedMissing).toBe(0);
    expect(doc.models).toEqual(first.models);
    // filled in: a warm rerun sends nothing
    const again = JSON.parse((await run('expected')).stdout) as Doc;
    expect(again.manifest.judgments.sent).toBe(0);
    expect(again.models).toEqual(first.models);
  });

  it('a server that sends no logprobs: told, counted, and the models are not ranked by a missing score', async () => {
    const server = await startFakeOpenAI({ completions: () => ({ body: completionBody() }) });
    try {
      const r = await runBench(
        [
          'run',
          'alpacaeval',
          '--score',
          'expected',
          '--endpoint',
          server.url,
          '--reference',
          'ae1',
          '--models',
          'alpha',
          'beta',
          '--instructions',
          '5',
          '--bootstrap',
          '0',
          '--batch-size',
          '1', // the fake answers one prompt per request
          '--store',
          join(work, 'no-logprobs.sqlite'),
          '--json',
        ],
        { env: { BENCH_HOME: work, ALPACA_EVAL_SOURCE: tree } },
      );
      // it asked for them
      expect(server.completions()[0]!.body).toMatchObject({ logprobs: 5 });
      expect(r.stderr).toMatch(
        /10 parsed ratings have no expected rating \(the server sent no usable logprobs\)/,
      );
      expect(r.code).not.toBe(0); // no model ranked
      expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(/no model ranked/);
    } finally {
      await server.close();
    }
  });

  it('refuses --score expected for a judge that asks for no logprobs', async () => {
    const r = await runBench(
      ['run', 'alpacaeval', '--judge', 'length', '--score', 'expected', '--models', 'phi-2', '--json'],
      { env: { BENCH_HOME: work } },
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /--score expected: judge length does not ask for logprobs/,
    );
  });
});
