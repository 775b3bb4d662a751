import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JudgmentStore } from '../../harness/store/judgment-store.js';
import { alpacaEvalInstructions } from '../../suites/alpacaeval/instruction-set.js';
import { runBench } from '../helpers/cli.js';
import { submissionOutputs } from '../helpers/real-tasks.js';
import {
  ISSUE_FAULTS,
  simSingleAnswers,
  startVllmSim,
  type SimLogLine,
  type VllmSim,
} from '../helpers/vllm-sim.js';

const MODELS = ['gemma-2b-it', 'phi-2', 'alpaca-7b'];
/** the models, instructions and resamples every run of this file judges */
const SELECTION = ['--models', ...MODELS, '--instructions', '200', '--bootstrap', '50', '--json'];

interface Correlation {
  reference: string;
  n: number;
  spearman: { value: number | null; ci95: [number, number] | null };
  kendall: { value: number | null; ci95: [number, number] | null };
  pearson: { value: number | null; ci95: [number, number] | null };
}
const sims: VllmSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

async function sim(flags: string[]): Promise<VllmSim> {
  const s = await startVllmSim(['--time-scale', '500', ...flags]);
  sims.push(s);
  return s;
}

interface Doc {
  models: {
    model: string;
    score: number;
    n: number;
    parsed: number;
    unparsed: number;
    errors: number;
    histogram?: Record<string, number>;
    best?: { index: number; rating: number; key: string }[];
    worst?: { index: number; rating: number; key: string }[];
    failures?: { index: number; reason: string }[];
  }[];
  instructionIndices: number[];
  manifest: {
    judgments: { requested: number; cached: number; sent: number; unparsed: number; errors: number };
  };
}

const home = () => mkdtempSync(join(tmpdir(), 'bench-it-'));
const run = (s: VllmSim, benchHome: string, extra: string[] = []) =>
  runBench(['run', 'alpacaeval', '--endpoint', s.url, ...SELECTION, ...extra], {
    env: { BENCH_HOME: benchHome },
  });

