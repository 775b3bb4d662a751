import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { JudgeTask, PairTask, SingleTask } from '../../harness/core/types.js';
import { createAutojJudge, type AutojJudgeOptions } from './autoj-reference/judge.js';
import { createGenerativeJudge, type GenerativeJudgeOptions } from '../../harness/judge/generative/judge.js';
import { loadJudgeProfile } from '../../harness/judge/generative/load.js';

/**
 * The generic judge built from the built-in Auto-J profiles must send exactly what the
 * Auto-J judge of before profiles sends (kept frozen in ./autoj-reference/, with its own
 * templates), with the same template versions and judgment keys: the judgments stored so
 * far stay valid. Checked over real tasks: AlpacaEval outputs (a
 * sample of every submission and the longest ones, which are cut to fit), Auto-J's
 * pairwise test pairs both ways round, its Chinese critique set, and the test vectors of
 * ../shared/docs/architecture.md.
 */

const DATA = new URL('../../../shared/data/', import.meta.url).pathname;
const RESULTS = `${DATA}alpaca_eval/results`;
const PAIRWISE = `${DATA}auto-j/data/test/testdata_pairwise.jsonl`;
const ZH_CRITIQUE = `${DATA}auto-j/data/test/zh_testdata_critique.jsonl`;
const ARCHITECTURE = new URL('../../../shared/docs/architecture.md', import.meta.url).pathname;

