import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { BenchError } from '../../harness/core/errors.js';
import { resolveJudgeModel } from '../../harness/judge/generative/judge.js';
import { loadJudgeProfile } from '../../harness/judge/generative/load.js';
import type { PreparedRequest } from '../../harness/judge/judge.js';
import type { OpenSampling } from '../../harness/judge/key.js';
import { withAdvice } from '../../harness/cli/advice.js';
import { judgeOptions } from '../../harness/cli/judge-options.js';
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  EndpointPool,
  normalizeEndpoint,
  type EndpointPoolOptions,
  type PoolEvent,
} from '../../harness/client/endpoint-pool.js';
import { JudgeServerError } from '../../harness/client/errors.js';
import {
  completionBody,
  startFakeOpenAI,
  vllmError,
  type FakeOpenAI,
  type FakeReply,
  type RecordedRequest,
} from '../helpers/fake-openai.js';
import { request, SAMPLING } from './requests.js';

const fakes: FakeOpenAI[] = [];
const pools: EndpointPool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) pool.close();
  // close() rejects when a fake saw an unexpected request: that fails the test
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function fake(...args: Parameters<typeof startFakeOpenAI>): Promise<FakeOpenAI> {
  const f = await startFakeOpenAI(...args);
  fakes.push(f);
  return f;
}

/** Fast settings for tests: small backoff, cooldown and give-up window. */
function pool(
  endpoints: EndpointPoolOptions['endpoints'],
  options: Partial<EndpointPoolOptions> = {},
): EndpointPool {
  const p = new EndpointPool({
    endpoints,
    timeoutMs: 2_000,
    probeTimeoutMs: 500,
    backoff: { baseMs: 10, maxMs: 40 },
    cooldown: { baseMs: 50, maxMs: 200 },
    giveUpMs: 2_000,
    ...options,
  });
  pools.push(p);
  return p;
}

/** A URL where nothing listens. */
async function deadUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

const never = new AbortController().signal;

async function rejection(p: Promise<unknown>): Promise<JudgeServerError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(JudgeServerError);
  return e as JudgeServerError;
}

