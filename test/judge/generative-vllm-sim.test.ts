import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JudgeTask, Verdict } from '../../harness/core/types.js';
import {
  createGenerativeJudge,
  resolveJudgeModel,
  type GenerativeJudge,
} from '../../harness/judge/generative/judge.js';
import { judgesDir, loadJudgeProfile } from '../../harness/judge/generative/load.js';
import type { Completion, ParsedCompletion, PreparedRequest } from '../../harness/judge/judge.js';
import { logprobsFields } from '../../harness/client/wire.js';
import {
  readSimLog,
  simExpectedOutcome,
  startVllmSim,
  type SimLogLine,
  type VllmSim,
} from '../helpers/vllm-sim.js';

/**
 * vllm-sim recognises Prometheus 2's and MT-Bench's prompts by their fixed wording and
 * answers in their formats: the prompts the built-in profiles render must be recognised,
 * on /v1/chat/completions (the built-in chat profiles) and /v1/completions (profiles
 * this test writes itself, raw-prompt wrappers around the same templates), and the
 * parser must read what the simulator says it answered (its --log).
 */

const PAIRWISE = new URL('../../../shared/data/auto-j/data/test/testdata_pairwise.jsonl', import.meta.url)
  .pathname;
const MTBENCH_MODEL = 'meta-llama/Meta-Llama-3-70B-Instruct';

const work = mkdtempSync(join(tmpdir(), 'judge-sim-'));
const sims: Record<string, VllmSim> = {};
const logs: Record<string, string> = {};

beforeAll(async () => {
  const start = async (name: string, flags: string[]) => {
    logs[name] = join(work, `${name}.log`);
    sims[name] = await startVllmSim(['--time-scale', '1000', '--log', logs[name]!, ...flags]);
  };
  await Promise.all([
    start('autoj', []),
    start('prometheus2', ['--model', 'prometheus-eval/prometheus-7b-v2.0', '--max-model-len', '8192']),
    start('mtbench', ['--model', MTBENCH_MODEL, '--max-model-len', '8192']),
  ]);
});

afterAll(async () => {
  await Promise.all(Object.values(sims).map((s) => s.stop()));
  rmSync(work, { recursive: true, force: true });
});

/** Real Auto-J test queries and responses (ones the simulator's text extraction keeps whole). */
function realTasks(): { instruction: string; first: string; second: string }[] {
  const rows = readFileSync(PAIRWISE, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { prompt: string; 'response 1': string; 'response 2': string });
  const clean = (t: string) =>
    !/\n\n###|\[The (Start|End) of|\*\*\*|\[Response|\[Query/.test(t) && t.length < 2500;
  return rows
    .filter((r) => clean(r.prompt) && clean(r['response 1']) && clean(r['response 2']))
    .slice(0, 3)
    .map((r) => ({ instruction: r.prompt, first: r['response 1'], second: r['response 2'] }));
}

