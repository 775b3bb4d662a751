import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointPool } from '../../harness/client/endpoint-pool.js';
import type { JudgeTask, Verdict } from '../../harness/core/types.js';
import { createGenerativeJudge, resolveJudgeModel } from '../../harness/judge/generative/judge.js';
import { loadJudgeProfile } from '../../harness/judge/generative/load.js';
import type { JudgeProfile } from '../../harness/judge/generative/profile.js';
import type { PreparedRequest } from '../../harness/judge/judge.js';
import { simExpectedOutcome, startVllmSim, type VllmSim } from '../helpers/vllm-sim.js';

/**
 * The chat path end to end: Prometheus 2's and MT-Bench's requests from their built-in
 * profiles go through the pool to vllm-sim's /v1/chat/completions (one conversation per
 * HTTP request, a batch of them at once), and what the pool returns parses to exactly
 * what the simulator says it answered (its --log).
 */

const LLAMA = 'meta-llama/Meta-Llama-3-70B-Instruct';
const work = mkdtempSync(join(tmpdir(), 'chat-sim-'));
const sims: Record<string, VllmSim> = {};
const logs: Record<string, string> = {};
const never = new AbortController().signal;

beforeAll(async () => {
  const start = async (name: string, flags: string[]) => {
    logs[name] = join(work, `${name}.log`);
    sims[name] = await startVllmSim(['--time-scale', '1000', '--log', logs[name]!, ...flags]);
  };
  await Promise.all([
    start('prometheus2', ['--model', 'prometheus-eval/prometheus-7b-v2.0', '--max-model-len', '8192']),
    start('mtbench', ['--model', LLAMA, '--max-model-len', '8192']),
  ]);
});

afterAll(async () => {
  await Promise.all(Object.values(sims).map((s) => s.stop()));
  rmSync(work, { recursive: true, force: true });
});

interface LogLine {
  protocol: string;
  rating: number | null;
  verdict: string | null;
  finish_reason: string;
  prompt_sha256: string;
}