describe('EndpointPool: requests', () => {
  it('sends the raw prompt to /v1/completions and returns the completion', async () => {
    const server = await fake();
    server.script({
      body: completionBody('Good.\n\nRating: [[8]]', 'stop', { prompt_tokens: 321, completion_tokens: 12 }),
    });
    const result = await pool([server.url]).complete(request(1), never);
    expect(result).toMatchObject({
      text: 'Good.\n\nRating: [[8]]',
      finishReason: 'stop',
      promptTokens: 321,
      completionTokens: 12,
      endpoint: server.url,
      attempts: 1,
    });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    const [sent] = server.completions();
    expect(sent?.body).toEqual({
      model: 'GAIR/autoj-13b',
      prompt: request(1).prompt,
      ...SAMPLING,
      stream: false,
    });
    // no key: no Authorization header at all
    expect(sent?.headers.authorization).toBeUndefined();
  });

  it('reports finish_reason length as is', async () => {
    const server = await fake();
    server.script({ body: completionBody('cut off mid-sent', 'length') });
    const result = await pool([server.url]).complete(request(1), never);
    expect(result.finishReason).toBe('length');
  });

  it('retries an answer that is not a completion (no text, text null, a number; bad finish_reason or usage)', async () => {
    const server = await fake();
    const good = completionBody('Good.\n\nRating: [[8]]');
    const withChoice = (choice: Record<string, unknown>) => {
      const body = completionBody() as { choices: Record<string, unknown>[] };
      return { body: { ...body, choices: [{ ...body.choices[0], ...choice }] } };
    };
    const { text: _text, ...noText } = (completionBody() as { choices: Record<string, unknown>[] })
      .choices[0]!;
    server.script(
      withChoice({ text: null }),
      { body: { ...(good as object), choices: [noText] } },
      withChoice({ text: 7 }),
      withChoice({ finish_reason: 3 }),
      { body: { ...(good as object), usage: { prompt_tokens: 'many', completion_tokens: 1 } } },
      { body: { ...(good as object), choices: null } },
      { body: good },
    );
    const events: PoolEvent[] = [];
    const p = pool([server.url], { maxAttempts: 7, onEvent: (e) => events.push(e) });
    const result = await p.complete(request(1), never);
    expect(result).toMatchObject({ text: 'Good.\n\nRating: [[8]]', attempts: 7, promptTokens: 100 });
    const reasons = events.flatMap((e) => (e.type === 'retry' ? [e.reason] : []));
    expect(reasons).toEqual([
      'answer without completion text (text: null)',
      'answer without completion text (text: missing)',
      'answer without completion text (text: a number)',
      'answer with an unreadable finish_reason (a number)',
      'answer with unreadable usage (prompt_tokens and completion_tokens are not counts)',
      'answer without a list of choices (choices: null)',
    ]);
  });

  it('an empty completion the server produced is a completion; no usage is no token counts', async () => {
    const server = await fake();
    const body = completionBody('') as Record<string, unknown>;
    server.script({ body: { ...body, usage: null } });
    const result = await pool([server.url]).complete(request(1), never);
    expect(result).toMatchObject({ text: '', finishReason: 'stop', attempts: 1 });
    expect(result.promptTokens).toBeUndefined();
  });

  it('gives up on answers that never hold a completion, as on 5xx', async () => {
    const server = await fake({
      completions: () => {
        const body = completionBody() as { choices: Record<string, unknown>[] };
        return { body: { ...body, choices: [{ ...body.choices[0], text: null }] } };
      },
    });
    const e = await rejection(pool([server.url], { maxAttempts: 2 }).complete(request(1), never));
    expect(e.kind).toBe('exhausted');
    expect(e.message).toContain('answer without completion text (text: null)');
    expect(server.completions()).toHaveLength(2);
  });

  it('keeps connections alive across requests', async () => {
    const server = await fake({ completions: () => ({}) });
    const p = pool([server.url]);
    for (let i = 0; i < 5; i++) await p.complete(request(i), never);
    expect(server.connections()).toBe(1);
  });

  it('retries a 429 after the Retry-After it names', async () => {
    const server = await fake();
    server.script(
      { status: 429, headers: { 'retry-after': '1' }, body: { object: 'error', message: 'slow down' } },
      { body: completionBody() },
    );
    const events: PoolEvent[] = [];
    const p = pool([server.url], { onEvent: (e) => events.push(e) });
    const result = await p.complete(request(1), never);
    expect(result.attempts).toBe(2);
    const [first, second] = server.completions();
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(p.stats().retries).toBe(1);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'retry', delayMs: 1000, reason: expect.stringContaining('429') }),
    );
    // a 429 says nothing about the endpoint's health
    expect(p.stats().endpoints[0]).toMatchObject({ state: 'up', failures: 1 });
  });

  it('retries 5xx until success', async () => {
    const server = await fake();
    server.script(vllmError(500, 'Internal Server Error'), vllmError(503, 'busy'), {
      body: completionBody(),
    });
    const result = await pool([server.url]).complete(request(1), never);
    expect(result.attempts).toBe(3);
    expect(server.completions()).toHaveLength(3);
  });

  it('retries a reset connection', async () => {
    const server = await fake();
    server.script({ destroy: true }, { delayMs: 20, destroy: true }, { body: completionBody() });
    const result = await pool([server.url]).complete(request(1), never);
    expect(result.attempts).toBe(3);
  });

  it('the default per-attempt timeout fits a 1,024-token answer under load, and the CLI\u2019s is the same', async () => {
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBe(300_000);
    const args = await judgeOptions(yargs([])).parse();
    expect(args['request-timeout'] * 1000).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
  });

  it('gives up on a hung request after the timeout and retries it', async () => {
    const server = await fake();
    server.script({ hang: true }, { body: completionBody() });
    const started = performance.now();
    const p = pool([server.url], { timeoutMs: 300 });
    const result = await p.complete(request(1), never);
    expect(result.attempts).toBe(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(p.stats().endpoints[0]?.lastError).toBe('no answer within 0.3 s');
  });

  it('stops after the attempt limit with the last reason', async () => {
    const server = await fake({ completions: () => vllmError(500, 'engine dead') });
    const e = await rejection(pool([server.url], { maxAttempts: 3 }).complete(request(1), never));
    expect(e.kind).toBe('exhausted');
    expect(e.fatal).toBe(false);
    expect(e.message).toBe(
      `judge request failed after 3 attempts; last: ${server.url}: 500 Internal Server Error: engine dead`,
    );
    expect(server.completions()).toHaveLength(3);
  });

  it('does not retry a 400 and says why the server refused', async () => {
    const server = await fake();
    const msg =
      "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (3976 in the messages, 1024 in the completion).";
    server.script(vllmError(400, msg));
    const e = await rejection(pool([server.url]).complete(request(1), never));
    expect(e.kind).toBe('rejected');
    expect(e.fatal).toBe(false);
    expect(e.status).toBe(400);
    expect(e.message).toBe(`judge server at ${server.url} rejected the request (400 Bad Request: ${msg})`);
    expect(server.completions()).toHaveLength(1);
  });

  it('explains a 401 without ever showing the key', async () => {
    const key = 'sk-very-secret-0123';
    const server = await fake();
    server.script({ status: 401, body: { error: `invalid token ${key}` } });
    const e = await rejection(pool([server.url], { apiKey: key }).complete(request(1), never));
    expect(server.completions()[0]?.headers.authorization).toBe(`Bearer ${key}`);
    expect(e.kind).toBe('unauthorized');
    expect(e.fatal).toBe(true);
    expect(e.keyGiven).toBe(true);
    expect(e.message).toBe(
      `judge server at ${server.url} answered 401 Unauthorized: the API key given is wrong`,
    );
    // the CLI names the flags
    expect(withAdvice(e.message, e)).toBe(
      `${e.message}; pass the key the server was started with (--api-key or $BENCH_API_KEY)`,
    );
    expect(JSON.stringify([e.message, String(e.cause ?? '')])).not.toContain(key);
    expect(server.completions()).toHaveLength(1);

    const noKey = await fake();
    noKey.script({ status: 401, body: { error: 'Unauthorized' } });
    const e2 = await rejection(pool([noKey.url]).complete(request(1), never));
    expect(e2.keyGiven).toBe(false);
    expect(e2.message).toMatch(/requires an API key$/);
    expect(withAdvice(e2.message, e2)).toMatch(/requires an API key.*--api-key or \$BENCH_API_KEY/);
  });

  it('strips the key from every message it returns', async () => {
    const key = 'sk-echoed-key-777';
    const server = await fake();
    server.script(vllmError(400, `bad header Bearer ${key}`));
    const e = await rejection(pool([server.url], { apiKey: key }).complete(request(1), never));
    expect(e.message).toContain('Bearer ***');
    expect(e.message).not.toContain(key);
  });

  it('names the served models when the model is unknown', async () => {
    const server = await fake({ models: [{ id: 'autoj', max_model_len: 4096 }, { id: 'other' }] });
    server.script(vllmError(404, 'The model `GAIR/autoj-13b` does not exist.', 'NotFoundError'));
    const e = await rejection(pool([server.url]).complete(request(1), never));
    expect(e.kind).toBe('model-not-found');
    expect(e.fatal).toBe(true);
    expect(e.message).toBe(
      `judge server at ${server.url} does not serve model "GAIR/autoj-13b"; it serves "autoj", "other"`,
    );
    expect(e).toMatchObject({
      endpoint: server.url,
      model: 'GAIR/autoj-13b',
      served: [{ endpoint: server.url, models: ['autoj', 'other'] }],
    });
    expect(withAdvice(e.message, e)).toContain(
      'start it with --served-model-name GAIR/autoj-13b, as bench serve does, or judge with a served model',
    );
  });

  it('suspects the URL when /v1/models is not there either', async () => {
    const server = await fake({
      routes: { 'GET /v1/models': () => ({ status: 404, body: { detail: 'Not Found' } }) },
    });
    server.script({ status: 404, body: { detail: 'Not Found' } });
    const e = await rejection(pool([server.url]).complete(request(1), never));
    expect(e.message).toContain('is the URL right?');
    expect(e.served).toBeUndefined();
    expect(withAdvice(e.message, e)).toBe(e.message);
  });

  it('adds /v1 to a bare server URL', () => {
    expect(normalizeEndpoint('http://127.0.0.1:8000')).toBe('http://127.0.0.1:8000/v1');
    expect(normalizeEndpoint('http://127.0.0.1:8000/v1/')).toBe('http://127.0.0.1:8000/v1');
    expect(normalizeEndpoint('https://judge.example/api/v1')).toBe('https://judge.example/api/v1');
    expect(() => normalizeEndpoint('127.0.0.1:8000')).toThrow(/not an http\(s\) URL|not a URL/);
  });

  it('accepts an injected fetch (undici-style errors included)', async () => {
    const server = await fake({ completions: () => ({}) });
    let calls = 0;
    const fetch: typeof globalThis.fetch = async (input, init) => {
      calls++;
      if (calls === 1) {
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
        });
      }
      return globalThis.fetch(input, init);
    };
    const result = await pool([server.url], { fetch }).complete(request(1), never);
    expect(result.attempts).toBe(2);
    expect(calls).toBe(2);
  });
});

