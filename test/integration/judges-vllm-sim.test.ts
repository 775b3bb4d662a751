import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { Verdict } from '../../harness/core/types.js';
import { createGenerativeJudge } from '../../harness/judge/generative/judge.js';
import { loadJudgeProfile } from '../../harness/judge/generative/load.js';
import { alpacaEvalInstructions } from '../../suites/alpacaeval/instruction-set.js';
import { runBench, SHARED_DATA } from '../helpers/cli.js';
import { writeMyJudge } from '../helpers/judge-profile.js';
import { readSimLog, startVllmSim, type SimLogLine, type VllmSim } from '../helpers/vllm-sim.js';

/**
 * Every kind of judge profile end to end through the CLI against vllm-sim: Prometheus 2
 * and MT-Bench on the chat endpoint, and a judge that exists only as a profile file the
 * test writes. The figures must be what the server answered: per-model scores are the
 * means of the ratings in the simulator's own log, pairwise agreement and consistency are
 * recomputed from the verdicts it logged, and its garbled answers are counted as parse
 * failures. Log lines are matched by their texts (the simulator reads the query and the
 * responses back out of the prompt it got; a response cut to fit the context, or one the
 * simulator's reading stops early in, is a prefix of the whole).
 */

const MODELS = ['gemma-2b-it', 'phi-2', 'alpaca-7b'];
const ANNOTATION_BASELINES = ['gpt4_1106_preview', 'text_davinci_003'];
const PROMETHEUS = 'prometheus-eval/prometheus-7b-v2.0';
const LLAMA3 = 'meta-llama/Meta-Llama-3-70B-Instruct';
const PAIRWISE_FILE = `${SHARED_DATA}/auto-j/data/test/testdata_pairwise.jsonl`;

const sims: VllmSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

interface Sim {
  sim: VllmSim;
  /** every line the simulator logged, once all its answers are written */
  log(): Promise<SimLogLine[]>;
}

async function startSim(dir: string, flags: string[]): Promise<Sim> {
  const file = join(dir, `sim-${sims.length}.jsonl`);
  const sim = await startVllmSim(['--time-scale', '1000', '--log', file, ...flags]);
  sims.push(sim);
  return {
    sim,
    // every answer, once all are written
    log: async () => readSimLog(file, (await sim.stats()).completed),
  };
}

/**
 * The logged answer to a prompt of `protocol` with these texts: the line whose query and
 * responses are the texts or prefixes of them (trimmed, as the simulator reads them),
 * the longest such line when several are.
 */
function answerTo(
  lines: readonly SimLogLine[],
  protocol: string,
  query: string,
  responses: readonly string[],
): SimLogLine | undefined {
  let best: SimLogLine | undefined;
  let bestLength = -1;
  for (const l of lines) {
    if (l.protocol !== protocol || !query.trim().startsWith(l.query)) continue;
    if (!responses.every((r, i) => r.trim().startsWith(l.responses[i] ?? '\u0000'))) continue;
    const length = l.query.length + l.responses.join('').length;
    if (length > bestLength) [best, bestLength] = [l, length];
  }
  return best;
}

interface AlpacaDoc {
  judge: { name: string; model: string; scale?: { min: number; max: number } };
  models: { model: string; score: number; n: number; parsed: number; unparsed: number; errors: number }[];
  instructionIndices: number[];
  manifest: { judgments: { requested: number; cached: number; sent: number; unparsed: number } };
}

function outputsOf(model: string): Map<string, string> {
  const entries = JSON.parse(
    gunzipSync(readFileSync(`${SHARED_DATA}/alpaca_eval/results/${model}/model_outputs.json.gz`)).toString(),
  ) as { instruction: string; output: string | null }[];
  return new Map(entries.map((e) => [e.instruction, e.output ?? '']));
}

const home = () => mkdtempSync(join(tmpdir(), 'bench-judges-'));

function alpacaeval(url: string, dir: string, args: string[], cwd?: string) {
  return runBench(
    [
      'run',
      'alpacaeval',
      '--endpoint',
      url,
      '--source',
      `${SHARED_DATA}/alpaca_eval`,
      '--models',
      ...MODELS,
      '--instructions',
      '20',
      '--bootstrap',
      '0',
      '--json',
      ...args,
    ],
    { env: { BENCH_HOME: join(dir, 'home') }, ...(cwd === undefined ? {} : { cwd }) },
  );
}

/**
 * Each model's score is the mean of the ratings the simulator logged for that model's
 * responses; its garbled answers are its parse failures. Returns the lines matched.
 */