const jsonl = <T>(file: string): T[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

interface Output {
  readonly instruction: string;
  readonly output: string | null;
}

/** Every `step`-th output of every submission, and the `longest` longest outputs of all. */
function alpacaTasks(step: number, longest: number): SingleTask[] {
  const sample: Output[] = [];
  const long: Output[] = [];
  for (const model of readdirSync(RESULTS).sort()) {
    const file = `${RESULTS}/${model}/model_outputs.json.gz`;
    if (!existsSync(file)) continue;
    const rows = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as Output[];
    rows.forEach((r, i) => {
      if (i % step === 0) sample.push(r);
      if ((r.output?.length ?? 0) > 8_000) long.push(r);
    });
  }
  long.sort((a, b) => b.output!.length - a.output!.length);
  return [...sample, ...long.slice(0, longest)].map((r) => ({
    protocol: 'single',
    instruction: r.instruction,
    response: r.output,
  }));
}

function pairTasks(): PairTask[] {
  const rows = jsonl<{ prompt: string; 'response 1': string; 'response 2': string }>(PAIRWISE);
  expect(rows).toHaveLength(1392);
  return rows.flatMap((r) => [
    { protocol: 'pairwise', instruction: r.prompt, first: r['response 1'], second: r['response 2'] },
    { protocol: 'pairwise', instruction: r.prompt, first: r['response 2'], second: r['response 1'] },
  ]);
}

/** Pairs of two submissions' outputs on the same instruction (long ones included). */
function alpacaPairs(tasks: readonly SingleTask[]): PairTask[] {
  const out: PairTask[] = [];
  for (let i = 0; i + 1 < tasks.length; i += 2) {
    out.push({
      protocol: 'pairwise',
      instruction: tasks[i]!.instruction,
      first: tasks[i]!.response ?? '',
      second: tasks[i + 1]!.response ?? '',
    });
  }
  return out;
}

function expectSameRequests(
  name: string,
  options: AutojJudgeOptions & GenerativeJudgeOptions,
  tasks: readonly JudgeTask[],
): number {
  const reference = createAutojJudge({ ...options, profile: name });
  const generic = createGenerativeJudge(loadJudgeProfile(name), options);
  expect(generic.info).toEqual(reference.info);
  expect(generic.info.templateVersion).toBe(reference.template.version);
  expect(generic.promptTokenLimit).toBe(reference.promptTokenLimit);
  let truncated = 0;
  for (const task of tasks) {
    const want = reference.prepare(task);
    const got = generic.prepare(task);
    // key, served model, prompt, sampling and truncation, and nothing else (no messages)
    if (got.key !== want.key || got.prompt !== want.prompt) {
      expect(got, `${name}: ${task.instruction.slice(0, 60)}`).toEqual(want);
    }
    expect(got).toEqual(want);
    if (want.truncation) truncated++;
  }
  return truncated;
}

describe('the generic judge is byte-identical to the frozen Auto-J judge on the Auto-J profiles', () => {
  const single = alpacaTasks(97, 120);
  const pairs = pairTasks();

  it('architecture.md test vectors, single and pairwise', () => {
    const doc = readFileSync(ARCHITECTURE, 'utf8');
    const vector = (label: string) => {
      const at = doc.indexOf(label);
      const line = doc.slice(doc.indexOf('\n', at) + 1).split('\n')[0]!;
      return JSON.parse(line.trim()) as string;
    };
    const judge = createGenerativeJudge(loadJudgeProfile('autoj'));
    expect(judge.prepare({ protocol: 'single', instruction: 'Q?', response: 'A.' }).prompt).toBe(
      vector('Test vector, single protocol'),
    );
    const pairwise = createGenerativeJudge(loadJudgeProfile('autoj'), { protocol: 'pairwise' });
    expect(
      pairwise.prepare({ protocol: 'pairwise', instruction: 'Q?', first: 'A.', second: 'B.' }).prompt,
    ).toBe(vector('Test vector, pairwise'));
  });

  it('autoj, single: AlpacaEval outputs of every submission and the longest ones', () => {
    expect(single.length).toBeGreaterThan(1500);
    const truncated = expectSameRequests('autoj', { protocol: 'single' }, single);
    expect(truncated).toBeGreaterThan(100);
  });

  it('autoj, pairwise: Auto-J\u2019s 1,392 pairs both ways round and AlpacaEval pairs', () => {
    const truncated = expectSameRequests('autoj', { protocol: 'pairwise' }, [
      ...pairs,
      ...alpacaPairs(single),
    ]);
    expect(truncated).toBeGreaterThan(50);
  });

  it('autoj-bilingual, English: single and pairwise', () => {
    expect(
      expectSameRequests('autoj-bilingual', { protocol: 'single', language: 'en' }, single),
    ).toBeGreaterThan(100);
    expect(
      expectSameRequests('autoj-bilingual', { protocol: 'pairwise', language: 'en' }, pairs),
    ).toBeGreaterThan(0);
  });

  it('autoj-bilingual, Chinese: the Chinese critique set, single and as pairs', () => {
    const rows = jsonl<{ prompt: string; response: string }>(ZH_CRITIQUE);
    expect(rows).toHaveLength(232);
    const zhSingle: SingleTask[] = rows.map((r) => ({
      protocol: 'single',
      instruction: r.prompt,
      response: r.response,
    }));
    expectSameRequests('autoj-bilingual', { protocol: 'single', language: 'zh' }, [
      ...zhSingle,
      ...single.slice(0, 300),
    ]);
    const zhPairs = alpacaPairs(zhSingle);
    expectSameRequests('autoj-bilingual', { protocol: 'pairwise', language: 'zh' }, [
      ...zhPairs,
      ...pairs.slice(0, 400),
    ]);
  });

  it('with a served model name, another context length and max_tokens', () => {
    const options = {
      servedModelName: 'autoj',
      maxModelLen: 2048,
      maxTokens: 512,
      protocol: 'single' as const,
    };
    expect(expectSameRequests('autoj', options, single.slice(-200))).toBeGreaterThan(100);
  });

  it('counts the tokens of prompts sent with others as the frozen Auto-J judge does', () => {
    const completion = { text: 'Fine. Rating: [[6]]', finishReason: 'stop' };
    for (const [name, source] of [
      ['autoj', 'counted'],
      ['autoj-bilingual', 'estimated'],
    ] as const) {
      const reference = createAutojJudge({ profile: name });
      const generic = createGenerativeJudge(loadJudgeProfile(name));
      for (const task of single.slice(0, 20)) {
        const counts = generic.countTokens!(generic.prepare(task), completion);
        expect(counts).toEqual(reference.countTokens!(reference.prepare(task), completion));
        expect(counts.tokenSource).toBe(source);
      }
    }
  });

  it('autoj-gptq sends autoj\u2019s prompts under its own model id (so its own keys)', () => {
    const gptq = createGenerativeJudge(loadJudgeProfile('autoj-gptq'));
    const autoj = createAutojJudge();
    expect(gptq.info.templateVersion).toBe(autoj.info.templateVersion);
    for (const task of single.slice(0, 50)) {
      const a = autoj.prepare(task);
      const g = gptq.prepare(task);
      expect(g.prompt).toBe(a.prompt);
      expect(g.model).toBe('GAIR/autoj-13b-GPTQ-4bits');
      expect(g.key).not.toBe(a.key);
    }
  });
});