describe('EndpointPool: probe', () => {
  it('lists models with max_model_len and marks unreachable endpoints down', async () => {
    const server = await fake({ models: [{ id: 'GAIR/autoj-13b', max_model_len: 4096 }] });
    const dead = await deadUrl();
    const p = pool([server.url, dead]);
    const result = await p.probe(never, 'GAIR/autoj-13b');
    expect(result.maxModelLen).toBe(4096);
    expect(result.endpoints).toEqual([
      { endpoint: server.url, ok: true, models: [{ id: 'GAIR/autoj-13b', maxModelLen: 4096 }] },
      { endpoint: dead, ok: false, error: 'connection refused' },
    ]);
    expect(p.stats().endpoints.map((e) => e.state)).toEqual(['up', 'down']);
  });

  it('fails fast when no endpoint answers; the CLI says how to start one', async () => {
    const [a, b] = [await deadUrl(), await deadUrl()];
    const started = performance.now();
    const e = await rejection(pool([a, b]).probe(never, 'GAIR/autoj-13b'));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(e.kind).toBe('unreachable');
    expect(e.fatal).toBe(true);
    expect(e.message).toContain(`${a} (connection refused)`);
    expect(e.message).toContain(`${b} (connection refused)`);
    expect(e.model).toBe('GAIR/autoj-13b');
    expect(e.message).toBe(`no judge server answers at ${a} (connection refused), ${b} (connection refused)`);
    expect(withAdvice(e.message, e)).toBe(
      `${e.message}; start one with \`bench serve --model GAIR/autoj-13b\` ` +
        '(or `vllm serve GAIR/autoj-13b --port 8000`), or pass --endpoint URL',
    );
  });

  it('times out a silent endpoint quickly', async () => {
    const server = await fake({ routes: { 'GET /v1/models': () => ({ hang: true }) } });
    const e = await rejection(pool([server.url], { probeTimeoutMs: 200 }).probe(never));
    expect(e.message).toContain('no answer within 0.2 s');
  });

  it('says what is served when the wanted model is not', async () => {
    const a = await fake({ models: [{ id: 'meta-llama/Llama-2-7b' }] });
    const b = await fake({ models: [] });
    const e = await rejection(pool([a.url, b.url]).probe(never, 'GAIR/autoj-13b'));
    expect(e.kind).toBe('model-not-found');
    expect(e.message).toBe(
      `no judge server serves model "GAIR/autoj-13b": ${a.url} serves "meta-llama/Llama-2-7b"; ${b.url} serves no model`,
    );
    expect(e).toMatchObject({
      model: 'GAIR/autoj-13b',
      served: [
        { endpoint: a.url, models: ['meta-llama/Llama-2-7b'] },
        { endpoint: b.url, models: [] },
      ],
    });
    expect(withAdvice(e.message, e)).toBe(
      `${e.message}; start one with \`bench serve --model GAIR/autoj-13b\`, or pass --endpoint URL of one that serves it`,
    );
  });

  it('leaves out endpoints that serve another model', async () => {
    const good = await fake({ completions: () => ({}) });
    const other = await fake({ models: [{ id: 'other' }] });
    const p = pool([good.url, other.url]);
    await p.probe(never, 'GAIR/autoj-13b');
    await Promise.all([0, 1, 2, 3].map((i) => p.complete(request(i), never)));
    expect(good.completions()).toHaveLength(4);
    expect(p.stats().endpoints[1]).toMatchObject({
      state: 'excluded',
      lastError: 'does not serve GAIR/autoj-13b',
    });
  });

  it('suspects the URL when /models is not found', async () => {
    const server = await fake({
      routes: { 'GET /api/models': () => ({ status: 404, body: { detail: 'Not Found' } }) },
    });
    const e = await rejection(pool([`${server.url.replace(/\/v1$/, '')}/api`]).probe(never));
    expect(e.message).toContain(
      '(404 Not Found: Not Found for GET /models: is it the OpenAI API base, e.g. .../v1?)',
    );
  });

  it('reports a refused key at probe time', async () => {
    const server = await fake({
      routes: { 'GET /v1/models': () => ({ status: 401, body: { error: 'Unauthorized' } }) },
    });
    const e = await rejection(pool([server.url], { apiKey: 'k' }).probe(never));
    expect(e.kind).toBe('unauthorized');
  });
});

