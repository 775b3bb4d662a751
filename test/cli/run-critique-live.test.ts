import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBench } from '../helpers/cli.js';
import { startFakeOpenAI } from '../helpers/fake-openai.js';
import { loggedSimForFile, readSimLog } from '../helpers/vllm-sim.js';

/**
 * Live `bench run critique` from the command line, judge and comparator each on a vllm-sim:
 * win / tie / lose are the comparator's logged answers mapped back through the recorded
 * order, unparsed answers are counted, and a rerun sends nothing to either. The judge's
 * API key is never sent to the comparator.
 */

const judge = loggedSimForFile('run-critique-judge');
const comparator = loggedSimForFile('run-critique-comparator', [
  '--model',
  'gpt-4-sim',
  '--max-model-len',
  '16384',
  '--garble-rate',
  '0.15',
]);
const work = judge.work;

interface Doc {
  judge: { name: string; mode: string };
  comparator: { name: string; model: string };
  overall: { win: number; tie: number; lose: number; n: number; unparsed: number; missing: number };
  order: { source: string; seed: number };
  items: { exchange: boolean; critique: string; reference: string; outcome: string | null }[];
}

/** A chat completion from `model` answering `content`, as the fake server sends it. */
function chatReply(model: string, content: string) {
  return {
    body: {
      id: 'chat-fake',
      object: 'chat.completion',
      created: 0,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 },
    },
  };
}

describe('bench run critique, live', () => {
  it('win / tie / lose are the logged answers mapped back; a rerun sends nothing', async () => {
    const store = join(work, 'judgments.sqlite');
    const args = [
      'run',
      'critique',
      '--endpoint',
      judge.sim().url,
      '--comparator-endpoint',
      comparator.sim().url,
      '--store',
      store,
      '--seed',
      '7',
      '--bootstrap',
      '50',
      '--json',
    ];
    const r = await runBench(args);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.judge).toMatchObject({ name: 'autoj', mode: 'live' });
    expect(doc.comparator).toMatchObject({ name: 'critique-comparator', model: 'gpt-4-sim' });
    expect(doc.order).toMatchObject({ source: 'seeded', seed: 7 });
    expect(doc.items).toHaveLength(232);

    const logged = new Map(
      (await readSimLog(comparator.log, 232)).map((l) => [JSON.stringify(l.responses), l.verdict]),
    );
    const tally = { win: 0, tie: 0, lose: 0, unparsed: 0 };
    for (const item of doc.items) {
      const shown = item.exchange ? [item.reference, item.critique] : [item.critique, item.reference];
      const verdict = logged.get(JSON.stringify(shown.map((t) => t.trim())));
      expect(verdict, 'a logged comparison of the two critiques in the recorded order').toBeDefined();
      if (verdict === null) tally.unparsed++;
      else if (verdict === 'C') tally.tie++;
      else if ((verdict === 'A') !== item.exchange) tally.win++;
      else tally.lose++;
    }
    const n = tally.win + tally.tie + tally.lose;
    expect(tally.unparsed).toBeGreaterThan(0);
    expect(doc.items.some((i) => i.exchange) && doc.items.some((i) => !i.exchange)).toBe(true);
    expect(doc.overall).toMatchObject({ n, unparsed: tally.unparsed, missing: 0 });
    expect(doc.overall.win).toBe((100 * tally.win) / n);
    expect(doc.overall.tie).toBe((100 * tally.tie) / n);
    expect(doc.overall.lose).toBe((100 * tally.lose) / n);

    const before = [(await judge.sim().stats()).requests, (await comparator.sim().stats()).requests];
    const again = await runBench(args);
    expect(again.code, again.stderr).toBe(0);
    expect([(await judge.sim().stats()).requests, (await comparator.sim().stats()).requests]).toEqual(before);
    expect(again.stderr).toMatch(/232 critiques \(232 from the store, 0 sent\)/);
    expect((JSON.parse(again.stdout) as Doc).overall).toEqual(doc.overall);
  });

  it("the comparator gets its own API key, never the judge's", async () => {
    const chat = chatReply('cmp', 'C: Neither is significantly better.\n\nReason: alike.');
    const fake = await startFakeOpenAI({
      models: [{ id: 'cmp', max_model_len: 16384 }],
      routes: { 'POST /v1/chat/completions': () => chat },
    });
    try {
      const base = ['run', 'critique', '--endpoint', judge.sim().url, '--comparator-endpoint', fake.url];
      const store = ['--store', join(work, 'keys.sqlite'), '--bootstrap', '0', '--json'];
      const env = { env: { BENCH_API_KEY: 'judge-secret' } };
      const keyless = await runBench([...base, ...store], env);
      expect(keyless.code, keyless.stderr).toBe(0);
      expect(JSON.parse(keyless.stdout)).toMatchObject({ overall: { tie: 100, n: 232 } });
      expect(fake.requests.length).toBeGreaterThan(0);
      expect(fake.requests.every((q) => q.headers.authorization === undefined)).toBe(true);
      const keyed = await runBench([...base, '--comparator-model', 'cmp', ...store], {
        env: { BENCH_API_KEY: 'judge-secret', COMPARATOR_API_KEY: 'comparator-secret' },
      });
      expect(keyed.code, keyed.stderr).toBe(0);
      const withKey = fake.requests.filter((q) => q.headers.authorization !== undefined);
      expect(withKey.length).toBeGreaterThan(0);
      expect(withKey.every((q) => q.headers.authorization === 'Bearer comparator-secret')).toBe(true);
    } finally {
      await fake.close();
    }
  });

  it('a comparator endpoint without max_model_len (a hosted model) takes --comparator-max-model-len, else a one-line error', async () => {
    const chat = chatReply('hosted', 'A: Feedback 1 is significantly better.\n\nReason: x.');
    // like api.openai.com: /v1/models lists ids only
    const fake = await startFakeOpenAI({
      models: [{ id: 'hosted' }],
      routes: { 'POST /v1/chat/completions': () => chat },
    });
    try {
      const base = ['run', 'critique', '--endpoint', judge.sim().url, '--comparator-endpoint', fake.url];
      const rest = ['--store', join(work, 'hosted.sqlite'), '--bootstrap', '0', '--json'];
      const without = await runBench([...base, ...rest]);
      expect(without.code).toBe(2);
      const last = without.stderr.trim().split('\n').at(-1)!;
      expect(last).toMatch(
        /judge critique-comparator takes the served model's context length, and .* does not list max_model_len for hosted in \/v1\/models: give it with --comparator-max-model-len N/,
      );
      expect(fake.requests.filter((q) => q.path.includes('chat/completions'))).toHaveLength(0);

      const given = await runBench([...base, '--comparator-max-model-len', '8192', ...rest]);
      expect(given.code, given.stderr).toBe(0);
      expect(given.stderr).toMatch(
        /judge critique-comparator \(hosted\) on 1 endpoint\(s\), context 8192 tokens/,
      );
      const doc = JSON.parse(given.stdout) as Doc;
      expect(doc.overall.n).toBe(232);
      expect(doc.overall.win + doc.overall.lose).toBe(100);

      const bad = await runBench([...base, '--comparator-max-model-len', '0', ...rest]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--comparator-max-model-len/);
    } finally {
      await fake.close();
    }
  });
});
