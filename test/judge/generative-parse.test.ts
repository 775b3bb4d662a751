import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JudgeTask } from '../../harness/core/types.js';
import { createAutojJudge } from './autoj-reference/judge.js';
import { createGenerativeJudge } from '../../harness/judge/generative/judge.js';
import { loadJudgeProfile } from '../../harness/judge/generative/load.js';
import { CUT_OFF_REASON, parseWithSpec, type RatingSpec } from '../../harness/judge/generative/parse.js';
import type { Completion } from '../../harness/judge/judge.js';

const CRITIQUES = new URL(
  '../../../shared/data/auto-j/data/outputs/critique_example_output.jsonl',
  import.meta.url,
).pathname;

const single: JudgeTask = { protocol: 'single', instruction: 'Q?', response: 'A.' };
const pair: JudgeTask = { protocol: 'pairwise', instruction: 'Q?', first: 'A.', second: 'B.' };
const stop = (text: string): Completion => ({ text, finishReason: 'stop' });
const cutOff = (text: string): Completion => ({ text, finishReason: 'length' });

// Parsing only: judges that ask for no logprobs, so a parse is the rating or verdict alone
// (the expected rating from logprobs: expected-rating.test.ts, generative-vllm-sim.test.ts).
const judge = (name: string, protocol: 'single' | 'pairwise', language = 'en') =>
  createGenerativeJudge(loadJudgeProfile(name), {
    protocol,
    language,
    topLogprobs: 0,
    ...(name === 'mtbench' ? { model: 'some/chat-model', maxModelLen: 8192 } : {}),
  });

const realCritiques = readFileSync(CRITIQUES, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => (JSON.parse(l) as { output: string }).output);

/** Answers that have tripped parsers: markers twice, none, broken, off-scale, echoes, noise. */
const ADVERSARIAL_RATINGS = [
  'As asked, "Rating: [[5]]". ... Rating: [[7]]',
  'Rating: [[3]]\nOn reflection: Rating: [[ 8 ]] final',
  'Rating: [[6]] then Rating: [[N/A]]',
  'Rating: [[6.5]]',
  'Rating: [[10]]',
  'Rating: [[1]]',
  'Rating: [[7.]]',
  'Rating: [[0]]',
  'Rating: [[11]]',
  'Rating: [[10.5]]',
  'Rating: [[-3]]',
  'Rating: [[5/10]]',
  'Rating: [[1e1]]',
  'Rating: [[]]',
  'Rating: [[',
  'Rating: [[7',
  'rating: [[5]]',
  'Rating: [5]',
  '',
  '回应基本正确。评分: [[6]]',
  '评分:[[7]]',
  '打分:[[4]]',
  '评分：[[8]]',
  '评分: [[3]] ... 评分: [[9]]',
  '评分: [[十]]',
  'Rating: [[\u00a07\u2003]]',
];
const ADVERSARIAL_VERDICTS = [
  'So, the final decision is Response 1.',
  'So, the final decision is Response 2. It is better.',
  'So, the final decision is Tie. Neither is better.',
  'so, the FINAL DECISION IS ...',
  'So, the final decision is RESPONSE 2',
  'the final decision is Response 1 ... on reflection the final decision is Response 2',
  'So, the final decision is "Response 1".',
  'So, the final decision is **Response 2**',
  'So, the final decision is: Tie',
  'So, the final decision is \n  Response 1',
  "So, the final decision is Tie. The final decision isn't easy.",
  "final decision isn't Response 1",
  'Both responses have merits and drawbacks.',
  'So, the final decision is that both are fine',
  'So, the final decision is Response 3',
  'So, the final decision is ',
  'So, the final decision is',
  'So, the final decision is Response 1 / Response 2 / Tie',
  'So, the final decision is Tied',
  'So, the final decision is Response 10',
  '所以，最终决定是回应1。',
  '所以，最终决定是 回应2',
  '所以，最终决定是：平局',
  '最终决定是回应1/回应2/平局',
];