/** The simulator's log lines by prompt hash, once it holds `n` (it writes them asynchronously). */
async function logged(name: string, n: number): Promise<Map<string, LogLine>> {
  for (let i = 0; i < 200; i++) {
    const file = logs[name]!;
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    if (lines.length >= n) {
      const parsed = lines.map((l) => JSON.parse(l) as LogLine);
      return new Map(parsed.map((l) => [l.prompt_sha256, l]));
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${name}: the simulator's log never reached ${n} lines`);
}

/** The prompt the simulator sees for chat messages (their contents joined), hashed as it logs it. */
function simPromptHash(req: PreparedRequest): string {
  const prompt = `[INST] ${req.messages!.map((m) => m.content).join('\n')} [/INST]`;
  return createHash('sha256').update(prompt).digest('hex');
}

const singles: JudgeTask[] = [
  { protocol: 'single', instruction: 'What is the capital of France?', response: 'Paris.' },
  {
    protocol: 'single',
    instruction: 'Give me three tips for staying healthy.',
    response: '1. Eat a balanced diet.\n2. Exercise regularly.\n3. Sleep at least seven hours.',
  },
  { protocol: 'single', instruction: 'Write a haiku about rain.', response: 'Rain taps on the roof' },
  { protocol: 'single', instruction: 'What is 2 + 2?', response: 'It is 4, because two and two make four.' },
];
const pairs: JudgeTask[] = [
  { protocol: 'pairwise', instruction: 'Name a prime.', first: 'Seven is a prime number.', second: '4' },
  {
    protocol: 'pairwise',
    instruction: 'Translate "thank you" into French.',
    first: 'Merci.',
    second: 'In French, "thank you" is "merci" (or "merci beaucoup" for "thank you very much").',
  },
  { protocol: 'pairwise', instruction: 'Say hello.', first: 'Hello!', second: 'Hello there, friend!' },
];

const VERDICTS: Record<string, Record<string, Verdict>> = {
  'prometheus-relative': { A: 'first', B: 'second' },
  'mtbench-pairwise': { A: 'first', B: 'second', C: 'tie' },
};

/**
 * Judges `tasks` through the pool with `completeBatch` (chat: one request each, at once):
 * one HTTP request per task reached the server, every answer parses to what it logged.
 */
async function judgeThroughPool(
  name: string,
  profile: JudgeProfile,
  options: { protocol: 'single' | 'pairwise'; kind: string; tasks: readonly JudgeTask[] },
) {
  const sim = sims[name]!;
  const pool = new EndpointPool({ endpoints: [sim.url], timeoutMs: 10_000 });
  try {
    // the model from /v1/models when the profile leaves it open
    const probe = await pool.probe(never, (ids) => resolveJudgeModel(profile, ids));
    expect(probe.maxModelLen).toBe(8192);
    const judge = createGenerativeJudge(profile, {
      protocol: options.protocol,
      model: probe.model!,
      maxModelLen: probe.maxModelLen,
    });
    await sim.reset();
    const before = existsSync(logs[name]!)
      ? readFileSync(logs[name]!, 'utf8').split('\n').filter(Boolean).length
      : 0;
    const requests = options.tasks.map((t) => judge.prepare(t));
    expect(requests.every((r) => r.messages !== undefined)).toBe(true);
    const outcomes = await pool.completeBatch(requests, never);
    const stats = await sim.stats();
    expect(stats.requests).toBe(requests.length);
    expect(stats.sequences).toBe(requests.length);

    const lines = await logged(name, before + requests.length);
    outcomes.forEach((outcome, i) => {
      if (!outcome.ok) throw outcome.error;
      const { completion } = outcome;
      const line = lines.get(simPromptHash(requests[i]!))!;
      expect(line.protocol).toBe(options.kind);
      expect(completion.finishReason).toBe(line.finish_reason);
      // a request of one prompt: the server's usage is the prompt's own
      expect(completion.promptTokens).toBeGreaterThan(0);
      expect(completion.completionTokens).toBeGreaterThan(0);
      const parsed = judge.parse(completion, options.tasks[i]!);
      if (options.protocol === 'single') {
        // and the expected rating from the logprobs the pool asked for and kept
        const { expected, ...rest } = parsed as Extract<typeof parsed, { kind: 'ok' }>;
        expect(rest).toEqual({ kind: 'ok', rating: line.rating });
        const want = simExpectedOutcome(options.kind, line.rating!);
        expect(expected?.approximated).toBe(want.approximated);
        expect(Math.abs(expected!.value! - want.value)).toBeLessThan(1e-12);
      } else {
        expect(parsed).toEqual({ kind: 'ok', verdict: VERDICTS[options.kind]![line.verdict!] });
      }
    });
    return judge;
  } finally {
    pool.close();
  }
}

describe('EndpointPool: chat judges against vllm-sim', () => {
  it('prometheus2: absolute grading 1-5 and relative grading A/B on /v1/chat/completions', async () => {
    const profile = loadJudgeProfile('prometheus2');
    const judge = await judgeThroughPool('prometheus2', profile, {
      protocol: 'single',
      kind: 'prometheus-absolute',
      tasks: singles,
    });
    expect(judge.info.sampling).toMatchObject({ repetition_penalty: 1.03 });
    await judgeThroughPool('prometheus2', profile, {
      protocol: 'pairwise',
      kind: 'prometheus-relative',
      tasks: pairs,
    });
  });

  it('mtbench: its model, the one the server lists, picked by the probe; ratings 1-10 and A/B/C', async () => {
    const profile = loadJudgeProfile('mtbench');
    expect(profile.model).toBeNull();
    const judge = await judgeThroughPool('mtbench', profile, {
      protocol: 'single',
      kind: 'mtbench-single',
      tasks: singles,
    });
    expect(judge.model).toBe(LLAMA);
    await judgeThroughPool('mtbench', profile, {
      protocol: 'pairwise',
      kind: 'mtbench-pairwise',
      tasks: pairs,
    });
  });
});
