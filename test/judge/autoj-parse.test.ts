import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JudgeTask } from '../../harness/core/types.js';
import type { Completion } from '../../harness/judge/judge.js';
import { createAutojJudge } from '../../harness/judge/autoj/judge.js';
import { CUT_OFF_REASON, parseRating, parseVerdict } from './autoj-reference/parse.js';
import { CHINESE_TEMPLATES, ENGLISH_TEMPLATES } from './autoj-reference/profiles.js';

const CRITIQUES = new URL(
  '../../../shared/data/auto-j/data/outputs/critique_example_output.jsonl',
  import.meta.url,
).pathname;

const single: JudgeTask = { protocol: 'single', instruction: 'Q?', response: 'A.' };
const pair: JudgeTask = { protocol: 'pairwise', instruction: 'Q?', first: 'A.', second: 'B.' };
const stop = (text: string): Completion => ({ text, finishReason: 'stop' });

describe('single protocol: the 232 real Auto-J critiques', () => {
  const outputs = readFileSync(CRITIQUES, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { output: string }).output);
  // parsing only: no logprobs asked, so a parse is the rating alone (expected-rating.test.ts)
  const judge = createAutojJudge({ topLogprobs: 0 });

  it('231 ratings, each the last "Rating: [[k]]" found by an independent regex; index 185 unparsed', () => {
    expect(outputs).toHaveLength(232);
    let parsed = 0;
    outputs.forEach((text, i) => {
      const all = [...text.matchAll(/Rating: \[\[(\d+(?:\.\d+)?)\]\]/g)];
      const expected = all.length > 0 ? Number(all[all.length - 1]![1]) : null;
      const got = judge.parse(stop(text), single);
      if (expected === null) {
        expect(got.kind, `critique ${i}`).toBe('unparsed');
      } else {
        expect(got, `critique ${i}`).toEqual({ kind: 'ok', rating: expected });
        parsed++;
      }
    });
    expect(parsed).toBe(231);
    expect(judge.parse(stop(outputs[185]!), single)).toEqual({
      kind: 'unparsed',
      reason: 'no rating (no "Rating: [[")',
    });
    // the cut-off critique, as the server reports it
    expect(judge.parse({ text: outputs[185]!, finishReason: 'length' }, single)).toEqual({
      kind: 'unparsed',
      reason: CUT_OFF_REASON,
    });
  });

  it('the ratings\u2019 distribution matches an independent count', () => {
    const histogram = new Map<number, number>();
    for (const text of outputs) {
      const j = judge.parse(stop(text), single);
      if (j.kind === 'ok') histogram.set(j.rating!, (histogram.get(j.rating!) ?? 0) + 1);
    }
    const independent = new Map<number, number>();
    for (const text of outputs) {
      const m = /Rating: \[\[(\d+)\]\](?![\s\S]*Rating: \[\[)/.exec(text);
      if (m) independent.set(Number(m[1]), (independent.get(Number(m[1])) ?? 0) + 1);
    }
    expect(histogram).toEqual(independent);
    expect([...histogram.values()].reduce((a, b) => a + b, 0)).toBe(231);
  });
});

describe('single protocol: edge cases', () => {
  const rate = (text: string) => parseRating(text, ENGLISH_TEMPLATES);

  it('the last marker wins', () => {
    expect(rate('As asked, "Rating: [[5]]". ... Rating: [[7]]')).toEqual({ ok: true, rating: 7 });
    expect(rate('Rating: [[3]]\nOn reflection: Rating: [[ 8 ]] final')).toEqual({ ok: true, rating: 8 });
    // the last marker is broken: no fallback to an earlier one
    expect(rate('Rating: [[6]] then Rating: [[N/A]]').ok).toBe(false);
  });

  it('decimals as the authors\u2019 float(), bounds 1..10', () => {
    expect(rate('Rating: [[6.5]]')).toEqual({ ok: true, rating: 6.5 });
    expect(rate('Rating: [[10]]')).toEqual({ ok: true, rating: 10 });
    expect(rate('Rating: [[1]]')).toEqual({ ok: true, rating: 1 });
    expect(rate('Rating: [[7.]]')).toEqual({ ok: true, rating: 7 });
    expect(rate('Rating: [[0]]')).toEqual({ ok: false, reason: 'rating 0 is outside 1..10' });
    expect(rate('Rating: [[11]]')).toEqual({ ok: false, reason: 'rating 11 is outside 1..10' });
    expect(rate('Rating: [[10.5]]').ok).toBe(false);
    expect(rate('Rating: [[0.5]]').ok).toBe(false);
  });

  it('non-numeric, missing, unclosed: unparsed with a reason, never 0', () => {
    expect(rate('Rating: [[N/A]]')).toEqual({ ok: false, reason: 'rating is not a number: "N/A"' });
    expect(rate('Rating: [[rating]]').ok).toBe(false);
    expect(rate('Rating: [[-3]]').ok).toBe(false);
    expect(rate('Rating: [[5/10]]').ok).toBe(false);
    expect(rate('Rating: [[1e1]]').ok).toBe(false);
    expect(rate('Rating: [[nan]]').ok).toBe(false);
    expect(rate('Rating: [[]]')).toEqual({ ok: false, reason: 'rating is not a number: ""' });
    expect(rate('Rating: [[')).toEqual({
      ok: false,
      reason: 'rating not closed ("Rating: [[" without "]]")',
    });
    expect(rate('Rating: [[7')).toEqual({
      ok: false,
      reason: 'rating not closed ("Rating: [[" without "]]")',
    });
    expect(rate('Overall the response is adequate.')).toEqual({
      ok: false,
      reason: 'no rating (no "Rating: [[")',
    });
    expect(rate('rating: [[5]]').ok).toBe(false); // case matters, as for the authors
    expect(rate('Rating: [5]').ok).toBe(false);
    expect(rate('')).toEqual({ ok: false, reason: 'no rating (no "Rating: [[")' });
  });

  it('finish_reason length: unparsed as cut off unless a rating made it', () => {
    const judge = createAutojJudge({ topLogprobs: 0 });
    expect(judge.parse({ text: 'The response is good but', finishReason: 'length' }, single)).toEqual({
      kind: 'unparsed',
      reason: CUT_OFF_REASON,
    });
    expect(judge.parse({ text: 'Rating: [[', finishReason: 'length' }, single)).toEqual({
      kind: 'unparsed',
      reason: CUT_OFF_REASON,
    });
    expect(judge.parse({ text: 'Fine. Rating: [[6]] and more', finishReason: 'length' }, single)).toEqual({
      kind: 'ok',
      rating: 6,
    });
  });

  it('never throws, whatever it is given', () => {
    const judge = createAutojJudge({ topLogprobs: 0 });
    const weird = [
      { text: undefined, finishReason: null },
      { text: null, finishReason: 'stop' },
      { text: 42, finishReason: undefined },
    ] as unknown as Completion[];
    for (const c of weird) expect(judge.parse(c, single).kind).toBe('unparsed');
    expect(judge.parse(stop('Rating: [[5]]'), pair)).toEqual({
      kind: 'unparsed',
      reason: 'a single judge cannot parse a pairwise task',
    });
    expect(judge.parse(stop('Rating: [[5]]'), undefined as unknown as JudgeTask).kind).toBe('unparsed');
  });

  it('Chinese ratings: the template\u2019s "评分: [[x]]" and the authors\u2019 parser\u2019s forms', () => {
    const zh = (text: string) => parseRating(text, CHINESE_TEMPLATES);
    expect(zh('回应基本正确。评分: [[6]]')).toEqual({ ok: true, rating: 6 });
    expect(zh('评分:[[7]]')).toEqual({ ok: true, rating: 7 });
    expect(zh('打分:[[4]]')).toEqual({ ok: true, rating: 4 });
    expect(zh('评分：[[8]]')).toEqual({ ok: true, rating: 8 });
    expect(zh('评分: [[3]] ... 评分: [[9]]')).toEqual({ ok: true, rating: 9 });
    expect(zh('Rating: [[5]]')).toEqual({ ok: false, reason: 'no rating (no "评分: [[")' });
    expect(zh('评分: [[十]]').ok).toBe(false);
    const judge = createAutojJudge({ profile: 'autoj-bilingual', language: 'zh', topLogprobs: 0 });
    expect(judge.parse(stop('这个回应很好。\n\n评分: [[8]]'), single)).toEqual({ kind: 'ok', rating: 8 });
  });
});

describe('pairwise protocol', () => {
  const verdict = (text: string) => parseVerdict(text, ENGLISH_TEMPLATES);

  it('what follows the last "final decision is ", case-insensitive', () => {
    expect(verdict('So, the final decision is Response 1.')).toEqual({ ok: true, verdict: 'first' });
    expect(verdict('So, the final decision is Response 2. It is better.')).toEqual({
      ok: true,
      verdict: 'second',
    });
    expect(verdict('So, the final decision is Tie. Neither is better.')).toEqual({
      ok: true,
      verdict: 'tie',
    });
    expect(verdict('so, the FINAL DECISION IS ...').ok).toBe(false); // the marker itself is case-sensitive
    expect(verdict('So, the final decision is RESPONSE 2')).toEqual({ ok: true, verdict: 'second' });
    expect(verdict('So, the final decision is tie')).toEqual({ ok: true, verdict: 'tie' });
    expect(
      verdict('the final decision is Response 1 ... on reflection the final decision is Response 2'),
    ).toEqual({
      ok: true,
      verdict: 'second',
    });
  });

  it('punctuation before the verdict is skipped', () => {
    expect(verdict('So, the final decision is "Response 1".')).toEqual({ ok: true, verdict: 'first' });
    expect(verdict('So, the final decision is **Response 2**')).toEqual({ ok: true, verdict: 'second' });
    expect(verdict('So, the final decision is: Tie')).toEqual({ ok: true, verdict: 'tie' });
    expect(verdict('So, the final decision is \n  Response 1')).toEqual({ ok: true, verdict: 'first' });
    expect(verdict('final decision is: Response 2')).toEqual({ ok: true, verdict: 'second' });
    // "final decision isn't" is not the marker; the earlier decision stands
    expect(verdict("So, the final decision is Tie. The final decision isn't easy.")).toEqual({
      ok: true,
      verdict: 'tie',
    });
    expect(verdict("final decision isn't Response 1").ok).toBe(false);
  });

  it('no decision, an unknown one, or an echo of the instruction: unparsed', () => {
    expect(verdict('Both responses have merits and drawbacks.')).toEqual({
      ok: false,
      reason: 'no decision (no "final decision is")',
    });
    expect(verdict('So, the final decision is that both are fine').ok).toBe(false);
    expect(verdict('So, the final decision is Response 3').ok).toBe(false);
    expect(verdict('So, the final decision is ')).toEqual({ ok: false, reason: 'unknown decision: ""' });
    expect(verdict('So, the final decision is Response 1 / Response 2 / Tie')).toEqual({
      ok: false,
      reason: 'decision echoes the instruction ("Response 1 / Response 2 / Tie")',
    });
  });

  it('through the judge, with finish reasons', () => {
    const judge = createAutojJudge({ protocol: 'pairwise' });
    expect(judge.parse(stop('1. ...\n\nSo, the final decision is Response 2. Because.'), pair)).toEqual({
      kind: 'ok',
      verdict: 'second',
    });
    expect(judge.parse({ text: '1. The key factors', finishReason: 'length' }, pair)).toEqual({
      kind: 'unparsed',
      reason: CUT_OFF_REASON,
    });
    expect(judge.parse(stop('Rating: [[5]]'), pair).kind).toBe('unparsed');
    expect(judge.parse(stop('So, the final decision is Tie'), single)).toEqual({
      kind: 'unparsed',
      reason: 'a pairwise judge cannot parse a single task',
    });
  });

  it('Chinese verdicts as the authors\u2019 zh_extract_pariwise_result', () => {
    const zh = (text: string) => parseVerdict(text, CHINESE_TEMPLATES);
    expect(zh('所以，最终决定是回应1。')).toEqual({ ok: true, verdict: 'first' });
    expect(zh('所以，最终决定是 回应2')).toEqual({ ok: true, verdict: 'second' });
    expect(zh('所以，最终决定是：平局')).toEqual({ ok: true, verdict: 'tie' });
    expect(zh('最终决定是回应1/回应2/平局').ok).toBe(false);
    expect(zh('So, the final decision is Response 1')).toEqual({
      ok: false,
      reason: 'no decision (no "最终决定是")',
    });
  });
});