/** Sends a prepared request the way its endpoint takes it (logprobs asked as wire.ts asks), with plain fetch. */
async function send(sim: VllmSim, req: PreparedRequest): Promise<Completion> {
  const chat = req.messages !== undefined;
  const body = chat
    ? {
        model: req.model,
        messages: req.messages,
        ...req.sampling,
        ...logprobsFields(req, '/chat/completions'),
      }
    : { model: req.model, prompt: req.prompt, ...req.sampling, ...logprobsFields(req, '/completions') };
  const res = await fetch(`${sim.url}/${chat ? 'chat/completions' : 'completions'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const answer = JSON.parse(text) as {
    choices: { text?: string; message?: { content: string }; finish_reason: string; logprobs: unknown }[];
  };
  const choice = answer.choices[0]!;
  return {
    text: chat ? choice.message!.content : choice.text!,
    finishReason: choice.finish_reason,
    ...(choice.logprobs === null ? {} : { logprobs: choice.logprobs }),
  };
}

/** The simulator's log, once it holds `n` lines. */
const logLines = (name: string, n: number): Promise<SimLogLine[]> => readSimLog(logs[name]!, n);

const VERDICTS: Record<string, Record<string, Verdict>> = {
  'prometheus-relative': { A: 'first', B: 'second' },
  'mtbench-pairwise': { A: 'first', B: 'second', C: 'tie' },
  pairwise: { 'Response 1': 'first', 'Response 2': 'second', Tie: 'tie' },
};

/** Formats of the answers, as the simulator's README describes them. */
const FORMATS: Record<string, RegExp> = {
  'prometheus-absolute': /\[RESULT\] [1-5]$/,
  'prometheus-relative': /\[RESULT\] [AB]$/,
  'mtbench-single': /\n\nRating: \[\[(?:[1-9]|10)\]\]$/,
  'mtbench-pairwise': /\n\n\[\[[ABC]\]\]$/,
  single: /\n\nRating: \[\[(?:[1-9]|10)\]\]$/,
  pairwise: /So, the final decision is (?:Response 1|Response 2|Tie)\./,
};

/**
 * Judges every task with `judge` against the simulator `name`: each answer is in the
 * format of `kind`, the simulator found the task's texts in the prompt, and the parsed
 * verdict is the one it logged.
 */
async function judgeAll(name: string, judge: GenerativeJudge, kind: string, tasks: readonly JudgeTask[]) {
  const sim = sims[name]!;
  const before = existsSync(logs[name]!) ? (await logLines(name, 0)).length : 0;
  const parsed: ParsedCompletion[] = [];
  for (const task of tasks) {
    const completion = await send(sim, judge.prepare(task));
    expect(completion.finishReason).toBe('stop');
    expect(completion.text).toMatch(FORMATS[kind]!);
    parsed.push(judge.parse(completion, task));
  }
  const logged = (await logLines(name, before + tasks.length)).slice(before);
  tasks.forEach((task, i) => {
    const line = logged[i]!;
    expect(line.protocol).toBe(kind);
    expect(line.query).toBe(task.instruction.trim());
    const responses = task.protocol === 'single' ? [task.response ?? ''] : [task.first, task.second];
    expect(line.responses).toEqual(responses.map((r) => r.trim()));
    if (task.protocol === 'single') {
      const { expected, ...rest } = parsed[i] as Extract<ParsedCompletion, { kind: 'ok' }>;
      expect(rest).toEqual({ kind: 'ok', rating: line.rating });
      // the expected rating from the logprobs the server sent with the answer
      const want = simExpectedOutcome(kind, line.rating!);
      expect(expected?.approximated).toBe(want.approximated);
      expect(Math.abs(expected!.value! - want.value), `${kind} rated ${line.rating}`).toBeLessThan(1e-12);
    } else {
      expect(parsed[i]).toEqual({ kind: 'ok', verdict: VERDICTS[kind]![line.verdict!] });
    }
  });
  return parsed;
}

/** A profile as a loosely typed tree, to rewrite. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

/** A profile of the test's own: the built-in's templates, copied, behind a raw-prompt wrapper. */
function rawProfile(builtIn: string, name: string): string {
  const dir = join(work, name);
  const source = yaml.load(readFileSync(join(judgesDir(), `${builtIn}.yaml`), 'utf8')) as Loose;
  mkdirSync(join(dir, 'texts'), { recursive: true });
  const copy = (path: string) => {
    const target = `texts/${path.replace(/\//g, '_')}`;
    copyFileSync(join(judgesDir(), path), join(dir, target));
    return target;
  };
  for (const protocol of ['single', 'pairwise']) {
    const v = source.protocols[protocol].en;
    delete v.system; // a completions endpoint has no system message
    v.template = copy(v.template);
    for (const slot of Object.keys(v.constants ?? {})) v.constants[slot] = copy(v.constants[slot]);
  }
  const profile: Loose = {
    ...source,
    name,
    description: `${builtIn}'s templates as raw prompts`,
    endpoint: { kind: 'completions', wrapper: '[INST] {input} [/INST]' },
  };
  delete profile.chat_template;
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml.dump(profile));
  return file;
}

describe('vllm-sim recognises the rendered prompts; the parser reads its answers', () => {
  const tasks = realTasks();
  const single: JudgeTask[] = [
    { protocol: 'single', instruction: 'What is the capital of France?', response: 'Paris.' },
    ...tasks.map((t) => ({ protocol: 'single' as const, instruction: t.instruction, response: t.first })),
  ];
  const pairs: JudgeTask[] = [
    { protocol: 'pairwise', instruction: 'Name a prime.', first: 'Seven is a prime number.', second: '4' },
    ...tasks.map((t) => ({ protocol: 'pairwise' as const, ...t })),
  ];

  it('uses real tasks', () => {
    expect(tasks).toHaveLength(3);
  });

  it('prometheus2 on the chat endpoint: absolute 1-5 and relative A/B', async () => {
    const profile = loadJudgeProfile('prometheus2');
    await judgeAll('prometheus2', createGenerativeJudge(profile), 'prometheus-absolute', single);
    await judgeAll(
      'prometheus2',
      createGenerativeJudge(profile, { protocol: 'pairwise' }),
      'prometheus-relative',
      pairs,
    );
  });

  it('mtbench on the chat endpoint, its model and context taken from /v1/models', async () => {
    const models = (await (await fetch(`${sims.mtbench!.url}/models`)).json()) as {
      data: { id: string; max_model_len: number }[];
    };
    const profile = loadJudgeProfile('mtbench');
    const model = resolveJudgeModel(
      profile,
      models.data.map((m) => m.id),
    );
    expect(model).toBe(MTBENCH_MODEL);
    const options = { model, maxModelLen: models.data[0]!.max_model_len };
    await judgeAll('mtbench', createGenerativeJudge(profile, options), 'mtbench-single', single);
    await judgeAll(
      'mtbench',
      createGenerativeJudge(profile, { ...options, protocol: 'pairwise' }),
      'mtbench-pairwise',
      pairs,
    );
  });

  it('the same templates as raw prompts on /v1/completions, from profile files this test wrote', async () => {
    const prometheus = loadJudgeProfile(rawProfile('prometheus2', 'my-prometheus'));
    expect(prometheus.endpoint.kind).toBe('completions');
    const p = createGenerativeJudge(prometheus);
    expect(p.prepare(single[0]!).messages).toBeUndefined();
    await judgeAll('prometheus2', p, 'prometheus-absolute', single);
    await judgeAll(
      'prometheus2',
      createGenerativeJudge(prometheus, { protocol: 'pairwise' }),
      'prometheus-relative',
      pairs,
    );

    const mtbench = loadJudgeProfile(rawProfile('mtbench', 'my-mtbench'));
    const options = { model: MTBENCH_MODEL, maxModelLen: 8192 };
    await judgeAll('mtbench', createGenerativeJudge(mtbench, options), 'mtbench-single', single);
    await judgeAll(
      'mtbench',
      createGenerativeJudge(mtbench, { ...options, protocol: 'pairwise' }),
      'mtbench-pairwise',
      pairs,
    );
  });

  it('autoj on /v1/completions, as before', async () => {
    const profile = loadJudgeProfile('autoj');
    await judgeAll('autoj', createGenerativeJudge(profile), 'single', single);
    await judgeAll('autoj', createGenerativeJudge(profile, { protocol: 'pairwise' }), 'pairwise', pairs);
  });
});
