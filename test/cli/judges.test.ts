import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JudgeTable } from '../../harness/leaderboard/judges.js';
import { JudgmentStore } from '../../harness/store/judgment-store.js';
import { listRuns } from '../../harness/store/run-archive.js';
import type { AlpacaEvalResult } from '../../suites/alpacaeval/result.js';
import type { PairwiseResult } from '../../suites/pairwise/result.js';
import { runBench, SHARED_DATA } from '../helpers/cli.js';
import { startVllmSim, type VllmSim } from '../helpers/vllm-sim.js';

/**
 * `bench judges` end to end: Auto-J from its recorded pairwise verdicts and a simulated
 * AlpacaEval run, the length ruler (its own AlpacaEval run, and beside Auto-J on the
 * pairs), MT-Bench judged by vllm-sim. Every figure is the one in the archived result
 * it comes from; a figure a judge has no run for says "not run"; the speed is recomputed
 * here from the store's latencies; the site's judge page shows the same rows.
 */

const OUTPUTS = `${SHARED_DATA}/auto-j/data/outputs`;
const MODELS = ['gemma-2b-it', 'phi-2', 'alpaca-7b', 'vicuna-7b', 'gpt4_1106_preview'];
const LLAMA3 = 'meta-llama/Meta-Llama-3-70B-Instruct';

let work: string;
let env: Record<string, string>;
const sims: VllmSim[] = [];
let table: JudgeTable;
let text: string;
let runs: { suite: string; judge: string; doc: unknown }[];