describe('EndpointPool: several endpoints', () => {
  it('spreads requests by in-flight load', async () => {
    const a = await fake({ completions: () => ({ delayMs: 30 }) });
    const b = await fake({ completions: () => ({ delayMs: 30 }) });
    const p = pool([a.url, b.url]);
    await Promise.all(Array.from({ length: 40 }, (_, i) => p.complete(request(i), never)));
    expect(a.completions()).toHaveLength(20);
    expect(b.completions()).toHaveLength(20);
  });

  it('weighs load by capacity', async () => {
    const a = await fake({ completions: () => ({ delayMs: 100 }) });
    const b = await fake({ completions: () => ({ delayMs: 100 }) });
    const p = pool([{ url: a.url, capacity: 3 }, { url: b.url }]);
    await Promise.all(Array.from({ length: 40 }, (_, i) => p.complete(request(i), never)));
    expect(a.completions()).toHaveLength(30);
    expect(b.completions()).toHaveLength(10);
  });

  it('sends more to the faster endpoint', async () => {
    const fast = await fake({ completions: () => ({ delayMs: 5 }) });
    const slow = await fake({ completions: () => ({ delayMs: 200 }) });
    const p = pool([fast.url, slow.url]);
    const queue = Array.from({ length: 60 }, (_, i) => i);
    const worker = async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) await p.complete(request(i), never);
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    // in-flight balancing: the slow one holds its share of requests much longer
    expect(fast.completions().length + slow.completions().length).toBe(60);
    expect(fast.completions().length).toBeGreaterThan(3 * slow.completions().length);
  });

  it('moves the work of a dead endpoint to the live one', async () => {
    const live = await fake({ completions: () => ({ delayMs: 5 }) });
    const dead = await deadUrl();
    const events: PoolEvent[] = [];
    const p = pool([dead, live.url], { onEvent: (e) => events.push(e) });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => p.complete(request(i), never)));
    expect(results.every((r) => r.endpoint === live.url)).toBe(true);
    expect(live.completions()).toHaveLength(30);
    const stats = p.stats();
    expect(stats.endpoints[0]).toMatchObject({
      endpoint: dead,
      state: 'down',
      lastError: 'connection refused',
    });
    expect(stats.endpoints[0]?.failures).toBeGreaterThan(0);
    expect(stats.endpoints[1]).toMatchObject({ state: 'up', completed: 30, failures: 0 });
    expect(events).toContainEqual({
      type: 'down',
      endpoint: dead,
      reason: 'connection refused',
      retryInMs: 50,
    });
    // its retries went to the live endpoint without waiting for the backoff
    expect(events.filter((e) => e.type === 'retry').every((e) => e.type === 'retry' && e.delayMs === 0)).toBe(
      true,
    );
  });

  it('marks an endpoint down after consecutive 5xx and uses it again once it answers', async () => {
    let broken = true;
    const flaky = await fake({
      completions: () => (broken ? vllmError(500, 'oops') : { delayMs: 5 }),
      // while broken, probes fail too, so it stays down however slow the test runs
      routes: {
        'GET /v1/models': () =>
          broken
            ? vllmError(500, 'oops')
            : { body: { object: 'list', data: [{ id: 'GAIR/autoj-13b', object: 'model' }] } },
      },
    });
    const steady = await fake({ completions: () => ({ delayMs: 5 }) });
    const events: PoolEvent[] = [];
    const p = pool([flaky.url, steady.url], { failureThreshold: 2, onEvent: (e) => events.push(e) });
    await Promise.all(Array.from({ length: 10 }, (_, i) => p.complete(request(i), never)));
    expect(p.stats().endpoints[0]?.state).toBe('down');
    broken = false;
    // once its rest is over, the next request starts a probe (GET /v1/models) of the down
    // endpoint; meanwhile the work goes to the other
    const deadline = performance.now() + 3_000;
    while (p.stats().endpoints[0]?.state !== 'up') {
      if (performance.now() > deadline) throw new Error('the endpoint did not come back');
      await p.complete(request(10), never);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(events).toContainEqual({ type: 'up', endpoint: flaky.url });
    expect(flaky.requests.some((r) => r.path === '/v1/models')).toBe(true);
    await Promise.all(Array.from({ length: 10 }, (_, i) => p.complete(request(i), never)));
    expect(p.stats().endpoints[0]).toMatchObject({ state: 'up', completed: 5 });
  });
});

