import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EndpointPool } from '../../harness/client/endpoint-pool.js';
import type { JudgeTask } from '../../harness/core/types.js';
import { createAutojJudge } from '../../harness/judge/autoj/index.js';
import { llama2TokenCounter } from '../../harness/judge/autoj/tokens.js';
import { runJudgments, type CompletionClient } from '../../harness/runner/run-judgments.js';
import { storeJudgmentCache } from '../../harness/runner/store-cache.js';
import { JudgmentStore } from '../../harness/store/judgment-store.js';
import { completionBody, startFakeOpenAI, type FakeOpenAI, type FakeReply } from '../helpers/fake-openai.js';
import { downgradeToVersion1, tempDir, unparsedRecord } from '../store/records.js';

/**
 * The judging path end to end, as the CLI wires it: the Auto-J judge, the endpoint pool
 * against a fake OpenAI server, the runner and the judgment store on disk.
 */

const never = new AbortController().signal;
const judge = createAutojJudge();
const tasks = (n: number): JudgeTask[] =>
  Array.from({ length: n }, (_, i) => ({
    protocol: 'single',
    instruction: `Give me a tip for staying healthy (${i}).`,
    response: `Drink water and sleep well, variant ${i}.`,
  }));
const critique = (i: number) => `The response is helpful but short (${i}).\n\nRating: [[${(i % 9) + 1}]]`;

/** A vLLM answer to a request of one prompt or several (`prompt` as a list), usage for the whole request. */
function answer(body: unknown, text: (i: number) => string | null = critique): FakeReply {
  const prompt = (body as { prompt: string | string[] }).prompt;
  const prompts = typeof prompt === 'string' ? [prompt] : prompt;
  return {
    body: {
      ...(completionBody() as object),
      choices: prompts.map((_, index) => ({
        index,
        text: text(index),
        finish_reason: 'stop',
        logprobs: null,
      })),
      usage: { prompt_tokens: 111 * prompts.length, completion_tokens: 22 * prompts.length, total_tokens: 0 },
    },
  };
}

let dir: string;
let cleanup: () => void;
let file: string;
const closers: (() => unknown)[] = [];
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  file = join(dir, 'judgments.sqlite');
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  cleanup();
});

async function server(): Promise<FakeOpenAI> {
  const fake = await startFakeOpenAI();
  closers.push(() => fake.close());
  return fake;
}

/** One run of `list` against `url`, storing into `file`; the store is closed afterwards. */
async function run(url: string, list: readonly JudgeTask[], batchSize = 1) {
  const pool = new EndpointPool({ endpoints: [url], backoff: { baseMs: 5, maxMs: 20 } });
  const store = JudgmentStore.open(file);
  const cache = storeJudgmentCache(store, judge.info);
  const client: CompletionClient = {
    complete: (r, s) => pool.complete(r, s),
    completeBatch: (r, s) => pool.completeBatch(r, s),
  };
  try {
    return await runJudgments(judge, list, { label: 't', signal: never, cache, client, batchSize });
  } finally {
    cache.close();
    store.close();
    pool.close();
  }
}

function stored(key: string) {
  const store = JudgmentStore.open(file, { readonly: true });
  try {
    return { judgment: store.get(key), count: store.count() };
  } finally {
    store.close();
  }
}

describe('an answer the server did not really produce is never stored', () => {
  it('text: null is retried; only the real completion is stored, and a later run sends nothing', async () => {
    const fake = await server();
    fake.script(
      (r) => answer(r.body, () => null),
      (r) => answer(r.body),
    );
    const [task] = tasks(1);
    const { summary, judgments } = await run(fake.url, [task!]);
    expect(fake.completions()).toHaveLength(2);
    expect(summary).toMatchObject({ sent: 1, errors: 0, unparsed: 0 });
    expect(judgments[0]).toMatchObject({ kind: 'ok', rating: 1 });
    const key = judge.prepare(task!).key;
    expect(stored(key)).toMatchObject({ count: 1, judgment: { text: critique(0), status: 'ok', rating: 1 } });

    const again = await run(fake.url, [task!]);
    expect(again.summary).toMatchObject({ cached: 1, sent: 0 });
    expect(fake.completions()).toHaveLength(2);
  });

  it('a store of version 1 holding such an answer (an empty text) asks it again, once', async () => {
    const [task] = tasks(1);
    const key = judge.prepare(task!).key;
    JudgmentStore.open(file).close();
    downgradeToVersion1(file, [unparsedRecord(0, { key, text: '', finishReason: 'stop' })]);
    const fake = await server();
    fake.script((r) => answer(r.body));
    const { summary } = await run(fake.url, [task!]);
    expect(summary).toMatchObject({ cached: 0, sent: 1 });
    expect(stored(key).judgment).toMatchObject({ text: critique(0), status: 'ok' });
    expect((await run(fake.url, [task!])).summary).toMatchObject({ cached: 1, sent: 0 });
    expect(fake.completions()).toHaveLength(1);
  });
});

describe('token counts of every judgment', () => {
  it('the server\u2019s for a prompt alone; counted with the judge\u2019s tokenizer for prompts sent together', async () => {
    const fake = await server();
    const list = tasks(5);
    fake.script((r) => answer(r.body)); // tasks 0-3, one request
    fake.script((r) => answer(r.body)); // task 4 alone
    await run(fake.url, list.slice(0, 4), 4);
    await run(fake.url, list.slice(4), 4);
    expect(fake.completions()).toHaveLength(2);
    const llama2 = llama2TokenCounter();
    for (const [i, task] of list.slice(0, 4).entries()) {
      const request = judge.prepare(task);
      const { judgment } = stored(request.key);
      expect(judgment).toMatchObject({
        promptTokens: llama2.count(request.prompt),
        // the text's tokens (count() adds a BOS: one too many) and the end-of-sequence token
        completionTokens: llama2.count(critique(i)),
        tokenSource: 'counted',
      });
      expect(judgment!.promptTokens).toBeGreaterThan(100);
    }
    const alone = stored(judge.prepare(list[4]!).key).judgment;
    expect(alone).toMatchObject({ promptTokens: 111, completionTokens: 22, tokenSource: 'server' });
  });
});