async function bench(args: string[]) {
  const r = await runBench(args, { env });
  expect(r.code, `bench ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
}

const alpacaeval = (args: string[], models = MODELS) =>
  bench(['run', 'alpacaeval', '--models', ...models, '--instructions', '20', '--bootstrap', '100', ...args]);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'bench-judges-cli-'));
  env = { BENCH_HOME: join(work, 'home') };
  await bench([
    'run',
    'pairwise',
    '--predictions',
    `${OUTPUTS}/pairwise_example_output.jsonl`,
    '--swapped',
    `${OUTPUTS}/pairwise_exchange_example_output.jsonl`,
    '--bootstrap',
    '100',
  ]);
  const autoj = await startVllmSim(['--time-scale', '1000', '--garble-rate', '0.05']);
  sims.push(autoj);
  await alpacaeval(['--judge', 'autoj', '--endpoint', autoj.url]);
  await alpacaeval(['--judge', 'length']);
  const llama = await startVllmSim(['--time-scale', '1000', '--model', LLAMA3, '--max-model-len', '8192']);
  sims.push(llama);
  await alpacaeval(['--judge', 'mtbench', '--endpoint', llama.url], MODELS.slice(0, 3));
  table = JSON.parse((await bench(['judges', '--json'])).stdout) as JudgeTable;
  text = (await bench(['judges'])).stdout;
  runs = await Promise.all(
    (await listRuns(join(work, 'home', 'runs'))).map(async (r) => ({
      suite: r.suite,
      judge: r.judge,
      doc: JSON.parse(readFileSync(r.file, 'utf8')) as unknown,
    })),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  rmSync(work, { recursive: true, force: true });
});

const row = (judge: string) => {
  const r = table.rows.find((x) => x.judge === judge);
  expect(r, `a row for ${judge}`).toBeDefined();
  return r!;
};
const alpacaDoc = (judge: string) =>
  runs.find((r) => r.suite === 'alpacaeval' && r.judge === judge)!.doc as AlpacaEvalResult;
const pairwiseDoc = () => runs.find((r) => r.suite === 'pairwise')!.doc as PairwiseResult;

describe('bench judges', () => {
  it('lists Auto-J, the length ruler and MT-Bench, one row each', () => {
    expect(table.rows.map((r) => r.judge)).toEqual(['autoj', 'length', 'mtbench']);
    for (const judge of ['autoj', 'length', 'mtbench']) expect(text).toMatch(new RegExp(`^${judge} `, 'm'));
  });

  it("Auto-J's pairwise figures are the recorded run's, with intervals; McNemar against the ruler", () => {
    const o = pairwiseDoc().overall;
    const f = row('autoj').figures;
    expect(f['pairwise.agreement']).toMatchObject({ value: o.agreement, ci95: o.agreementCi95, n: 1392 });
    expect(f['pairwise.agreement']!.value).toBeCloseTo(54.96, 2);
    expect(f['pairwise.consistency']).toMatchObject({ value: o.consistency, ci95: o.consistencyCi95 });
    expect(f['pairwise.consistency']!.value).toBeCloseTo(83.41, 2);
    expect(f['pairwise.kappa']).toMatchObject({ value: o.kappa, ci95: o.kappaCi95 });
    expect(f['pairwise.mcnemar-length']!.value).toBe(pairwiseDoc().versusLength.p);
    expect(row('autoj').sources.find((s) => s.suite === 'pairwise')).toMatchObject({ complete: true });
  });

  it("Auto-J's re-rank correlations are its AlpacaEval run's, from the newest (partial) run, with the <10-model warning", () => {
    const doc = alpacaDoc('autoj');
    const f = row('autoj').figures;
    for (const c of doc.correlations) {
      expect(f[`alpacaeval.spearman.${c.reference}`]).toMatchObject({
        value: c.spearman.value,
        ci95: c.spearman.ci95,
        n: c.n,
        warning: c.warning,
      });
      expect(f[`alpacaeval.kendall.${c.reference}`]).toMatchObject({
        value: c.kendall.value,
        ci95: c.kendall.ci95,
      });
    }
    expect(doc.correlations.map((c) => c.reference)).toContain('ae2');
    expect(row('autoj').sources.find((s) => s.suite === 'alpacaeval')).toMatchObject({ complete: false });
    expect(text).toMatch(/alpacaeval \d{4}-\d\d-\d\dT\d\d:\d\d partial/);
  });

  it('the length ruler has its AlpacaEval run and its pairwise figures from the same pairs as Auto-J', () => {
    const length = row('length');
    const ruler = pairwiseDoc().baselines.find((b) => b.name === 'length')!;
    expect(length.figures['pairwise.agreement']).toMatchObject({
      value: ruler.agreement,
      ci95: ruler.agreementCi95,
    });
    expect(length.figures['pairwise.agreement']!.value).toBeCloseTo(52.95, 2);
    expect(length.figures['pairwise.kappa']).toMatchObject({ value: ruler.kappa });
    expect(length.sources.find((s) => s.suite === 'pairwise')).toMatchObject({ baselineOf: 'autoj' });
    const ae2 = alpacaDoc('length').correlations.find((c) => c.reference === 'ae2')!;
    expect(length.figures['alpacaeval.spearman.ae2']!.value).toBe(ae2.spearman.value);
    // an in-process ruler stores no judgment: no speed, and it is not shown as 0
    expect(length.speed).toBeNull();
  });

  it('columns a judge lacks say "not run", never 0', () => {
    const mt = row('mtbench');
    for (const key of ['pairwise.agreement', 'pairwise.consistency', 'pairwise.kappa'])
      expect(mt.figures[key]).toBeUndefined();
    expect(text).toMatch(/^mtbench .*not run/m);
    expect(mt.figures['alpacaeval.spearman.ae2']!.value).toBe(
      alpacaDoc('mtbench').correlations.find((c) => c.reference === 'ae2')!.spearman.value,
    );
  });

  it("instance-level agreement per annotator, from the run's instanceAgreement", () => {
    expect(text).toMatch(/^alpacaeval: instance-level agreement with GPT-4's own judgments$/m);
    const doc = alpacaDoc('autoj');
    const annotators = (doc.instanceAgreement?.annotators ?? []).filter((a) => a.overall);
    expect(annotators.length).toBeGreaterThan(0);
    for (const a of annotators) {
      expect(row('autoj').figures[`alpacaeval.instance.${a.annotator}`]).toMatchObject({
        value: a.overall!.agreement,
        ci95: a.overall!.agreementCi95,
        n: a.overall!.n,
      });
      expect(row('autoj').figures[`alpacaeval.instance-kappa.${a.annotator}`]).toMatchObject({
        value: a.overall!.kappa,
        ci95: a.overall!.kappaCi95,
      });
    }
  });

  it('parse failures: unreadable verdicts over verdicts asked for, in the runs used', () => {
    const doc = alpacaDoc('autoj');
    const requested = doc.models.reduce((s, m) => s + m.n, 0) + 2 * 1392;
    const unparsed =
      doc.models.reduce((s, m) => s + m.unparsed, 0) +
      pairwiseDoc().overall.unparsed.given +
      (pairwiseDoc().overall.unparsed.swapped ?? 0);
    expect(unparsed).toBeGreaterThan(0);
    expect(row('autoj').parseFailure).toEqual({ rate: (100 * unparsed) / requested, unparsed, requested });
  });

  it('speed is recomputed from the stored latencies: union of intervals per endpoint', () => {
    const store = JudgmentStore.open(join(work, 'home', 'judgments.sqlite'), { readonly: true });
    const spans = new Map<string, [number, number][]>();
    try {
      for (const j of store.iterate()) {
        if (j.latencyMs === null) continue;
        const end = Date.parse(j.createdAt);
        spans.set(j.judge, [...(spans.get(j.judge) ?? []), [end - j.latencyMs, end]]);
      }
    } finally {
      store.close();
    }
    const union = (xs: [number, number][]) => {
      const sorted = [...xs].sort((a, b) => a[0] - b[0]);
      let total = 0;
      let [s, e] = sorted[0]!;
      for (const [a, b] of sorted.slice(1)) {
        if (a <= e) e = Math.max(e, b);
        else {
          total += e - s;
          [s, e] = [a, b];
        }
      }
      return total + e - s;
    };
    for (const judge of ['autoj', 'mtbench']) {
      const xs = spans.get(judge)!;
      const speed = row(judge).speed!;
      expect(speed.judgments).toBe(xs.length);
      expect(speed.endpoints).toBe(1);
      // one endpoint: its busy time is the judge's wall time
      expect(speed.perSecond).toBeCloseTo(xs.length / (union(xs) / 1000), 6);
      expect(speed.gpuSecondsPer1000).toBeCloseTo((1000 * union(xs)) / 1000 / xs.length, 6);
    }
    expect(row('autoj').speed!.judgments).toBe(alpacaDoc('autoj').manifest.judgments.sent);
  });

  it('an archived file that is not a result, or a result it cannot read, is skipped with one line naming it', async () => {
    const runsDir = join(work, 'home', 'runs');
    const broken = join(runsDir, '2099-01-01T00-00-00-000Z_pairwise_broken.json');
    const hostile = join(runsDir, '2099-01-01T00-00-01-000Z_pairwise_evil.json');
    writeFileSync(broken, '{"suite": "pairwise", "judge": {"name": "broken"}}');
    writeFileSync(hostile, '{not json');
    try {
      const r = await bench(['judges']);
      expect(r.stderr).toContain(`bench: warning: ${broken}: cannot summarise the run (`);
      expect(r.stderr).toMatch(
        new RegExp(
          `bench: warning: ${hostile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read run result .*\\(skipped\\)`,
        ),
      );
      expect(r.stderr.trim().split('\n')).toHaveLength(2);
      expect(r.stdout).toBe(text);
    } finally {
      rmSync(broken);
      rmSync(hostile);
    }
  });

  it('--recorded-judge takes a profile name only', async () => {
    const r = await runBench(
      [
        'run',
        'pairwise',
        '--predictions',
        `${OUTPUTS}/pairwise_example_output.jsonl`,
        '--swapped',
        `${OUTPUTS}/pairwise_exchange_example_output.jsonl`,
        '--recorded-judge',
        '../evil<b>',
      ],
      { env },
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      'bench: --recorded-judge: not a judge profile name (letters, digits, _ . + @ = -)',
    ]);
  });

  it('the site has a judge page with the same rows and figures, linked from the overview', async () => {
    const site = join(work, 'site');
    await bench(['report', '--out', site]);
    const html = readFileSync(join(site, 'judges.html'), 'utf8');
    for (const judge of ['autoj', 'length', 'mtbench'])
      expect(html).toContain(`<td class="model" data-sort="${judge}">${judge}</td>`);
    const o = pairwiseDoc().overall;
    expect(html).toContain(`${o.agreement!.toFixed(2)}%`);
    expect(html).toContain(`${o.kappa!.toFixed(3)}`);
    expect(html).toContain('not run');
    expect(readFileSync(join(site, 'index.html'), 'utf8')).toContain('href="judges.html"');
  });
});
