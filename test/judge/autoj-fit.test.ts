import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { PairTask, SingleTask } from '../../harness/core/types.js';
import { createAutojJudge, DEFAULT_SAFETY_MARGIN } from '../../harness/judge/autoj/judge.js';
import { cut, fitPrompt } from '../../harness/judge/autoj/fit.js';
import { compileTemplate, PAIRWISE_TIE_EN, SINGLE_EN } from './autoj-reference/templates.js';
import {
  fitsWithin,
  Llama2Counter,
  simTokenCounter,
  type TokenCounter,
} from '../../harness/judge/autoj/tokens.js';
import { canonicalJson, judgmentKey, sha256Hex } from '../../harness/judge/key.js';

const RESULTS = new URL('../../../shared/data/alpaca_eval/results', import.meta.url).pathname;
const PAIRWISE = new URL('../../../shared/data/auto-j/data/test/testdata_pairwise.jsonl', import.meta.url)
  .pathname;
const SIM_CONTEXT = 4096; // vllm-sim's default --max-model-len
const simTokens = (prompt: string) => simTokenCounter.count(prompt);
/** Auto-J's whole prompts, uncut, by the frozen reference's templates */
const SINGLE_WHOLE = compileTemplate('single', SINGLE_EN);
const PAIRWISE_WHOLE = compileTemplate('pairwise_tie', PAIRWISE_TIE_EN);

/** A long, varied English text: ~`words` words, deterministic. */
function essay(words: number): string {
  const vocab = [
    'the',
    'response',
    'explains',
    'clearly',
    'why',
    'model',
    'judges',
    'prefer',
    'longer',
    'answers,',
  ];
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(vocab[(i * 7 + (i >> 3)) % vocab.length]!);
  return out.join(' ').replace(/(.{80}) /g, '$1\n');
}

describe('context fitting: a huge response', () => {
  const judge = createAutojJudge();
  const exact = new Llama2Counter();
  const huge = essay(20_000); // ~25k tokens, far beyond 4,096
  const task: SingleTask = { protocol: 'single', instruction: 'Summarize the debate.', response: huge };

  it('fits the prompt, cuts only the response, records the cut', () => {
    const req = judge.prepare(task);
    const limit = 4096 - 1024 - DEFAULT_SAFETY_MARGIN;
    expect(judge.promptTokenLimit).toBe(limit);
    expect(exact.count(req.prompt)).toBeLessThanOrEqual(limit);
    expect(simTokens(req.prompt) + req.sampling.max_tokens).toBeLessThanOrEqual(SIM_CONTEXT);
    // close to the limit, by the exact count
    expect(exact.count(req.prompt)).toBeGreaterThan(limit - 10);
    const t = req.truncation!;
    expect(t.originalChars).toBe(huge.length);
    expect(t.keptChars).toBeGreaterThan(5000);
    expect(t.keptChars).toBeLessThan(huge.length);
    expect(t.instruction).toBeUndefined();
    // the template is intact around a prefix of the response
    const kept = huge.slice(0, t.keptChars);
    expect(req.prompt).toBe(
      compileTemplate('single', SINGLE_EN).fill({ prompt: task.instruction, response: kept }),
    );
    // the cut is tight: one more character would not fit
    const longer = compileTemplate('single', SINGLE_EN).fill({
      prompt: task.instruction,
      response: huge.slice(0, t.keptChars + 1),
    });
    expect(fitsWithin(judge.tokenCounter, longer, limit)).toBe(false);
  });

  it('keys are deterministic and identify model, template, prompt and sampling', () => {
    const a = judge.prepare(task);
    const b = createAutojJudge().prepare(task);
    expect(b.key).toBe(a.key);
    expect(b.prompt).toBe(a.prompt);
    expect(a.key).toMatch(/^[0-9a-f]{64}$/);
    expect(a.key).toBe(
      sha256Hex(
        canonicalJson({
          model: 'GAIR/autoj-13b',
          prompt: a.prompt,
          sampling: { max_tokens: 1024, temperature: 0, top_p: 1 },
          templateVersion: judge.info.templateVersion,
        }),
      ),
    );
    const keys = new Set([
      a.key,
      createAutojJudge({ profile: 'autoj-bilingual' }).prepare(task).key, // model
      createAutojJudge({ maxTokens: 512 }).prepare(task).key, // sampling (and so the fit)
      createAutojJudge({ profile: 'autoj-bilingual', language: 'zh' }).prepare(task).key, // template
      judge.prepare({ ...task, response: 'short' }).key, // prompt
    ]);
    expect(keys.size).toBe(5);
    // the key covers only what determines the answer
    const base = {
      model: 'm',
      templateVersion: 't',
      prompt: 'p',
      sampling: { temperature: 0, top_p: 1, max_tokens: 8 },
    };
    expect(judgmentKey(base)).not.toBe(
      judgmentKey({ ...base, sampling: { ...base.sampling, temperature: 0.7 } }),
    );
    expect(judgmentKey(base)).not.toBe(judgmentKey({ ...base, templateVersion: 'u' }));
    // every field of the sampling record is sent to the server, so every field is keyed
    // (issue 10); client settings (timeouts, API keys) never belong in the record
    const withExtra = { ...base, sampling: { ...base.sampling, repetition_penalty: 1.03 } };
    expect(judgmentKey(withExtra)).not.toBe(judgmentKey(base));
  });

  it('the served model name, a server detail, changes the request but not the key', () => {
    const aliased = createAutojJudge({ servedModelName: 'autoj' });
    const a = aliased.prepare(task);
    expect(a.model).toBe('autoj');
    expect(aliased.info.model).toBe('autoj');
    expect(a.key).toBe(judge.prepare(task).key);
  });

  it('a larger served context keeps more; a smaller one keeps less', () => {
    const big = createAutojJudge({ maxModelLen: 8192 }).prepare(task);
    const small = createAutojJudge({ maxModelLen: 2048 }).prepare(task);
    const normal = judge.prepare(task);
    expect(big.truncation!.keptChars).toBeGreaterThan(normal.truncation!.keptChars);
    expect(small.truncation!.keptChars).toBeLessThan(normal.truncation!.keptChars);
    expect(exact.count(small.prompt)).toBeLessThanOrEqual(2048 - 1024 - DEFAULT_SAFETY_MARGIN);
  });

  it('rejects a configuration that leaves no room for the template', () => {
    expect(() => createAutojJudge({ maxModelLen: 1100 })).toThrow(/template alone needs \d+ prompt tokens/);
    expect(() => createAutojJudge({ maxTokens: 0 })).toThrow(/positive integer/);
    expect(() => createAutojJudge({ maxModelLen: 4096.5 })).toThrow(/positive integer/);
  });

  it('short responses are sent as they are, without truncation', () => {
    const req = judge.prepare({ protocol: 'single', instruction: 'Q?', response: essay(300) });
    expect(req.truncation).toBeUndefined();
  });
});

