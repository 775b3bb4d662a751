import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlpacaEvalResult, ModelInstanceAgreement } from '../../suites/alpacaeval/result.js';
import { INSTRUCTIONS, makeAlpacaTree } from '../helpers/alpaca-tree.js';
import { runBench, SHARED_DATA } from '../helpers/cli.js';

const AE = `${SHARED_DATA}/alpaca_eval`;
const AE2 = 'weighted_alpaca_eval_gpt4_turbo';
const AE1 = 'alpaca_eval_gpt4';

const gz = (path: string) => JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as unknown;
const annotatedModels = (annotator: string) =>
  readdirSync(`${AE}/results`)
    .filter((m) => existsSync(`${AE}/results/${m}/${annotator}/annotations.json.gz`))
    .sort();

type V = 'first' | 'second' | 'tie';

const lengthsOf = new Map<string, Map<string, number>>();
/** Output length (code points) by instruction text, the first entry of an instruction counting. */
function lengths(model: string): Map<string, number> {
  let byText = lengthsOf.get(model);
  if (byText) return byText;
  byText = new Map();
  for (const e of gz(`${AE}/results/${model}/model_outputs.json.gz`) as {
    instruction: string;
    output: string | null;
  }[])
    if (!byText.has(e.instruction)) byText.set(e.instruction, [...(e.output ?? '')].length);
  lengthsOf.set(model, byText);
  return byText;
}

/**
 * The figures of one model, recomputed from the files alone: the length ruler's verdict is
 * the longer output (code points) of the baseline's and the model's for the same
 * instruction, equal lengths a tie; GPT-4's is its preference below, above or at 1.5 (0 a
 * draw too). Outputs and annotations are matched to the instruction set by exact text.
 */
function recompute(model: string, annotator: string, baseline: string) {
  const own = lengths(model);
  const base = lengths(baseline);
  const gpt4 = new Map<string, V | null>();
  for (const e of gz(`${AE}/results/${model}/${annotator}/annotations.json.gz`) as {
    instruction: string;
    preference: number | null;
  }[]) {
    const p = e.preference;
    if (gpt4.has(e.instruction)) continue;
    gpt4.set(e.instruction, p === null ? null : p === 0 || p === 1.5 ? 'tie' : p < 1.5 ? 'first' : 'second');
  }
  const pairs: [V, V][] = [];
  for (const q of INSTRUCTIONS) {
    const a = gpt4.get(q);
    const lm = own.get(q);
    const lb = base.get(q);
    if (a === undefined || a === null || lm === undefined || lb === undefined) continue;
    pairs.push([lb > lm ? 'first' : lm > lb ? 'second' : 'tie', a]);
  }
  return pairs;
}

function agreementAndKappa(pairs: readonly [V, V][]) {
  const n = pairs.length;
  const same = pairs.filter(([j, a]) => j === a).length;
  let chance = 0;
  for (const v of ['first', 'second', 'tie'] as const) {
    chance += (pairs.filter((p) => p[0] === v).length / n) * (pairs.filter((p) => p[1] === v).length / n);
  }
  return { n, agreement: (100 * same) / n, kappa: (same / n - chance) / (1 - chance) };
}

