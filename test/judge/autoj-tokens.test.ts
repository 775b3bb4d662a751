import v8 from 'node:v8';
import vm from 'node:vm';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import llamaTokenizer from 'llama-tokenizer-js';
import { describe, expect, it } from 'vitest';
import { createAutojJudge } from '../../harness/judge/autoj/judge.js';
import {
  autojTokenCounter,
  bilingualEstimateCounter,
  byteTokenCounter,
  fitsWithin,
  Llama2Counter,
  llama2TokenCounter,
  scaledCounter,
  simTokenCounter,
  utf8Bytes,
  type TokenCounter,
} from '../../harness/judge/autoj/tokens.js';

const RESULTS = new URL('../../../shared/data/alpaca_eval/results', import.meta.url).pathname;

/** A deterministic sample of real AlpacaEval outputs: every `step`-th of every model. */
function alpacaOutputs(step: number): string[] {
  const out: string[] = [];
  for (const model of readdirSync(RESULTS).sort()) {
    const file = `${RESULTS}/${model}/model_outputs.json.gz`;
    if (!existsSync(file)) continue;
    const rows = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { output: string | null }[];
    for (let i = 0; i < rows.length; i += step) out.push(rows[i]!.output ?? '');
  }
  return out;
}

const reference = (text: string) => (text === '' ? 1 : llamaTokenizer.encode(text).length);

const EDGE_CASES = [
  'Hello world!',
  ' leading space',
  '           grabbed',
  'trailing spaces   ',
  'a  b    c\n    d\n\n\n',
  'tabs\tand\r\nwindows line ends\r\n',
  'In 1990, 12345 and x2020 ÷ 3.14159',
  '中国的首都是哪里？中国的首都是北京。为上传的针对给定用户问题的回应撰写评论',
  'emoji 😀👍🏽 and a lone surrogate \ud800 here',
  'a\u2581 b \u2581\u2581 literal metaspaces',
  '-'.repeat(1000),
  '='.repeat(77) + '\n' + '|---|---|---|'.repeat(40),
  'aGVsbG8gd29ybGQ'.repeat(300),
  'https://example.com/a/very/long/path?with=query&and=more#fragment'.repeat(20),
  '    def f(x):\n        return x ** 2  # comment\n',
  '<s> </s> [INST] <<SYS>> [/INST]',
  'Ünïcödé àccénts, ß, Ω, Ж, ע, ع, ह',
];

describe('Llama2Counter: exact Llama-2 counts, fast', () => {
  const counter = new Llama2Counter();

  it('matches llama-tokenizer-js on edge cases', () => {
    for (const text of EDGE_CASES)
      expect(counter.count(text), JSON.stringify(text.slice(0, 40))).toBe(reference(text));
    expect(counter.count('')).toBe(1);
  });

  it('matches llama-tokenizer-js on real AlpacaEval outputs', () => {
    const sample = alpacaOutputs(353); // ~500 outputs of ~227 models
    expect(sample.length).toBeGreaterThan(400);
    for (const text of sample) expect(counter.count(text)).toBe(reference(text));
  });

  it('counts the same with a warm cache, and atMost agrees with count', () => {
    const warm = new Llama2Counter();
    for (const text of EDGE_CASES) warm.count(text);
    for (const text of EDGE_CASES) {
      const n = counter.count(text);
      expect(warm.count(text)).toBe(n);
      expect(warm.atMost(text, n)).toBe(true);
      expect(warm.atMost(text, n - 1)).toBe(false);
    }
  });

  it('counts the same while its chunk cache grows (it starts small and doubles)', () => {
    const growing = new Llama2Counter();
    // ~40k distinct chunks: the cache doubles from 16k slots to 128k on the way
    const texts = Array.from({ length: 20 }, (_, t) =>
      Array.from({ length: 2000 }, (_, i) => `w${(t * 2000 + i).toString(36)}q`).join(' '),
    );
    const expected = texts.map(reference);
    expect(texts.map((t) => growing.count(t))).toEqual(expected);
    // and again from the grown cache
    expect(texts.map((t) => growing.count(t))).toEqual(expected);
    for (const text of EDGE_CASES) expect(growing.count(text)).toBe(reference(text));
  });

  it('upperBound (bytes + 2) is never below the count', () => {
    for (const text of EDGE_CASES)
      expect(counter.upperBound(text)).toBeGreaterThanOrEqual(counter.count(text));
  });
});

describe('counter combinators', () => {
  const fake: TokenCounter = { name: 'chars', count: (t) => t.length };

  it('the autoj judge counts exactly: no bytes/4 floor, so what fits is sent whole', () => {
    const judge = createAutojJudge();
    const exact = new Llama2Counter();
    expect(judge.tokenCounter.name).toBe('llama2');
    expect(autojTokenCounter()).toBe(llama2TokenCounter());
    for (const text of EDGE_CASES) expect(judge.tokenCounter.count(text)).toBe(reference(text));
    // Llama-2 packs 16 dashes into a token: 16,000 of them are ~1,000 tokens, not 4,000
    const dashes = '-'.repeat(16_000);
    expect(exact.count(dashes)).toBeLessThan(1_100);
    const req = judge.prepare({ protocol: 'single', instruction: 'Draw a line.', response: dashes });
    expect(req.truncation).toBeUndefined();
    expect(exact.count(req.prompt)).toBeLessThanOrEqual(judge.promptTokenLimit);
    expect(Math.ceil(utf8Bytes(req.prompt) / 4)).toBeGreaterThan(judge.promptTokenLimit);
  });

  it('scaledCounter rounds up and its atMost agrees with count at every limit', () => {
    const c = scaledCounter(fake, 1.1);
    for (let len = 0; len < 300; len += 7) {
      const text = 'x'.repeat(len);
      const n = c.count(text);
      expect(n).toBe(Math.ceil(1.1 * len));
      expect(fitsWithin(c, text, n)).toBe(true);
      expect(fitsWithin(c, text, n - 1)).toBe(false);
    }
    expect(() => scaledCounter(fake, 0.9)).toThrow(/>= 1/);
  });

  it('simTokenCounter is vllm-sim\u2019s count; byteTokenCounter bounds any byte-fallback BPE', () => {
    expect(simTokenCounter.count('')).toBe(1);
    expect(simTokenCounter.count('abcdef')).toBe(1);
    expect(simTokenCounter.count('abcdefg')).toBe(2);
    for (const text of EDGE_CASES) {
      expect(byteTokenCounter.count(text)).toBe(utf8Bytes(text) + 2);
      expect(byteTokenCounter.count(text)).toBeGreaterThanOrEqual(reference(text));
    }
  });

  it('the bilingual estimate is a declared 1.1 x the Llama-2 count', () => {
    const b = bilingualEstimateCounter();
    const l = new Llama2Counter();
    expect(b.name).toBe('1.1xllama2');
    for (const text of EDGE_CASES) expect(b.count(text)).toBe(Math.ceil(1.1 * l.count(text)));
  });
});

describe('Llama2Counter chunk cache', () => {
  it('keeps its words, not the texts they were cut from', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const counter = new Llama2Counter();
    const heap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const before = heap();
    for (let i = 0; i < 100; i++) {
      // a 200 kB text whose one new word (cached) comes from a slice of it
      const text = `${'the '.repeat(50_000)}distinctiveword${i}x${'y'.repeat(20)} end`;
      counter.count(text);
    }
    // 100 texts of 200 kB would be 20 MB if the cached words kept them alive
    expect(heap() - before).toBeLessThan(5_000_000);
  });
});
