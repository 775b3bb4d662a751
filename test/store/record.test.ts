import { describe, expect, it } from 'vitest';
import type { JudgeInfo } from '../../harness/core/types.js';
import type { Completion, ParsedCompletion, PreparedRequest } from '../../harness/judge/judge.js';
import { parseRating } from '../judge/autoj-reference/parse.js';
import { ENGLISH_TEMPLATES } from '../judge/autoj-reference/profiles.js';
import {
  capText,
  judgmentRecord,
  MAX_STORED_TEXT_CHARS,
  publicEndpoint,
  storedJudgment,
} from '../../harness/store/record.js';
import { keyOf } from './records.js';

const judge: JudgeInfo = {
  name: 'autoj',
  model: 'GAIR/autoj-13b',
  protocol: 'single',
  templateVersion: '0123456789abcdef',
  sampling: { temperature: 0, top_p: 1, max_tokens: 1024 },
  description: 'Auto-J 13B',
};
const request: PreparedRequest = {
  key: keyOf(1),
  model: 'autoj-13b',
  prompt: '[INST] ... [/INST]',
  sampling: { temperature: 0, top_p: 1, max_tokens: 1024 },
  truncation: { keptChars: 100, originalChars: 250 },
};
const completion: Completion = {
  text: 'Good. Rating: [[8]]',
  finishReason: 'stop',
  promptTokens: 900,
  completionTokens: 12,
};
const createdAt = new Date('2024-05-01T12:00:00.000Z');

describe('judgmentRecord', () => {
  it('builds the stored record of a parsed completion', () => {
    const record = judgmentRecord({
      judge,
      request,
      completion,
      parsed: { kind: 'ok', rating: 8 },
      latencyMs: 1500,
      endpoint: 'http://token:secret@10.0.0.5:8000/v1',
      createdAt,
    });
    expect(record).toEqual({
      key: keyOf(1),
      judge: 'autoj',
      model: 'autoj-13b',
      templateVersion: '0123456789abcdef',
      protocol: 'single',
      text: 'Good. Rating: [[8]]',
      textOriginalChars: null,
      status: 'ok',
      rating: 8,
      verdict: null,
      unparsedReason: null,
      finishReason: 'stop',
      truncation: { keptChars: 100, originalChars: 250 },
      promptTokens: 900,
      completionTokens: 12,
      tokenSource: 'server',
      latencyMs: 1500,
      endpoint: 'http://10.0.0.5:8000/v1',
      createdAt: '2024-05-01T12:00:00.000Z',
    });
  });

  it('keeps the reason of an unparsed completion and refuses an error', () => {
    const unparsed = judgmentRecord({
      judge,
      request: { ...request, truncation: undefined },
      completion: { text: 'cut', finishReason: 'length' },
      parsed: { kind: 'unparsed', reason: 'no rating' },
      latencyMs: 20,
      endpoint: 'http://127.0.0.1:8000/v1',
      createdAt,
    });
    expect(unparsed).toMatchObject({
      status: 'unparsed',
      rating: null,
      unparsedReason: 'no rating',
      truncation: null,
      promptTokens: null,
    });
    const error = { kind: 'error', message: 'HTTP 500' } as unknown as ParsedCompletion;
    expect(() =>
      judgmentRecord({ judge, request, completion, parsed: error, latencyMs: 1, endpoint: 'x', createdAt }),
    ).toThrow(/only ok\/unparsed completions are stored/);
  });
});

describe('the cap on a stored answer', () => {
  it('keeps what Auto-J can generate whole: 4,096 tokens of the longest Llama-2 pieces (16 characters)', () => {
    const longest = '-'.repeat(16 * 4096);
    expect(longest.length).toBe(MAX_STORED_TEXT_CHARS);
    expect(capText(longest)).toEqual({ text: longest, originalChars: null });
  });

  it('keeps the beginning and the end of a longer one (the verdict is at the end), recorded with the judgment', () => {
    const answer = `Start of the critique. ${'Rating: [[2]] is what a lesser answer gets. '.repeat(70_000)}So the final verdict: Rating: [[9]]`;
    expect(answer.length).toBeGreaterThan(3_000_000);
    const record = judgmentRecord({
      judge,
      request,
      completion: { text: answer, finishReason: 'length' },
      parsed: { kind: 'ok', rating: 9 },
      latencyMs: 1,
      endpoint: 'x',
      createdAt,
    });
    expect(record.textOriginalChars).toBe(answer.length);
    expect(record.text.length).toBeLessThanOrEqual(MAX_STORED_TEXT_CHARS + 80);
    expect(record.text.startsWith('Start of the critique. ')).toBe(true);
    expect(record.text.endsWith('So the final verdict: Rating: [[9]]')).toBe(true);
    const removed = answer.length - MAX_STORED_TEXT_CHARS;
    expect(record.text).toContain(`\n[autoj-bench: ${removed} characters of this answer cut here]\n`);
    // a parser applied to the stored text later finds the same verdict
    expect(parseRating(record.text, ENGLISH_TEMPLATES)).toEqual(parseRating(answer, ENGLISH_TEMPLATES));
  });

  it('never splits a surrogate pair at either end of the cut', () => {
    const emoji = '\u{1F600}';
    for (const shift of [0, 1]) {
      const text = 'a'.repeat(shift) + emoji.repeat(MAX_STORED_TEXT_CHARS);
      const { text: kept } = capText(text);
      expect(kept).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
  });
});

describe('token counts', () => {
  it('say where they come from: the server, the judge\u2019s tokenizer, or none', () => {
    const build = (c: Completion) =>
      judgmentRecord({
        judge,
        request,
        completion: c,
        parsed: { kind: 'ok', rating: 8 },
        latencyMs: 1,
        endpoint: 'x',
        createdAt,
      });
    expect(build(completion).tokenSource).toBe('server');
    expect(build({ ...completion, tokenSource: 'counted' }).tokenSource).toBe('counted');
    expect(build({ text: 'x', finishReason: 'stop' })).toMatchObject({
      promptTokens: null,
      completionTokens: null,
      tokenSource: null,
    });
  });
});

describe('storedJudgment', () => {
  it('gives the flow a judgment back, with its key and truncation flag', () => {
    const base = {
      key: 'k',
      status: 'ok',
      rating: 6,
      verdict: null,
      unparsedReason: null,
      finishReason: 'stop',
      truncation: null,
    } as const;
    expect(storedJudgment(base)).toEqual({ kind: 'ok', rating: 6, truncated: false, key: 'k' });
    expect(storedJudgment({ ...base, rating: null, verdict: 'second' })).toEqual({
      kind: 'ok',
      verdict: 'second',
      truncated: false,
      key: 'k',
    });
    expect(
      storedJudgment({
        ...base,
        status: 'unparsed',
        rating: null,
        unparsedReason: 'cut off',
        truncation: { keptChars: 1, originalChars: 2 },
      }),
    ).toEqual({ kind: 'unparsed', reason: 'cut off', truncated: true, key: 'k' });
  });
});

describe('publicEndpoint', () => {
  it.each([
    ['http://127.0.0.1:8000/v1', 'http://127.0.0.1:8000/v1'],
    ['https://u:p@host/v1', 'https://host/v1'],
    ['https://u@host/v1?key=abc#frag', 'https://host/v1'],
    ['u:p@host:8000/v1?key=abc', 'host:8000/v1'],
  ])('%s -> %s', (input, expected) => {
    expect(publicEndpoint(input)).toBe(expected);
  });
});