describe('Auto-J profiles parse exactly as the Auto-J parser', () => {
  it('the 232 real critiques and the adversarial answers, both finish reasons, en and zh', () => {
    const cases: [string, 'single' | 'pairwise', string, string[]][] = [
      ['autoj', 'single', 'en', [...realCritiques, ...ADVERSARIAL_RATINGS]],
      ['autoj', 'pairwise', 'en', [...ADVERSARIAL_VERDICTS, ...realCritiques.slice(0, 20)]],
      ['autoj-bilingual', 'single', 'zh', [...realCritiques, ...ADVERSARIAL_RATINGS]],
      ['autoj-bilingual', 'pairwise', 'zh', ADVERSARIAL_VERDICTS],
      ['autoj-gptq', 'single', 'en', ADVERSARIAL_RATINGS],
    ];
    let compared = 0;
    for (const [name, protocol, language, texts] of cases) {
      const reference = createAutojJudge({
        profile: name === 'autoj-gptq' ? 'autoj' : name,
        protocol,
        language: language as 'en',
      });
      const generic = judge(name, protocol, language);
      const task = protocol === 'single' ? single : pair;
      for (const text of texts) {
        for (const completion of [stop(text), cutOff(text)]) {
          const want = reference.parse(completion, task);
          const got = generic.parse(completion, task);
          if (language === 'zh' && want.kind === 'unparsed' && want.reason.startsWith('decision echoes')) {
            // the one difference: the Chinese echo is named in Chinese
            expect(got).toEqual({
              kind: 'unparsed',
              reason: 'decision echoes the instruction ("回应1/回应2/平局")',
            });
          } else {
            expect(got, `${name} ${protocol} ${language}: ${JSON.stringify(text.slice(-60))}`).toEqual(want);
          }
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(1100);
    // and the real critiques are read as they should be: 231 ratings, index 185 cut off
    const autoj = judge('autoj', 'single');
    expect(realCritiques.filter((t) => autoj.parse(stop(t), single).kind === 'ok')).toHaveLength(231);
  });
});

describe('Prometheus 2', () => {
  const absolute = judge('prometheus2', 'single');
  const relative = judge('prometheus2', 'pairwise');
  const rate = (text: string) => absolute.parse(stop(text), single);
  const decide = (text: string) => relative.parse(stop(text), pair);

  it('absolute grading: "[RESULT] k" on 1-5, whole numbers, the last one', () => {
    expect(rate('The response is relevant and complete. [RESULT] 4')).toEqual({ kind: 'ok', rating: 4 });
    expect(rate('Feedback: fine.\n[RESULT] 5\n')).toEqual({ kind: 'ok', rating: 5 });
    expect(rate('[RESULT] 4/5')).toEqual({ kind: 'ok', rating: 4 });
    expect(rate('[RESULT] (3)')).toEqual({ kind: 'ok', rating: 3 });
    expect(rate('[RESULT] 2. The end.')).toEqual({ kind: 'ok', rating: 2 });
    expect(rate('First thought [RESULT] 2, but on reflection [RESULT] 3')).toEqual({ kind: 'ok', rating: 3 });
    // "10" is ten (off this scale), never 1; "45" is forty-five
    expect(rate('[RESULT] 10')).toEqual({ kind: 'unparsed', reason: 'rating 10 is outside 1..5' });
    expect(rate('[RESULT] 45')).toEqual({ kind: 'unparsed', reason: 'rating 45 is outside 1..5' });
    expect(rate('[RESULT] 0')).toEqual({ kind: 'unparsed', reason: 'rating 0 is outside 1..5' });
    expect(rate('[RESULT] 4.5')).toEqual({ kind: 'unparsed', reason: 'rating 4.5 is not a whole number' });
    expect(rate('[RESULT] 4abc')).toEqual({ kind: 'unparsed', reason: 'rating is not a number: "4abc"' });
    expect(rate('[RESULT] four')).toEqual({ kind: 'unparsed', reason: 'rating is not a number: "four"' });
    expect(rate('[RESULT] ')).toEqual({ kind: 'unparsed', reason: 'rating is not a number: ""' });
    expect(rate('[RESULT] 4 and later [RESULT] N/A').kind).toBe('unparsed'); // no fallback
    expect(rate('(write a feedback) [RESULT] (an integer number between 1 and 5)').kind).toBe('unparsed');
    expect(rate('Score: 4')).toEqual({ kind: 'unparsed', reason: 'no rating (no "[RESULT]")' });
    expect(absolute.parse(cutOff('The response is'), single)).toEqual({
      kind: 'unparsed',
      reason: CUT_OFF_REASON,
    });
    expect(absolute.parse(cutOff('Good. [RESULT] 5 and'), single)).toEqual({ kind: 'ok', rating: 5 });
  });

  it('relative grading: "[RESULT] A|B", case-insensitive, the last one', () => {
    expect(decide('Feedback: B cites sources. [RESULT] B')).toEqual({ kind: 'ok', verdict: 'second' });
    expect(decide('[RESULT] A')).toEqual({ kind: 'ok', verdict: 'first' });
    expect(decide('[RESULT] a.')).toEqual({ kind: 'ok', verdict: 'first' });
    expect(decide('[RESULT] (B)')).toEqual({ kind: 'ok', verdict: 'second' });
    expect(decide('[RESULT] "A"')).toEqual({ kind: 'ok', verdict: 'first' });
    expect(decide('[RESULT] A ... no, [RESULT] B')).toEqual({ kind: 'ok', verdict: 'second' });
    expect(decide('[RESULT] Both are good').kind).toBe('unparsed'); // "B" of "Both" is no verdict
    expect(decide('[RESULT] AB').kind).toBe('unparsed');
    expect(decide('[RESULT] C').kind).toBe('unparsed'); // no tie in Prometheus' relative grading
    expect(decide('[RESULT] (A or B)')).toEqual({
      kind: 'unparsed',
      reason: 'decision echoes the instruction ("(A or B)")',
    });
    expect(decide('Response A is better.')).toEqual({
      kind: 'unparsed',
      reason: 'no decision (no "[RESULT]")',
    });
  });
});

describe('MT-Bench', () => {
  const rater = judge('mtbench', 'single');
  const comparer = judge('mtbench', 'pairwise');
  const rate = (text: string) => rater.parse(stop(text), single);
  const decide = (text: string) => comparer.parse(stop(text), pair);

  it('single-v1: the first "[[k]]" on 1-10', () => {
    expect(rate('Helpful and accurate.\n\nRating: [[8]]')).toEqual({ kind: 'ok', rating: 8 });
    expect(rate('Rating: [[10]]')).toEqual({ kind: 'ok', rating: 10 });
    expect(rate('Rating: [[1]]')).toEqual({ kind: 'ok', rating: 1 });
    expect(rate('[[7.5]]')).toEqual({ kind: 'ok', rating: 7.5 });
    expect(rate('Rating: [[6]] ... revised: Rating: [[9]]')).toEqual({ kind: 'ok', rating: 6 });
    expect(rate('Rating: [[0]]')).toEqual({ kind: 'unparsed', reason: 'rating 0 is outside 1..10' });
    expect(rate('Rating: [[N/A]]')).toEqual({ kind: 'unparsed', reason: 'rating is not a number: "N/A"' });
    expect(rate('format "[[rating]]" ... Rating: [[7]]').kind).toBe('unparsed'); // the first one counts
    expect(rate('Rating: 7')).toEqual({ kind: 'unparsed', reason: 'no rating (no "[[")' });
  });

  it('pair-v2: the first of [[A]], [[B]], [[C]]', () => {
    expect(decide('Assistant A is more detailed.\n\n[[A]]')).toEqual({ kind: 'ok', verdict: 'first' });
    expect(decide('[[B]]')).toEqual({ kind: 'ok', verdict: 'second' });
    expect(decide('Both equally good. [[C]]')).toEqual({ kind: 'ok', verdict: 'tie' });
    expect(decide('[[B]] ... on second thought [[A]]')).toEqual({ kind: 'ok', verdict: 'second' });
    expect(decide('[[a]]').kind).toBe('unparsed'); // case matters, as FastChat's "in"
    expect(decide('[[D]]').kind).toBe('unparsed');
    expect(decide('Both are fine.')).toEqual({
      kind: 'unparsed',
      reason: 'no decision (none of "[[A]]", "[[B]]", "[[C]]")',
    });
    expect(comparer.parse(cutOff('Assistant A'), pair)).toEqual({ kind: 'unparsed', reason: CUT_OFF_REASON });
  });
});

describe('parser specs directly', () => {
  const score: RatingSpec = {
    kind: 'rating',
    marker: 'Score:',
    occurrence: 'last',
    skip: '',
    scale: { min: 1, max: 10, integer: false },
  };

  it('"10" vs "1" with and without a closing marker', () => {
    expect(parseWithSpec('Score: 10', score)).toEqual({ ok: true, rating: 10 });
    expect(parseWithSpec('Score: 1', score)).toEqual({ ok: true, rating: 1 });
    expect(parseWithSpec('Score: 1 0', score)).toEqual({ ok: true, rating: 1 });
    expect(parseWithSpec('Score: 100', score)).toEqual({ ok: false, reason: 'rating 100 is outside 1..10' });
    expect(parseWithSpec('Score: [10]', { ...score, marker: 'Score: [', close: ']' })).toEqual({
      ok: true,
      rating: 10,
    });
    expect(parseWithSpec('Score: 9 Score: 10', { ...score, occurrence: 'first' })).toEqual({
      ok: true,
      rating: 9,
    });
  });

  it('never throws, whatever the completion', () => {
    const weird = [
      { text: undefined, finishReason: null },
      { text: null, finishReason: 'stop' },
      { text: 42, finishReason: undefined },
      undefined,
    ] as unknown as Completion[];
    for (const name of ['autoj', 'prometheus2', 'mtbench']) {
      for (const protocol of ['single', 'pairwise'] as const) {
        const j = judge(name, protocol);
        for (const c of weird)
          expect(j.parse(c, protocol === 'single' ? single : pair).kind).toBe('unparsed');
        expect(j.parse(stop('x'), protocol === 'single' ? pair : single)).toEqual({
          kind: 'unparsed',
          reason: `a ${protocol} judge cannot parse a ${protocol === 'single' ? 'pairwise' : 'single'} task`,
        });
      }
    }
  });
});
