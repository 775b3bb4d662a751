/**
 * `bench run alpacaeval --judge length --json` over every model of the real data: per-model
 * score and rank intervals, tiers, separability, and against the references agreement with
 * confidence, pair-rank Brier and the strict pair share. Presence and ranges here; the
 * strict pair share, separability and tiers recomputed from the document's scores and
 * intervals and the ae2 CSV, written out plainly.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlpacaEvalResult } from '../../suites/alpacaeval/result.js';
import { runBench, SHARED_DATA } from '../helpers/cli.js';

const AE2 = `${SHARED_DATA}/alpaca_eval/src/alpaca_eval/leaderboards/data_AlpacaEval_2/weighted_alpaca_eval_gpt4_turbo_leaderboard.csv`;

/** model -> win_rate of the ae2 CSV, dev rows left out (no field of this file is quoted). */
function ae2WinRates(): Map<string, number> {
  const [header, ...rows] = readFileSync(AE2, 'utf8').trim().split('\n');
  const cols = header!.split(',');
  const win = cols.indexOf('win_rate');
  const mode = cols.indexOf('mode');
  const out = new Map<string, number>();
  for (const row of rows) {
    const cells = row.split(',');
    if (cells[mode] === 'dev' || cells[win] === '') continue;
    if (!out.has(cells[0]!)) out.set(cells[0]!, Number(cells[win]));
  }
  return out;
}

describe('bench run alpacaeval --judge length: significance over all models', () => {
  let doc: AlpacaEvalResult;
  beforeAll(async () => {
    const r = await runBench(['run', 'alpacaeval', '--judge', 'length', '--bootstrap', '200', '--json'], {
      env: { BENCH_HOME: mkdtempSync(join(tmpdir(), 'bench-home-')) },
    });
    expect(r.code, r.stderr).toBe(0);
    doc = JSON.parse(r.stdout) as AlpacaEvalResult;
  }, 120_000);

  it('gives every scored model a score interval around its score, a rank interval and a tier', () => {
    const scored = doc.models.filter((m) => m.score !== null);
    expect(scored.length).toBeGreaterThan(200);
    for (const m of scored) {
      const [lo, hi] = m.scoreCi95!;
      expect(lo).toBeLessThanOrEqual(m.score!);
      expect(hi).toBeGreaterThanOrEqual(m.score!);
      const [rlo, rhi] = m.rankCi95!;
      expect(rlo).toBeGreaterThanOrEqual(1);
      expect(rhi).toBeLessThanOrEqual(scored.length);
      expect(m.tier).toBeGreaterThanOrEqual(1);
      expect(m.tier).toBeLessThanOrEqual(m.rank!);
    }
    // tiers: 1 + the models whose lower bound is above this upper bound
    for (const m of scored.slice(0, 20)) {
      const above = scored.filter((o) => o.scoreCi95![0] > m.scoreCi95![1]).length;
      expect(m.tier).toBe(1 + above);
    }
  });

  it('reports separability: the share of model pairs with disjoint intervals', () => {
    const ivs = doc.models.filter((m) => m.score !== null).map((m) => m.scoreCi95!);
    let disjoint = 0;
    let pairs = 0;
    for (let a = 0; a < ivs.length; a++) {
      for (let b = a + 1; b < ivs.length; b++) {
        pairs++;
        if (ivs[a]![1] <= ivs[b]![0] || ivs[b]![1] <= ivs[a]![0]) disjoint++;
      }
    }
    const sep = doc.significance!.separability;
    expect(sep.pairs).toBe(pairs);
    expect(sep.value).toBeCloseTo(disjoint / pairs, 12);
    expect(sep.value!).toBeGreaterThan(0.5);
    expect(doc.significance).toMatchObject({ resamples: 200, seed: 1 });
  });

  it('against ae2: agreement with confidence and Brier in range, the strict pair share recomputed', () => {
    const ae2 = doc.referenceAgreement!.find((a) => a.reference === 'ae2')!;
    expect(ae2.errorColumn).toBe('standard_error');
    const correlation = doc.correlations.find((c) => c.reference === 'ae2')!;
    expect(ae2.n).toBe(correlation.n);
    expect(ae2.agreementWithConfidence.value!).toBeGreaterThan(0.5);
    expect(ae2.agreementWithConfidence.value!).toBeLessThanOrEqual(1);
    expect(ae2.agreementWithConfidence.pairs).toBeGreaterThan(0);
    expect(ae2.brier.value!).toBeGreaterThan(0);
    expect(ae2.brier.value!).toBeLessThan(0.25); // better than a coin (0.25)
    expect(ae2.brier.pairs).toBe((ae2.n * (ae2.n - 1)) / 2);

    const ref = ae2WinRates();
    const both = doc.models.filter((m) => m.score !== null && ref.has(m.model));
    expect(both.length).toBe(ae2.n);
    let same = 0;
    for (let a = 0; a < both.length; a++) {
      for (let b = a + 1; b < both.length; b++) {
        const j = Math.sign(both[a]!.score! - both[b]!.score!);
        const r = Math.sign(ref.get(both[a]!.model)! - ref.get(both[b]!.model)!);
        if (j !== 0 && j === r) same++;
      }
    }
    expect(ae2.strictPairs.value).toBeCloseTo(same / ae2.strictPairs.pairs, 12);
    const lc = doc.referenceAgreement!.find((a) => a.reference === 'ae2-lc')!;
    expect(lc.errorColumn).toBe('lc_standard_error');
  });

  it('reports the length-controlled score’s correlations beside the raw score’s', () => {
    const lc = doc.lengthControlled!;
    expect(lc.correlations.map((c) => c.reference)).toEqual(['ae1', 'ae2', 'ae2-lc']);
    for (const c of lc.correlations) {
      const raw = doc.correlations.find((x) => x.reference === c.reference)!;
      expect(c.spearman.raw).toBeCloseTo(raw.spearman.value!, 12);
      expect(Math.abs(c.spearman.lengthControlled!)).toBeLessThanOrEqual(1);
    }
    expect(doc.models.filter((m) => m.score !== null).every((m) => m.lengthControlled !== undefined)).toBe(
      true,
    );
  });

  it('flags no correlation over all models (each rests on at least 10)', () => {
    expect(doc.correlations.every((c) => c.n >= 10 && c.warning === undefined)).toBe(true);
  });
});