describe('EndpointPool: all endpoints down', () => {
  it('fails with a clear message once the give-up window has passed', async () => {
    const server = await fake();
    server.script({ body: completionBody() });
    const p = pool([server.url], { giveUpMs: 400 });
    await p.complete(request(0), never);
    await server.close();
    fakes.splice(fakes.indexOf(server), 1);
    const started = performance.now();
    const e = await rejection(p.complete(request(1), never));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(3_000);
    expect(e.kind).toBe('unreachable');
    expect(e.fatal).toBe(true);
    expect(e.message).toMatch(
      new RegExp(
        `^judge server at ${server.url.replaceAll('.', '\\.')} stopped answering \\(connection refused\\) for 0\\.4 s; is it still running\\?`,
      ),
    );
    expect(e.message).toMatch(/is it still running\?$/);
    expect(e).toMatchObject({ endpoint: server.url, model: 'GAIR/autoj-13b' });
    expect(withAdvice(e.message, e)).toBe(
      `${e.message} Check its log (bench serve writes .bench/vllm.log), or start one with ` +
        '`bench serve --model GAIR/autoj-13b` (or `vllm serve GAIR/autoj-13b --port 8000`), or pass --endpoint URL',
    );
  });

  it('the CLI puts its advice right after the engine text, also inside an error that wraps it', async () => {
    const [dead] = [await deadUrl()];
    const e = await rejection(pool([dead]).probe(never));
    // an open model: the probe named none, so the advice names none
    expect(e.model).toBeUndefined();
    const wrapped = new BenchError(`${e.message} (3 judgments of this run are stored)`, { cause: e });
    expect(withAdvice(wrapped.message, wrapped)).toBe(
      `no judge server answers at ${dead} (connection refused); start one with \`bench serve --model MODEL\` ` +
        '(or `vllm serve MODEL --port 8000`), or pass --endpoint URL (3 judgments of this run are stored)',
    );
    // other errors pass unchanged
    expect(withAdvice('boom', new Error('boom'))).toBe('boom');
  });

  it('resumes when the server comes back within the window', async () => {
    const first = await fake();
    first.script({ body: completionBody() });
    const p = pool([first.url], { giveUpMs: 5_000 });
    await p.complete(request(0), never);
    const port = first.port;
    await first.close();
    fakes.splice(fakes.indexOf(first), 1);
    const pending = p.complete(request(1), never);
    await new Promise((r) => setTimeout(r, 150));
    const again = await fake({ port, completions: () => ({}) });
    const result = await pending;
    // 2 or 3: the first attempt may also meet the closed keep-alive connection
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    expect(again.completions()).toHaveLength(1);
    expect(again.requests[0]?.path).toBe('/v1/models'); // probed before use
  });
});

