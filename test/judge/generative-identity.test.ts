import { describe, expect, it } from 'vitest';
import type { JudgeTask } from '../../harness/core/types.js';
import { createAutojJudge, type AutojJudgeOptions } from './autoj-reference/judge.js';
import { createGenerativeJudge, type GenerativeJudgeOptions } from '../../harness/judge/generative/judge.js';
import { loadJudgeProfile } from '../../harness/judge/generative/load.js';
import { alpacaPairs, alpacaTasks, architectureVector, pairTasks, zhTasks } from '../helpers/real-tasks.js';

/**
 * The generic judge built from the built-in Auto-J profiles must send exactly what the
 * Auto-J judge of before profiles sends (kept frozen in ./autoj-reference/, with its own
 * templates), with the same template versions and judgment keys: the judgments stored so
 * far stay valid. Checked over real tasks: AlpacaEval outputs (a
 * sample of every submission and the longest ones, which are cut to fit), Auto-J's
 * pairwise test pairs both ways round, its Chinese critique set, and the test vectors of
 * ../shared/docs/architecture.md.
 */

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
    const { topLogprobs, ...got } = generic.prepare(task);
    // key, served model, prompt, sampling and truncation, and nothing else (no messages)
    if (got.key !== want.key || got.prompt !== want.prompt) {
      expect(got, `${name}: ${task.instruction.slice(0, 60)}`).toEqual(want);
    }
    expect(got).toEqual(want);
    // besides, outside the key: the logprobs a rating asks for (the expected rating)
    expect(topLogprobs).toBe(task.protocol === 'single' ? 5 : undefined);
    if (want.truncation) truncated++;
  }
  return truncated;
}

describe('the generic judge is byte-identical to the frozen Auto-J judge on the Auto-J profiles', () => {
  const single = alpacaTasks(97, 120);
  const pairs = pairTasks();
  expect(pairs).toHaveLength(2 * 1392);

  it('architecture.md test vectors, single and pairwise', () => {
    const vector = architectureVector;
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
    const zhSingle = zhTasks();
    expect(zhSingle).toHaveLength(232);
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