describe('bench run alpacaeval --judge length: the length-controlled score', () => {
  const outputs = (id: string) =>
    JSON.parse(
      gunzipSync(readFileSync(`${SHARED_DATA}/alpaca_eval/results/${id}/model_outputs.json.gz`)).toString(),
    ) as { instruction: string; output: string | null }[];

  it('fits each model’s rating on tanh of the standardised length difference to the baseline (alpaca-7b recomputed)', async () => {
    const r = await runBench(
      [
        'run',
        'alpacaeval',
        '--judge',
        'length',
        '--models',
        'alpaca-7b',
        'gemma-2b-it',
        '--bootstrap',
        '0',
        '--json',
      ],
      { env: { BENCH_HOME: mkdtempSync(join(tmpdir(), 'bench-home-')) } },
    );
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as AlpacaEvalResult;
    const base = new Map(
      outputs('gpt4_1106_preview').map((e) => [e.instruction, [...(e.output ?? '')].length]),
    );
    const y: number[] = [];
    const diff: number[] = [];
    for (const e of outputs('alpaca-7b')) {
      const len = [...(e.output ?? '')].length;
      y.push(len); // the length judge rates an output by its length
      diff.push(len - base.get(e.instruction)!);
    }
    const n = y.length;
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const dm = mean(diff);
    const sd = Math.sqrt(diff.reduce((a, v) => a + (v - dm) ** 2, 0) / (n - 1));
    const x = diff.map((v) => Math.tanh(v / sd));
    const xm = mean(x);
    const ym = mean(y);
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < n; i++) {
      sxy += (x[i]! - xm) * (y[i]! - ym);
      sxx += (x[i]! - xm) ** 2;
    }
    const intercept = ym - (sxy / sxx) * xm;
    const m = d.models.find((o) => o.model === 'alpaca-7b')!;
    expect(m.lengthControlled!.n).toBe(n);
    expect(m.lengthControlled!.value).toBeCloseTo(intercept, 6);
    expect(m.lengthControlled!.slope).toBeCloseTo(sxy / sxx, 6);
    expect(d.lengthControlled!.baseline).toBe('gpt4_1106_preview');
    const ae2 = d.lengthControlled!.correlations.find((c) => c.reference === 'ae2')!;
    expect(ae2.n).toBe(2);
    expect(ae2.spearman.raw).toBeNull(); // fewer than 3 models: undefined, never 0
  });
});

describe('bench run alpacaeval: a correlation on fewer than 10 models', () => {
  it('carries a warning in the document and the table', async () => {
    const args = ['run', 'alpacaeval', '--judge', 'length', '--models', 'gemma-2b-it', 'phi-2', 'alpaca-7b'];
    const env = { BENCH_HOME: mkdtempSync(join(tmpdir(), 'bench-home-')) };
    const json = await runBench([...args, '--bootstrap', '20', '--json'], { env });
    expect(json.code).toBe(0);
    const d = JSON.parse(json.stdout) as AlpacaEvalResult;
    expect(d.correlations.find((c) => c.reference === 'ae2')!.warning).toMatch(/3 models, fewer than 10/);
    const table = await runBench([...args, '--bootstrap', '20'], { env });
    expect(table.stdout).toMatch(/^warning: ae2 correlation rests on 3 models, fewer than 10/m);
    expect(table.stdout).toMatch(/^Separability: [\d.]+% of 3 model pairs/m);
  });
});