describe('EndpointPool: abort', () => {
  it('cancels requests in flight promptly', async () => {
    const server = await fake({ completions: () => ({ hang: true }) });
    const p = pool([server.url], { timeoutMs: 60_000 });
    const controller = new AbortController();
    const pending = Array.from({ length: 5 }, (_, i) => p.complete(request(i), controller.signal));
    await new Promise((r) => setTimeout(r, 50));
    expect(p.stats().inFlight).toBe(5);
    const started = performance.now();
    controller.abort(new Error('SIGINT'));
    const outcomes = await Promise.allSettled(pending);
    expect(performance.now() - started).toBeLessThan(500);
    for (const o of outcomes) expect(o).toMatchObject({ status: 'rejected', reason: new Error('SIGINT') });
    expect(p.stats().inFlight).toBe(0);
  });

  it('cancels a backoff sleep promptly', async () => {
    const server = await fake();
    server.script(vllmError(500, 'oops'));
    const p = pool([server.url], { backoff: { baseMs: 60_000, maxMs: 60_000 } });
    const controller = new AbortController();
    const pending = p.complete(request(1), controller.signal);
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('cancels waiting for a down endpoint promptly', async () => {
    const p = pool([await deadUrl()], { giveUpMs: 60_000 });
    const controller = new AbortController();
    const pending = p.complete(request(1), controller.signal);
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(performance.now() - started).toBeLessThan(500);
  });
});

/** vLLM's answer to a list of prompts: one choice per prompt, `index` its position. */
function batchAnswer(body: unknown, order: 'as sent' | 'reversed' = 'as sent'): FakeReply {
  const prompts = (body as { prompt: string[] }).prompt;
  const choices = prompts.map((prompt, index) => ({
    index,
    text: `answer to #${index}: ${prompt.slice(-40)}\n\nRating: [[${(index % 9) + 1}]]`,
    logprobs: null,
    finish_reason: index === 1 ? 'length' : 'stop',
    stop_reason: null,
  }));
  if (order === 'reversed') choices.reverse();
  const usage = { prompt_tokens: 100 * prompts.length, completion_tokens: 20 * prompts.length };
  return {
    body: {
      id: 'cmpl-fake',
      object: 'text_completion',
      created: 0,
      model: 'GAIR/autoj-13b',
      choices,
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    },
  };
}

const promptsOf = (r: RecordedRequest): string[] => {
  const p = (r.body as { prompt: string | string[] }).prompt;
  return typeof p === 'string' ? [p] : p;
};

describe('EndpointPool: several prompts per request', () => {
  const reqs = (n: number) => Array.from({ length: n }, (_, i) => request(i));

  it('sends the prompts as a list and matches the answers by choice index', async () => {
    const server = await fake({ completions: (r) => batchAnswer(r.body, 'reversed') });
    const outcomes = await pool([server.url]).completeBatch(reqs(4), never);
    expect(server.completions()).toHaveLength(1);
    const [sent] = server.completions();
    expect(sent?.body).toEqual({
      model: 'GAIR/autoj-13b',
      prompt: reqs(4).map((r) => r.prompt),
      ...SAMPLING,
      stream: false,
    });
    expect(outcomes).toHaveLength(4);
    outcomes.forEach((o, i) => {
      expect(o.ok).toBe(true);
      if (!o.ok) return;
      expect(o.completion.text).toBe(
        `answer to #${i}: ${request(i).prompt.slice(-40)}\n\nRating: [[${i + 1}]]`,
      );
      expect(o.completion.finishReason).toBe(i === 1 ? 'length' : 'stop');
      expect(o.completion).toMatchObject({ endpoint: server.url, attempts: 1 });
      // usage covers the whole request: no per-prompt share is made up
      expect(o.completion.promptTokens).toBeUndefined();
      expect(o.completion.completionTokens).toBeUndefined();
    });
  });

  it('counts each prompt of a batch in flight, and cancels it promptly', async () => {
    const server = await fake({ completions: () => ({ hang: true }) });
    const p = pool([server.url], { timeoutMs: 60_000 });
    const controller = new AbortController();
    const pending = p.completeBatch(reqs(6), controller.signal);
    await new Promise((r) => setTimeout(r, 50));
    expect(p.stats().inFlight).toBe(6);
    expect(server.completions()).toHaveLength(1);
    controller.abort(new Error('SIGINT'));
    await expect(pending).rejects.toThrow('SIGINT');
    expect(p.stats().inFlight).toBe(0);
  });

  it('retries the whole batch on 429, 5xx, resets and timeouts, as one request', async () => {
    const server = await fake();
    server.script(
      { status: 429, headers: { 'retry-after-ms': '30' }, body: { object: 'error', message: 'slow down' } },
      vllmError(503, 'busy'),
      { destroy: true },
      { hang: true },
      (r) => batchAnswer(r.body),
    );
    const p = pool([server.url], { timeoutMs: 300 });
    const outcomes = await p.completeBatch(reqs(3), never);
    expect(outcomes.every((o) => o.ok && o.completion.attempts === 5)).toBe(true);
    expect(server.completions()).toHaveLength(5);
    for (const r of server.completions()) expect(promptsOf(r)).toEqual(reqs(3).map((q) => q.prompt));
    // one retry per request retried, not per prompt
    expect(p.stats().retries).toBe(4);
    expect(p.stats().endpoints[0]).toMatchObject({ completed: 3, inFlight: 0 });
  });

  it('retries an answer whose choices do not match the prompts', async () => {
    const server = await fake();
    const missing = (r: RecordedRequest): FakeReply => {
      const reply = batchAnswer(r.body) as { body: { choices: unknown[] } };
      return { body: { ...reply.body, choices: reply.body.choices.slice(1) } };
    };
    const duplicated = (r: RecordedRequest): FakeReply => {
      const reply = batchAnswer(r.body) as { body: { choices: { index: number }[] } };
      return { body: { ...reply.body, choices: reply.body.choices.map((c) => ({ ...c, index: 0 })) } };
    };
    server.script(missing, duplicated, (r) => batchAnswer(r.body));
    const events: PoolEvent[] = [];
    const outcomes = await pool([server.url], { onEvent: (e) => events.push(e) }).completeBatch(
      reqs(3),
      never,
    );
    expect(outcomes.every((o) => o.ok && o.completion.attempts === 3)).toBe(true);
    const reasons = events.map((e) => (e.type === 'retry' ? e.reason : ''));
    expect(reasons).toEqual([
      'answer with 2 choices for 3 prompts',
      'answer with an unexpected choice index 0 for 3 prompts',
    ]);
  });

  it('retries the whole batch when one choice holds no completion text', async () => {
    const server = await fake();
    const nullText = (r: RecordedRequest): FakeReply => {
      const reply = batchAnswer(r.body) as { body: { choices: Record<string, unknown>[] } };
      const choices = reply.body.choices.map((c, i) => (i === 1 ? { ...c, text: null } : c));
      return { body: { ...reply.body, choices } };
    };
    server.script(nullText, (r) => batchAnswer(r.body));
    const events: PoolEvent[] = [];
    const outcomes = await pool([server.url], { onEvent: (e) => events.push(e) }).completeBatch(
      reqs(3),
      never,
    );
    expect(outcomes.every((o) => o.ok && o.completion.attempts === 2)).toBe(true);
    expect(outcomes.map((o) => o.ok && o.completion.text.startsWith('answer to #'))).toEqual([
      true,
      true,
      true,
    ]);
    expect(events.map((e) => (e.type === 'retry' ? e.reason : ''))).toEqual([
      'answer without completion text (text: null)',
    ]);
  });

  it('splits a refused batch (400) and sends its prompts one by one, so the refusal lands on the right one', async () => {
    const tooLong = "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.";
    const server = await fake({
      completions: (r) => {
        const prompts = promptsOf(r);
        if (prompts.some((p) => p.includes('(2)'))) return vllmError(400, tooLong);
        return typeof (r.body as { prompt: unknown }).prompt === 'string'
          ? { body: completionBody(`single: ${prompts[0]!.slice(-30)}`) }
          : batchAnswer(r.body);
      },
    });
    const outcomes = await pool([server.url]).completeBatch(reqs(4), never);
    // the batch, then each prompt alone
    expect(server.completions().map((r) => promptsOf(r).length)).toEqual([4, 1, 1, 1, 1]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, false, true]);
    const refused = outcomes[2]!;
    if (refused.ok) throw new Error('expected a refusal');
    expect(refused.error).toBeInstanceOf(JudgeServerError);
    expect(refused.error.kind).toBe('rejected');
    expect(refused.error.message).toContain(tooLong);
    outcomes.forEach((o, i) => {
      // alone, a prompt's answer is its own, usage included
      if (o.ok)
        expect(o.completion).toMatchObject({
          text: `single: ${request(i).prompt.slice(-30)}`,
          promptTokens: 100,
        });
    });
  });

  it('gives every prompt the error when the batch fails until the attempt limit', async () => {
    const server = await fake({ completions: () => vllmError(500, 'engine dead') });
    const outcomes = await pool([server.url], { maxAttempts: 2 }).completeBatch(reqs(3), never);
    expect(server.completions()).toHaveLength(2);
    for (const o of outcomes) {
      expect(o.ok).toBe(false);
      if (!o.ok) expect(o.error.kind).toBe('exhausted');
    }
  });

  it('fails the whole batch on a fatal error (model not served)', async () => {
    const server = await fake({
      completions: () => vllmError(404, 'The model `x` does not exist.', 'NotFoundError'),
    });
    const e = await rejection(pool([server.url]).completeBatch(reqs(3), never));
    expect(e.kind).toBe('model-not-found');
    expect(e.fatal).toBe(true);
  });

  it('sends a single prompt, or prompts for different models, one per request', async () => {
    const server = await fake({ completions: () => ({ body: completionBody() }) });
    const p = pool([server.url]);
    const [only] = await p.completeBatch([request(1)], never);
    expect(only).toMatchObject({ ok: true, completion: { promptTokens: 100, completionTokens: 20 } });
    await p.completeBatch([request(2), request(3, 'other-model')], never);
    expect(server.completions().map((r) => (r.body as { prompt: unknown }).prompt)).toEqual([
      request(1).prompt,
      request(2).prompt,
      request(3).prompt,
    ]);
  });

  it('spreads batches by prompts in flight', async () => {
    const a = await fake({ completions: (r) => ({ ...batchAnswer(r.body), delayMs: 40 }) });
    const b = await fake({ completions: (r) => ({ ...batchAnswer(r.body), delayMs: 40 }) });
    const p = pool([a.url, b.url]);
    // a batch of 6 and then three of 2: the 6 go to one endpoint, the 2s to the other
    await Promise.all([
      p.completeBatch(reqs(6), never),
      p.completeBatch(reqs(2), never),
      p.completeBatch(reqs(2), never),
      p.completeBatch(reqs(2), never),
    ]);
    const sizes = (f: FakeOpenAI) => f.completions().map((r) => promptsOf(r).length);
    expect([sizes(a), sizes(b)]).toContainEqual([6]);
    expect([sizes(a), sizes(b)]).toContainEqual([2, 2, 2]);
  });
});

/** An OpenAI-shaped chat answer; `content` as given (null, a number: not a completion). */
function chatBody(
  content: unknown = 'The response is helpful. [RESULT] 4',
  usage = { prompt_tokens: 200, completion_tokens: 30 },
): Record<string, unknown> {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 0,
    model: 'prometheus-eval/prometheus-7b-v2.0',
    choices: [{ index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: 'stop' }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

/** Prometheus 2's sampling: a field beyond the three every record has. */
const OPEN_SAMPLING: OpenSampling = {
  temperature: 1,
  top_p: 0.9,
  max_tokens: 1024,
  repetition_penalty: 1.03,
};

function chatRequest(i: number, sampling: OpenSampling = OPEN_SAMPLING): PreparedRequest {
  const messages = [
    { role: 'system' as const, content: 'You are a fair judge assistant.' },
    { role: 'user' as const, content: `Grade response ${i}.` },
  ];
  return {
    key: `chat-${i}`,
    model: 'prometheus-eval/prometheus-7b-v2.0',
    prompt: JSON.stringify(messages),
    messages,
    sampling,
  };
}

/** A fake whose /v1/chat/completions answers `replies` in order, then `otherwise`. */
async function chatFake(
  replies: (FakeReply | ((r: RecordedRequest) => FakeReply | Promise<FakeReply>))[],
  otherwise: (r: RecordedRequest) => FakeReply | Promise<FakeReply> = () => ({ body: chatBody() }),
  routes: Record<string, (r: RecordedRequest) => FakeReply> = {},
): Promise<FakeOpenAI & { chat(): RecordedRequest[] }> {
  const server = await fake({
    models: [{ id: 'prometheus-eval/prometheus-7b-v2.0', max_model_len: 8192 }],
    routes: {
      ...routes,
      'POST /v1/chat/completions': (r) => {
        const next = replies.shift() ?? otherwise;
        return typeof next === 'function' ? next(r) : next;
      },
    },
  });
  return Object.assign(server, {
    chat: () => server.requests.filter((r) => r.path === '/v1/chat/completions'),
  });
}

describe('EndpointPool: chat requests', () => {
  it('sends the messages to /v1/chat/completions with every sampling field, and reads message.content', async () => {
    const server = await chatFake([
      { body: chatBody('Helpful and correct. [RESULT] 5', { prompt_tokens: 321, completion_tokens: 12 }) },
    ]);
    const result = await pool([server.url]).complete(chatRequest(1), never);
    expect(result).toMatchObject({
      text: 'Helpful and correct. [RESULT] 5',
      finishReason: 'stop',
      promptTokens: 321,
      completionTokens: 12,
      endpoint: server.url,
      attempts: 1,
    });
    expect(server.completions()).toHaveLength(0);
    const [sent] = server.chat();
    expect(sent?.body).toEqual({
      model: 'prometheus-eval/prometheus-7b-v2.0',
      messages: chatRequest(1).messages,
      temperature: 1,
      top_p: 0.9,
      max_tokens: 1024,
      repetition_penalty: 1.03,
      stream: false,
    });
  });

  it('retries a chat answer that holds no content (content null or a number, no message, no choices)', async () => {
    const good = chatBody('Fine. [RESULT] 3');
    const { message: _message, ...noMessage } = (good.choices as Record<string, unknown>[])[0]!;
    const server = await chatFake([
      { body: chatBody(null) },
      { body: chatBody(5) },
      { body: { ...good, choices: [noMessage] } },
      { body: { ...good, choices: [{ ...noMessage, message: { role: 'assistant' } }] } },
      { body: { ...good, choices: [] } },
      { body: { ...good, choices: undefined } },
      { body: good },
    ]);
    const events: PoolEvent[] = [];
    const p = pool([server.url], { maxAttempts: 7, onEvent: (e) => events.push(e) });
    const result = await p.complete(chatRequest(1), never);
    expect(result).toMatchObject({ text: 'Fine. [RESULT] 3', attempts: 7, promptTokens: 200 });
    expect(events.flatMap((e) => (e.type === 'retry' ? [e.reason] : []))).toEqual([
      'answer without message content (content: null)',
      'answer without message content (content: a number)',
      'answer without a message (message: missing)',
      'answer without message content (content: missing)',
      'answer without choices',
      'answer without a list of choices (choices: missing)',
    ]);
  });

  it('gives up on chat answers that never hold content, as on 5xx', async () => {
    const server = await chatFake([], () => ({ body: chatBody(null) }));
    const e = await rejection(pool([server.url], { maxAttempts: 2 }).complete(chatRequest(1), never));
    expect(e.kind).toBe('exhausted');
    expect(e.message).toContain('answer without message content (content: null)');
    expect(server.chat()).toHaveLength(2);
  });

  it('completeBatch sends chat requests one per request, all at once, each with its own usage', async () => {
    // answers only once all three are in: sent one after the other, they would never be
    let arrived = 0;
    let release!: () => void;
    const all = new Promise<void>((resolve) => (release = resolve));
    const server = await chatFake([], async (r) => {
      if (++arrived === 3) release();
      await all;
      const user = (r.body as { messages: { content: string }[] }).messages[1]!.content;
      const n = Number(/\d+/.exec(user)![0]);
      return { body: chatBody(`${user} [RESULT] ${n}`, { prompt_tokens: 100 + n, completion_tokens: n }) };
    });
    const outcomes = await pool([server.url]).completeBatch(
      [1, 2, 3].map((i) => chatRequest(i)),
      never,
    );
    expect(server.chat()).toHaveLength(3);
    expect(outcomes).toEqual(
      [1, 2, 3].map((i) =>
        expect.objectContaining({
          ok: true,
          completion: expect.objectContaining({
            text: `Grade response ${i}. [RESULT] ${i}`,
            promptTokens: 100 + i,
            completionTokens: i,
          }),
        }),
      ),
    );
  });

  it('names the chat route when a 404 is not about the model', async () => {
    const server = await chatFake([{ status: 404, body: { detail: 'Not Found' } }], undefined, {
      'GET /v1/models': () => ({ status: 404, body: { detail: 'Not Found' } }),
    });
    const e = await rejection(pool([server.url]).complete(chatRequest(1), never));
    expect(e.kind).toBe('model-not-found');
    expect(e.message).toContain(
      'answered 404 Not Found: Not Found for POST /chat/completions; is the URL right?',
    );
  });
});

describe('EndpointPool: open sampling records', () => {
  const withPenalty = (i: number, repetition_penalty: number): PreparedRequest => ({
    ...request(i),
    sampling: { ...SAMPLING, repetition_penalty } as OpenSampling,
  });

  it('sends every sampling field of a batch in its body', async () => {
    const server = await fake({ completions: (r) => batchAnswer(r.body) });
    const outcomes = await pool([server.url]).completeBatch(
      [0, 1, 2].map((i) => withPenalty(i, 1.1)),
      never,
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(server.completions()).toHaveLength(1);
    expect(server.completions()[0]?.body).toMatchObject({ ...SAMPLING, repetition_penalty: 1.1 });
  });

  it('does not batch requests whose sampling differs in a field beyond the three', async () => {
    const server = await fake({
      completions: (r) => ({ body: completionBody(`single: ${promptsOf(r)[0]!.slice(-20)}`) }),
    });
    const outcomes = await pool([server.url]).completeBatch(
      [withPenalty(0, 1.03), withPenalty(1, 1.2)],
      never,
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    // one request each, each with its own penalty (batched, both would go with the first's)
    const sent = server.completions().map((r) => r.body as { prompt: unknown; repetition_penalty: number });
    expect(sent.map((b) => [b.prompt, b.repetition_penalty]).sort()).toEqual([
      [request(0).prompt, 1.03],
      [request(1).prompt, 1.2],
    ]);
  });
});

describe('EndpointPool: probe for a judge whose model is open', () => {
  const mtbench = loadJudgeProfile('mtbench');
  const choose = (ids: readonly string[]) => resolveJudgeModel(mtbench, ids);
  const LLAMA = 'meta-llama/Meta-Llama-3-70B-Instruct';

  it('lists what is served without a model, and takes the one model listed', async () => {
    const server = await fake({ models: [{ id: LLAMA, max_model_len: 8192 }] });
    const dead = await deadUrl();
    const p = pool([server.url, dead]);
    const listed = await p.probe(never);
    expect(listed.served).toEqual([LLAMA]);
    expect(listed.model).toBeUndefined();
    const chosen = await p.probe(never, choose);
    expect(chosen).toMatchObject({ served: [LLAMA], model: LLAMA, maxModelLen: 8192 });
  });

  it('leaves the choice to the caller when several are listed, and leaves out endpoints serving another', async () => {
    const a = await fake({ models: [{ id: LLAMA, max_model_len: 8192 }] });
    const b = await fake({ models: [{ id: 'Qwen/Qwen2-72B-Instruct', max_model_len: 32768 }] });
    const p = pool([a.url, b.url]);
    await expect(p.probe(never, choose)).rejects.toThrow(
      `judge mtbench leaves the model open and the server lists "${LLAMA}", "Qwen/Qwen2-72B-Instruct": name the model to use`,
    );
    const named = await p.probe(never, (ids) => resolveJudgeModel(mtbench, ids, LLAMA));
    expect(named).toMatchObject({ model: LLAMA, maxModelLen: 8192 });
    expect(p.stats().endpoints.map((e) => e.state)).toEqual(['up', 'excluded']);
  });
});