describe('bench run alpacaeval --judge autoj against vllm-sim', () => {
  it("scores each model with the mean of the server's ratings, and a warm rerun sends nothing", async () => {
    const dir = home();
    const log = join(dir, 'sim.jsonl');
    const s = await sim(['--log', log]);
    const r = await run(s, dir);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;

    // Independent count: what the server answered, by (query, response), from its own log.
    const answerTo = simSingleAnswers(
      readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as SimLogLine),
    );
    const instructions = alpacaEvalInstructions().instructions;
    for (const model of MODELS) {
      const outputs = submissionOutputs(model);
      const ratings: number[] = [];
      let cutOff = 0;
      let judged = 0;
      for (const i of doc.instructionIndices) {
        const q = instructions[i]!;
        if (!outputs.has(q)) continue;
        judged++;
        // the sim trims what it reads between the markers, as its log shows
        const l = answerTo(q, outputs.get(q)!);
        expect(l, `${model}: no server answer for instruction ${i}`).toBeDefined();
        if (l!.rating !== null) ratings.push(l!.rating);
        else if (l!.finish_reason === 'length') cutOff++;
      }
      const m = doc.models.find((x) => x.model === model)!;
      expect(m.n).toBe(judged);
      expect(m.parsed).toBe(ratings.length);
      expect(m.unparsed).toBe(cutOff);
      expect(m.score).toBeCloseTo(ratings.reduce((a, b) => a + b, 0) / ratings.length, 10);
      // Regression: the rating distribution and the best/worst answers reach the report
      // (they were missing when Auto-J's judge info lacked its 1-10 scale).
      expect(Object.values(m.histogram ?? {}).reduce((a, b) => a + b, 0)).toBe(m.parsed);
      expect(m.best).toHaveLength(5);
      expect(m.worst).toHaveLength(5);
      expect(m.best![0]!.rating).toBe(Math.max(...ratings));
      expect(m.best![0]!.key).toMatch(/^[0-9a-f]{64}$/);
      expect(m.failures).toHaveLength(m.unparsed);
    }
    const total = doc.manifest.judgments;
    expect(total.cached).toBe(0);
    expect(total.unparsed).toBeGreaterThan(0); // the sim cuts some critiques off at max_tokens
    const first = await s.stats();
    expect(first.sequences).toBe(total.sent);
    expect(first.completed).toBe(total.sent);
    expect(first.errors['400']).toBe(0);

    await s.reset();
    const again = await run(s, dir);
    expect(again.code).toBe(0);
    expect((await s.stats()).requests).toBe(0);
    const doc2 = JSON.parse(again.stdout) as Doc;
    expect(doc2.models).toEqual(doc.models);
    expect(doc2.manifest.judgments).toMatchObject({ cached: total.requested, sent: 0 });
  });

  it('completes under injected faults with every judgment stored exactly once', async () => {
    const dir = home();
    const s = await sim([...ISSUE_FAULTS, '--seed', '3']);
    // one prompt per request, so every kind of fault lands on some request
    // The simulator finishes a sequence whose client gave up (a real engine aborts it), so a
    // timeout shorter than a slow answer under load would count it twice: only hangs time out.
    const r = await run(s, dir, ['--request-timeout', '8', '--batch-size', '1']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.models.every((m) => m.errors === 0)).toBe(true);
    const stats = await s.stats();
    expect(stats.errors['500']).toBeGreaterThan(0);
    expect(stats.errors['429']).toBeGreaterThan(0);
    expect(stats.resets).toBeGreaterThan(0);
    expect(stats.hangs).toBeGreaterThan(0);
    // Each distinct judgment was generated once and stored once.
    expect(stats.completed).toBe(doc.manifest.judgments.sent);
    const store = JudgmentStore.open(join(dir, 'judgments.sqlite'), { readonly: true });
    try {
      expect(store.count()).toBe(doc.manifest.judgments.sent);
    } finally {
      store.close();
    }
  });

  it('fails clearly when the server dies, and the rerun asks only for what is missing', async () => {
    const dir = home();
    const dying = await sim(['--exit-after', '100']);
    const r = await run(dying, dir, ['--give-up', '2']);
    expect(r.code).not.toBe(0);
    const last = r.stderr.trimEnd().split('\n').at(-1)!;
    expect(last).toMatch(/^bench: .*127\.0\.0\.1.*/);
    expect(last).toMatch(/stopped answering|unreachable|refused|not answer/i);

    const store = JudgmentStore.open(join(dir, 'judgments.sqlite'), { readonly: true });
    const stored = store.count();
    store.close();
    // all but those in flight when it died (a request of several prompts is answered whole)
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThanOrEqual(100);

    const fresh = await sim([]);
    const again = await run(fresh, dir);
    expect(again.code, again.stderr).toBe(0);
    const doc = JSON.parse(again.stdout) as Doc;
    const stats = await fresh.stats();
    expect(stats.sequences).toBe(doc.manifest.judgments.sent);
    expect(doc.manifest.judgments.cached).toBeGreaterThanOrEqual(stored);
    const after = JudgmentStore.open(join(dir, 'judgments.sqlite'), { readonly: true });
    try {
      // nothing stored twice, nothing judged again
      expect(after.count()).toBe(stored + doc.manifest.judgments.sent);
    } finally {
      after.close();
    }
  });

  it('reports the length ruler on the same models, instructions and resamples, as --judge length does', async () => {
    const dir = home();
    const s = await sim([]);
    const r = await run(s, dir);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc & { lengthRuler: { judge: string; correlations: Correlation[] } };
    const ruler = await runBench(['run', 'alpacaeval', '--judge', 'length', ...SELECTION], {
      env: { BENCH_HOME: home() },
    });
    expect(ruler.code, ruler.stderr).toBe(0);
    const lengthDoc = JSON.parse(ruler.stdout) as { correlations: Correlation[]; lengthRuler?: unknown };
    expect(lengthDoc.lengthRuler).toBeUndefined(); // the ruler has no ruler beside it
    expect(doc.lengthRuler.judge).toBe('length');
    expect(doc.lengthRuler.correlations.map((c) => c.reference)).toEqual(
      lengthDoc.correlations.map((c) => c.reference),
    );
    doc.lengthRuler.correlations.forEach((c, i) => {
      const expected = lengthDoc.correlations[i]!;
      expect(c.n).toBe(expected.n);
      for (const k of ['spearman', 'kendall', 'pearson'] as const) {
        expect(c[k].value).toBeCloseTo(expected[k].value!, 12);
        expect(c[k].ci95).toEqual(expected[k].ci95);
      }
    });
  });

  it('fails fast with a hint when no server answers', async () => {
    const r = await runBench(
      [
        'run',
        'alpacaeval',
        '--endpoint',
        'http://127.0.0.1:9/v1',
        '--models',
        'phi-2',
        '--instructions',
        '5',
      ],
      {
        env: { BENCH_HOME: home() },
      },
    );
    expect(r.code).not.toBe(0);
    const last = r.stderr.trimEnd().split('\n').at(-1)!;
    expect(last).toMatch(/^bench: .*127\.0\.0\.1:9/);
    expect(last).toMatch(/bench serve|vllm serve/);
  });
});