describe('bench run alpacaeval --judge length --json: instance-level agreement with GPT-4 (real data)', () => {
  let doc: AlpacaEvalResult;
  beforeAll(async () => {
    const r = await runBench(['run', 'alpacaeval', '--judge', 'length', '--bootstrap', '20', '--json']);
    expect(r.code, r.stderr).toBe(0);
    doc = JSON.parse(r.stdout) as AlpacaEvalResult;
  }, 180_000);

  const annotator = (name: string) => doc.instanceAgreement!.annotators.find((a) => a.annotator === name)!;
  const row = (name: string, model: string) => annotator(name).models.find((m) => m.model === model)!;

  it('lists the 58 + 53 annotated models, each with its figures or the reason it has none', () => {
    expect(doc.instanceAgreement!.tieMargin).toBe(0);
    for (const [name, baseline, count] of [
      [AE2, 'gpt4_1106_preview', 58],
      [AE1, 'text_davinci_003', 53],
    ] as const) {
      const a = annotator(name);
      expect(a.baseline).toBe(baseline);
      expect(a.annotated).toBe(count);
      expect(a.models.map((m) => m.model).sort()).toEqual(annotatedModels(name));
      for (const m of a.models) {
        if (m.pooled) {
          expect(m.n, m.model).toBeGreaterThan(700);
          expect(m.agreementCi95![0]).toBeLessThanOrEqual(m.agreement!);
          expect(m.agreementCi95![1]).toBeGreaterThanOrEqual(m.agreement!);
        } else expect(m.reason, m.model).toBeTruthy();
      }
      const overall = a.overall!;
      expect(overall.models).toBe(a.models.filter((m) => m.pooled).length);
      expect(overall.n).toBe(a.models.filter((m) => m.pooled).reduce((s, m) => s + m.n!, 0));
      expect(overall.kappaCi95![0]).toBeLessThanOrEqual(overall.kappa!);
      expect(overall.kappaCi95![1]).toBeGreaterThanOrEqual(overall.kappa!);
    }
    // the baseline against itself: a tie on both sides everywhere, listed but not pooled
    expect(row(AE2, 'gpt4_1106_preview')).toMatchObject({
      pooled: false,
      agreement: 100,
      kappa: null,
      reason: 'the baseline against itself (not pooled)',
    });
    // upstream's falcon-7b-instruct AlpacaEval 1 file is falcon-40b-instruct's annotations
    expect(row(AE1, 'falcon-7b-instruct')).toMatchObject({
      pooled: false,
      annotatedGenerator: 'falcon-40b-instruct',
    });
    expect(row(AE1, 'falcon-7b-instruct').reason).toMatch(
      /annotations are of "falcon-40b-instruct"'s outputs/,
    );
    // a renamed submission whose outputs name the generator the annotations name is compared
    expect(row(AE2, 'NullModel')).toMatchObject({ pooled: true, annotatedGenerator: 'example' });
  });

  it('has the agreement and kappa recomputed from the files, per model and pooled', () => {
    const close = (got: number | null | undefined, want: number) =>
      expect(Math.abs((got ?? NaN) - want)).toBeLessThan(1e-9);
    for (const [name, baseline, model] of [
      [AE2, 'gpt4_1106_preview', 'gemma-2b-it'],
      [AE1, 'text_davinci_003', 'alpaca-7b'],
      [AE1, 'text_davinci_003', 'phi-2'],
    ] as const) {
      const want = agreementAndKappa(recompute(model, name, baseline));
      const got: ModelInstanceAgreement = row(name, model);
      expect(got.n, model).toBe(want.n);
      close(got.agreement, want.agreement);
      close(got.kappa, want.kappa);
    }
    const a = annotator(AE2);
    const pooled = a.models.filter((m) => m.pooled).flatMap((m) => recompute(m.model, AE2, a.baseline));
    const want = agreementAndKappa(pooled);
    expect(a.overall!.n).toBe(want.n);
    close(a.overall!.agreement, want.agreement);
    close(a.overall!.kappa, want.kappa);
  });

  it('with --models, judges the baselines too but neither ranks nor lists them, for the same figures', async () => {
    const r = await runBench([
      'run',
      'alpacaeval',
      '--judge',
      'length',
      '--models',
      'phi-2',
      '--bootstrap',
      '20',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const one = JSON.parse(r.stdout) as AlpacaEvalResult;
    expect(one.models.map((m) => m.model)).toEqual(['phi-2']);
    const outputs = (m: string) => (gz(`${AE}/results/${m}/model_outputs.json.gz`) as unknown[]).length;
    expect(one.manifest.judgments.requested).toBe(
      one.models[0]!.n + outputs('gpt4_1106_preview') + outputs('text_davinci_003'),
    );
    for (const name of [AE2, AE1]) {
      const got = one.instanceAgreement!.annotators.find((a) => a.annotator === name)!;
      expect(got.models).toEqual([row(name, 'phi-2')]); // the same resamples: the same intervals
    }
  });
});

describe('instance-level agreement on bad annotation files (a small tree)', () => {
  it('skips a bad file with a warning naming it, and compares the good ones', async () => {
    const n = INSTRUCTIONS.length;
    const root = makeAlpacaTree({
      text_davinci_003: { outputs: INSTRUCTIONS.slice(0, n).map((_, i) => 'b'.repeat(10 + (i % 3))) },
      good: { outputs: INSTRUCTIONS.slice(0, n).map(() => 'g'.repeat(11)) },
      bad: { outputs: INSTRUCTIONS.slice(0, n).map(() => 'x') },
    });
    const annotate = (model: string, body: string) => {
      mkdirSync(join(root, 'results', model, AE1), { recursive: true });
      writeFileSync(join(root, 'results', model, AE1, 'annotations.json'), body);
    };
    // GPT-4 prefers the longer output, except on every fifth instruction
    const good = INSTRUCTIONS.slice(0, n).map((instruction, i) => {
      const base = 10 + (i % 3);
      const longer = base > 11 ? 1 : base < 11 ? 2 : 1.5;
      return {
        instruction,
        generator_1: 'text_davinci_003',
        generator_2: 'good',
        preference: i % 5 === 0 ? 2 : longer,
      };
    });
    annotate('good', JSON.stringify(good));
    annotate('bad', JSON.stringify([{ ...good[0], generator_2: 'bad', preference: 7 }]));
    const r = await runBench([
      'run',
      'alpacaeval',
      '--judge',
      'length',
      '--source',
      root,
      '--bootstrap',
      '0',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const badFile = join(root, 'results', 'bad', AE1, 'annotations.json');
    expect(r.stderr).toContain(`${badFile}: entry 0 has "preference" 7, not 1..2, 0 (a draw) or null`);
    const doc = JSON.parse(r.stdout) as AlpacaEvalResult;
    const a = doc.instanceAgreement!.annotators.find((x) => x.annotator === AE1)!;
    expect(a.models.find((m) => m.model === 'bad')).toMatchObject({
      pooled: false,
      reason: expect.stringContaining(badFile),
    });
    // by hand: i % 3 = 0 -> baseline 10 < 11 (model), 1 -> tie, 2 -> baseline 12 > 11;
    // GPT-4 agrees on all but the fifth instructions whose verdict differs from 'second'
    const judge = (i: number) => (i % 3 === 0 ? 'second' : i % 3 === 1 ? 'tie' : 'first');
    const hits = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? judge(i) === 'second' : true)).filter(
      Boolean,
    ).length;
    const goodRow = a.models.find((m) => m.model === 'good')!;
    expect(goodRow).toMatchObject({ pooled: true, n });
    expect(goodRow.agreement).toBeCloseTo((100 * hits) / n, 10);
    expect(a.overall).toMatchObject({ models: 1, n });
    expect(doc.models.map((m) => m.model).sort()).toEqual(['bad', 'good', 'text_davinci_003']);
  });
});