describe('context fitting: pairwise and huge instructions', () => {
  const judge = createAutojJudge({ protocol: 'pairwise' });
  const exact = new Llama2Counter();
  const limit = judge.promptTokenLimit;

  it('cuts the longer response first, down to the shorter one\u2019s length', () => {
    const long = essay(6000);
    const short = essay(700);
    const req = judge.prepare({
      protocol: 'pairwise',
      instruction: 'Which is better?',
      first: long,
      second: short,
    });
    const t = req.truncation!;
    expect(exact.count(req.prompt)).toBeLessThanOrEqual(limit);
    expect(t.responses).toEqual([
      { keptChars: t.keptChars - short.length, originalChars: long.length },
      { keptChars: short.length, originalChars: short.length },
    ]);
    expect(t.responses![0]!.keptChars).toBeGreaterThan(short.length);
    expect(t.originalChars).toBe(long.length + short.length);
  });

  it('cuts both to a common length when both are long', () => {
    const a = essay(5000);
    const b = essay(5000).toUpperCase();
    const req = judge.prepare({ protocol: 'pairwise', instruction: 'Which is better?', first: a, second: b });
    const [ra, rb] = req.truncation!.responses!;
    expect(ra!.keptChars).toBe(rb!.keptChars);
    expect(exact.count(req.prompt)).toBeLessThanOrEqual(limit);
    expect(req.prompt).toContain(
      `[Response 1]: ${a.slice(0, ra!.keptChars)}\n***\n[Response 2]: ${b.slice(0, rb!.keptChars)}\n***`,
    );
  });

  it('a huge instruction is cut too, keeping room for the responses, and that is recorded', () => {
    const post = essay(8000);
    const task: PairTask = { protocol: 'pairwise', instruction: post, first: essay(200), second: essay(250) };
    const req = judge.prepare(task);
    const t = req.truncation!;
    expect(exact.count(req.prompt)).toBeLessThanOrEqual(limit);
    expect(t.instruction!.originalChars).toBe(post.length);
    expect(t.instruction!.keptChars).toBeGreaterThan(1000);
    expect(t.instruction!.keptChars).toBeLessThan(post.length);
    // the responses are short enough to stay whole
    expect(t.keptChars).toBe(task.first.length + task.second.length);
    expect(req.prompt).toContain(
      `[Query]: ${post.slice(0, t.instruction!.keptChars)}\n***\n[Response 1]: ${task.first}\n`,
    );
    expect(judge.prepare(task).key).toBe(req.key);
  });

  it('a huge instruction with huge responses: each side gets about half', () => {
    const single = createAutojJudge();
    const req = single.prepare({ protocol: 'single', instruction: essay(8000), response: essay(8000) });
    const t = req.truncation!;
    expect(exact.count(req.prompt)).toBeLessThanOrEqual(single.promptTokenLimit);
    const ratio = t.instruction!.keptChars / t.keptChars;
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.25);
  });
});