function expectScoresFromLog(
  doc: AlpacaDoc,
  lines: readonly SimLogLine[],
  protocol: string,
): Set<SimLogLine> {
  const instructions = alpacaEvalInstructions().instructions;
  const used = new Set<SimLogLine>();
  let unparsed = 0;
  for (const model of MODELS) {
    const outputs = outputsOf(model);
    const ratings: number[] = [];
    let garbled = 0;
    let judged = 0;
    for (const i of doc.instructionIndices) {
      const q = instructions[i]!;
      if (!outputs.has(q)) continue;
      judged++;
      const line = answerTo(lines, protocol, q, [outputs.get(q)!]);
      expect(line, `${model}: no server answer for instruction ${i}`).toBeDefined();
      used.add(line!);
      if (line!.rating !== null) ratings.push(line!.rating);
      else garbled++;
    }
    const m = doc.models.find((x) => x.model === model)!;
    expect(m, model).toBeDefined();
    expect(m.n).toBe(judged);
    expect(m.errors).toBe(0);
    expect(m.parsed).toBe(ratings.length);
    expect(m.unparsed).toBe(garbled);
    expect(m.score).toBeCloseTo(ratings.reduce((a, b) => a + b, 0) / ratings.length, 10);
    unparsed += garbled;
  }
  expect(unparsed, 'the garbled answers are counted').toBeGreaterThan(0);
  // The annotators' baselines are judged too (instance-level agreement: the models have annotations).
  for (const baseline of ANNOTATION_BASELINES) {
    const outputs = outputsOf(baseline);
    for (const i of doc.instructionIndices) {
      const q = instructions[i]!;
      const line = outputs.has(q) ? answerTo(lines, protocol, q, [outputs.get(q)!]) : undefined;
      if (outputs.has(q)) expect(line, `${baseline}: no server answer for instruction ${i}`).toBeDefined();
      if (line) used.add(line);
    }
  }
  // every answer the server gave was one of these responses' (nothing else was asked)
  expect(used.size).toBe(lines.length);
  return used;
}