describe('fitPrompt with an injected counter', () => {
  const chars: TokenCounter = { name: 'chars', count: (t) => t.length };
  const build = (instruction: string, responses: readonly string[]) =>
    `<${instruction}|${responses.join('|')}>`;

  it('only as much as fits, by the injected count', () => {
    const r = fitPrompt({ build, instruction: 'q', responses: ['a'.repeat(50)], limit: 20, counter: chars });
    expect(r.prompt).toBe(`<q|${'a'.repeat(16)}>`);
    expect(r.truncation).toEqual({ keptChars: 16, originalChars: 50 });
    expect(fitPrompt({ build, instruction: 'q', responses: ['abc'], limit: 20, counter: chars })).toEqual({
      prompt: '<q|abc>',
    });
  });

  it('never splits a surrogate pair', () => {
    expect(cut('ab😀cd', 3)).toBe('ab');
    expect(cut('ab😀cd', 4)).toBe('ab😀');
    const r = fitPrompt({ build, instruction: '', responses: ['😀😀😀😀'], limit: 8, counter: chars });
    expect(r.prompt).toBe('<|😀😀>');
  });
});

describe('real AlpacaEval outputs', () => {
  /** The `n` longest outputs (by utf8 bytes) over all submissions, with their instructions. */
  function longest(n: number): { instruction: string; output: string; bytes: number }[] {
    const all: { instruction: string; output: string; bytes: number }[] = [];
    for (const model of readdirSync(RESULTS).sort()) {
      const file = `${RESULTS}/${model}/model_outputs.json.gz`;
      if (!existsSync(file)) continue;
      const rows = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as {
        instruction: string;
        output: string | null;
      }[];
      for (const r of rows) {
        const output = r.output ?? '';
        const bytes = Buffer.byteLength(output);
        if (bytes > 8_000) all.push({ instruction: r.instruction, output, bytes });
      }
    }
    return all.sort((a, b) => b.bytes - a.bytes).slice(0, n);
  }

  it('the longest outputs never exceed the exact Llama-2 limit, and are cut only when they do not fit', () => {
    const judge = createAutojJudge();
    const exact = new Llama2Counter();
    const rows = longest(150);
    expect(rows.length).toBe(150);
    expect(rows[0]!.bytes).toBeGreaterThan(60_000);
    let truncated = 0;
    let wholeAboveBytes4 = 0;
    for (const r of rows) {
      const task = { protocol: 'single', instruction: r.instruction, response: r.output } as const;
      const req = judge.prepare(task);
      expect(exact.count(req.prompt) + req.sampling.max_tokens).toBeLessThanOrEqual(SIM_CONTEXT);
      // cut exactly when the whole prompt does not fit by the exact count (no bytes/4 floor)
      const full = SINGLE_WHOLE.fill({ prompt: r.instruction, response: r.output });
      expect(req.truncation !== undefined).toBe(exact.count(full) > judge.promptTokenLimit);
      if (req.truncation) truncated++;
      else if (Math.ceil(Buffer.byteLength(full) / 4) > judge.promptTokenLimit) wholeAboveBytes4++;
    }
    expect(truncated).toBeGreaterThan(100);
    // prompts that fit although bytes/4 says they do not (the floor used to cut them)
    expect(wholeAboveBytes4).toBeGreaterThan(0);
  });
});

describe('real Auto-J pairwise test data', () => {
  it('all 1,392 pairs fit both ways round; long posts are cut as recorded', () => {
    const rows = readFileSync(PAIRWISE, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { prompt: string; 'response 1': string; 'response 2': string });
    expect(rows).toHaveLength(1392);
    const judge = createAutojJudge({ protocol: 'pairwise' });
    const exact = new Llama2Counter();
    let truncated = 0;
    let instructionCut = 0;
    for (const r of rows) {
      for (const [first, second] of [
        [r['response 1'], r['response 2']],
        [r['response 2'], r['response 1']],
      ] as const) {
        const req = judge.prepare({ protocol: 'pairwise', instruction: r.prompt, first, second });
        expect(simTokens(req.prompt) + req.sampling.max_tokens).toBeLessThanOrEqual(SIM_CONTEXT);
        expect(exact.count(req.prompt) + req.sampling.max_tokens).toBeLessThanOrEqual(SIM_CONTEXT);
        // cut exactly when the whole prompt does not fit by the exact count (no bytes/4 floor)
        const full = PAIRWISE_WHOLE.fill({ prompt: r.prompt, response: first, response_another: second });
        expect(req.truncation !== undefined).toBe(exact.count(full) > judge.promptTokenLimit);
        if (req.truncation) truncated++;
        if (req.truncation?.instruction) instructionCut++;
      }
    }
    expect(truncated).toBeGreaterThan(0);
    expect(instructionCut).toBeGreaterThan(0);
    expect(truncated).toBeLessThan(0.2 * 2 * rows.length);
  });
});