describe('bench run alpacaeval with chat judges against vllm-sim', () => {
  it('--judge prometheus2: 1-5 ratings on the chat endpoint, scores the log\u2019s means, garbled answers unparsed', async () => {
    const dir = home();
    const s = await startSim(dir, [
      '--model',
      PROMETHEUS,
      '--max-model-len',
      '8192',
      '--garble-rate',
      '0.15',
    ]);
    const r = await alpacaeval(s.sim.url, dir, ['--judge', 'prometheus2']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as AlpacaDoc;
    expect(doc.judge).toMatchObject({ name: 'prometheus2', model: PROMETHEUS, scale: { min: 1, max: 5 } });
    expect(r.stderr).toContain(`judge prometheus2 (${PROMETHEUS}) on 1 endpoint(s), context 8192 tokens`);
    const lines = await s.log();
    expect(lines.every((l) => l.rating === null || (l.rating >= 1 && l.rating <= 5))).toBe(true);
    expectScoresFromLog(doc, lines, 'prometheus-absolute');
    expect(doc.manifest.judgments.sent).toBe(lines.length);

    // Sent as chat messages: the simulator hashes a chat request as its contents joined
    // in an [INST] wrapper, which is what the profile's system and user messages give.
    const judge = createGenerativeJudge(loadJudgeProfile('prometheus2'), { maxModelLen: 8192 });
    const instructions = alpacaEvalInstructions().instructions;
    const hashes = new Set<string>();
    for (const model of [...MODELS, ...ANNOTATION_BASELINES]) {
      const outputs = outputsOf(model);
      for (const i of doc.instructionIndices) {
        const q = instructions[i]!;
        if (!outputs.has(q)) continue;
        const req = judge.prepare({ protocol: 'single', instruction: q, response: outputs.get(q)! });
        expect(req.messages!.map((m) => m.role)).toEqual(['system', 'user']);
        const asSimReadsIt = `[INST] ${req.messages!.map((m) => m.content).join('\n')} [/INST]`;
        hashes.add(createHash('sha256').update(asSimReadsIt).digest('hex'));
      }
    }
    expect(lines.every((l) => hashes.has(l.prompt_sha256))).toBe(true);
  });

  it('--judge mtbench: the one model the endpoint lists is the judge, and its id is part of the key', async () => {
    const dir = home();
    const s = await startSim(dir, ['--model', LLAMA3, '--max-model-len', '8192', '--garble-rate', '0.15']);
    const r = await alpacaeval(s.sim.url, dir, ['--judge', 'mtbench']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as AlpacaDoc;
    expect(doc.judge).toMatchObject({ name: 'mtbench', model: LLAMA3, scale: { min: 1, max: 10 } });
    // the context is the served model's, from /v1/models
    expect(r.stderr).toContain(`judge mtbench (${LLAMA3}) on 1 endpoint(s), context 8192 tokens`);
    const lines = await s.log();
    expectScoresFromLog(doc, lines, 'mtbench-single');

    // the same judge named with --judge-model: every judgment comes from the store
    await s.sim.reset();
    const again = await alpacaeval(s.sim.url, dir, ['--judge', 'mtbench', '--judge-model', LLAMA3]);
    expect(again.code, again.stderr).toBe(0);
    const warm = JSON.parse(again.stdout) as AlpacaDoc;
    expect(warm.manifest.judgments).toMatchObject({ cached: doc.manifest.judgments.requested, sent: 0 });
    expect(warm.models).toEqual(doc.models);
    expect((await s.sim.stats()).requests).toBe(0);

    // another model behind the same profile is another judge: nothing is shared
    const other = await startSim(dir, ['--model', 'Qwen/Qwen2-72B-Instruct', '--max-model-len', '8192']);
    const otherRun = await alpacaeval(other.sim.url, dir, ['--judge', 'mtbench']);
    expect(otherRun.code, otherRun.stderr).toBe(0);
    const otherDoc = JSON.parse(otherRun.stdout) as AlpacaDoc;
    expect(otherDoc.judge.model).toBe('Qwen/Qwen2-72B-Instruct');
    expect(otherDoc.manifest.judgments).toMatchObject({ cached: 0, sent: doc.manifest.judgments.sent });
  });

  it('--judge-model names a model the endpoint does not serve, or none when it lists several: one line', async () => {
    const dir = home();
    const s = await startSim(dir, ['--model', LLAMA3]);
    const wrong = await alpacaeval(s.sim.url, dir, ['--judge', 'mtbench', '--judge-model', 'gpt-4o']);
    expect(wrong.code).not.toBe(0);
    const last = wrong.stderr.trimEnd().split('\n').at(-1)!;
    expect(last).toMatch(/^bench: .*gpt-4o/);
    expect(last).toContain(LLAMA3);
    // two endpoints serving two models: which one is the judge must be said
    const qwen = await startSim(dir, ['--model', 'Qwen/Qwen2-72B-Instruct']);
    const several = await runBench(
      ['run', 'alpacaeval', '--judge', 'mtbench', '--endpoint', s.sim.url, '--endpoint', qwen.sim.url],
      { env: { BENCH_HOME: join(dir, 'home') } },
    );
    expect(several.code).toBe(2);
    expect(several.stderr.trimEnd().split('\n').at(-1)).toBe(
      `bench: judge mtbench leaves the model open and the server lists "${LLAMA3}", "Qwen/Qwen2-72B-Instruct": name the model to use with --judge-model NAME`,
    );
    // a profile with its own model refuses another
    const fixed = await alpacaeval(s.sim.url, dir, ['--judge', 'prometheus2', '--judge-model', LLAMA3]);
    expect(fixed.code).toBe(2);
    expect(fixed.stderr.trimEnd().split('\n').at(-1)).toBe(
      `bench: --judge prometheus2: judge prometheus2 is the model ${PROMETHEUS}, not ${LLAMA3} (the server's name for it is the served model name)`,
    );
  });

  it('--language is checked against the profile, and an unknown judge gets the list and the nearest name', async () => {
    const dir = home();
    const zh = await alpacaeval('http://127.0.0.1:9/v1', dir, ['--judge', 'prometheus2', '--language', 'zh']);
    expect(zh.code).toBe(2);
    expect(zh.stderr.trimEnd().split('\n').at(-1)).toBe(
      'bench: --language zh: judge prometheus2 has templates in en only',
    );
    const typo = await alpacaeval('http://127.0.0.1:9/v1', dir, ['--judge', 'mt-bench']);
    expect(typo.code).toBe(2);
    expect(typo.stderr.trim()).toBe(
      'bench: unknown judge "mt-bench" (did you mean "mtbench"?); judges: autoj, autoj-bilingual, autoj-gptq, autoj-scenario-classifier, critique-comparator, mtbench, prometheus2, length; ' +
        'or give the path of a profile file (./my-judge.yaml, see docs/judges.md)',
    );
  });
});

interface PairwiseDoc {
  judge: { name: string; mode: string };
  overall: {
    agreement: number;
    consistency: number;
    n: number;
    unparsed: { given: number; swapped: number; pairs: number };
  };
}

const LETTERS: Record<string, Verdict> = { A: 'first', B: 'second', C: 'tie' };
const mapBack = (v: Verdict): Verdict => (v === 'first' ? 'second' : v === 'second' ? 'first' : 'tie');

/** Agreement, consistency and missing verdicts of the 1,392 pairs, from the simulator's log alone. */
function pairwiseFromLog(lines: readonly SimLogLine[], protocol: string) {
  const labels: Verdict[] = ['first', 'second', 'tie'];
  const rows = readFileSync(PAIRWISE_FILE, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(
      (l) => JSON.parse(l) as { label: number; prompt: string; 'response 1': string; 'response 2': string },
    );
  expect(rows).toHaveLength(1392);
  // index the lines by the start of their query: a line's query is a prefix of the pair's
  const byStart = new Map<string, SimLogLine[]>();
  for (const l of lines) byStart.set(l.query.slice(0, 40), [...(byStart.get(l.query.slice(0, 40)) ?? []), l]);
  const verdict = (q: string, responses: string[]): Verdict | null => {
    const line = answerTo(byStart.get(q.trim().slice(0, 40)) ?? [], protocol, q, responses);
    expect(line, `no server answer for ${JSON.stringify(q.slice(0, 60))}`).toBeDefined();
    return line!.verdict === null ? null : LETTERS[line!.verdict]!;
  };
  let agree = 0;
  let consistent = 0;
  const missing = { given: 0, swapped: 0, pairs: 0 };
  for (const r of rows) {
    const label = labels[r.label]!;
    const given = verdict(r.prompt, [r['response 1'], r['response 2']]);
    const swapped = verdict(r.prompt, [r['response 2'], r['response 1']]);
    if (given === null) missing.given++;
    if (swapped === null) missing.swapped++;
    if (given === null || swapped === null) {
      missing.pairs++;
      continue;
    }
    if (given === label && mapBack(swapped) === label) agree++;
    if (given === mapBack(swapped)) consistent++;
  }
  return { agreement: (100 * agree) / rows.length, consistency: (100 * consistent) / rows.length, missing };
}

describe('bench run pairwise with chat judges against vllm-sim (all 1,392 pairs, both orders)', () => {
  const pairwise = (url: string, dir: string, args: string[]) =>
    runBench(
      [
        'run',
        'pairwise',
        '--endpoint',
        url,
        '--data',
        `${SHARED_DATA}/auto-j`,
        '--bootstrap',
        '0',
        '--json',
        ...args,
      ],
      { env: { BENCH_HOME: join(dir, 'home') } },
    );

  for (const [judge, model, protocol] of [
    ['prometheus2', PROMETHEUS, 'prometheus-relative'],
    ['mtbench', LLAMA3, 'mtbench-pairwise'],
  ] as const) {
    it(`--judge ${judge}: agreement and consistency are the log\u2019s, its garbled verdicts missing`, async () => {
      const dir = home();
      const s = await startSim(dir, ['--model', model, '--max-model-len', '8192', '--garble-rate', '0.05']);
      const r = await pairwise(s.sim.url, dir, ['--judge', judge]);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as PairwiseDoc;
      expect(doc.judge).toMatchObject({ name: judge, mode: 'live' });
      const expected = pairwiseFromLog(await s.log(), protocol);
      expect(doc.overall.n).toBe(1392);
      expect(doc.overall.agreement).toBeCloseTo(expected.agreement, 10);
      expect(doc.overall.consistency).toBeCloseTo(expected.consistency, 10);
      expect(doc.overall.unparsed).toEqual(expected.missing);
      expect(expected.missing.pairs).toBeGreaterThan(0);
    });
  }
});

describe('a judge added as a profile file alone', () => {
  it('--judge ./my-judge.yaml runs end to end: its model name on the server, its scores the log\u2019s', async () => {
    const dir = home();
    writeMyJudge(dir);
    const s = await startSim(dir, ['--model', 'my-judge', '--garble-rate', '0.15']);
    // a path relative to the working directory, and the server's own name for the model
    const r = await alpacaeval(
      s.sim.url,
      dir,
      ['--judge', './my-judge.yaml', '--served-model-name', 'my-judge'],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as AlpacaDoc;
    expect(doc.judge).toMatchObject({ name: 'my-judge', model: 'my-judge', scale: { min: 1, max: 10 } });
    const lines = await s.log();
    expectScoresFromLog(doc, lines, 'mtbench-single');
    // a raw prompt, several to a request: fewer requests than prompts
    const stats = await s.sim.stats();
    expect(stats.requests).toBeLessThan(stats.sequences);
    expect(stats.errors['400'] ?? 0).toBe(0);
    // archived and stored under the profile's name, whatever its path
    expect(existsSync(join(dir, 'home', 'runs'))).toBe(true);

    const broken = join(dir, 'broken.yaml');
    writeFileSync(
      broken,
      readFileSync(join(dir, 'my-judge.yaml'), 'utf8').replace('temperature: 0', 'temperature: hot'),
    );
    const bad = await alpacaeval(s.sim.url, dir, ['--judge', broken]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trimEnd().split('\n').at(-1)).toBe(
      `bench: ${broken}: sampling.temperature: expected a number, got "hot"`,
    );
  });
});
