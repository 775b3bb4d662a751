import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EndpointPool } from '../../harness/client/endpoint-pool.js';
import type { JudgeTask, Judgment } from '../../harness/core/types.js';
import { createAutojJudge } from '../../harness/judge/autoj/index.js';
import { taskDigest } from '../../harness/judge/key.js';
import {
  exportBatch,
  importBatch,
  readBatchManifest,
  shardStarts,
  type ExportSummary,
  type ImportSummary,
} from '../../harness/runner/batch-files.js';
import { pendingRequests } from '../../harness/runner/pending.js';
import { runJudgments, type CompletionClient, type Subject } from '../../harness/runner/run-judgments.js';
import { storeJudgmentCache } from '../../harness/runner/store-cache.js';
import { JudgmentStore } from '../../harness/store/judgment-store.js';
import type { StoredJudgment } from '../../harness/store/record.js';
import { RESULTS } from '../helpers/real-tasks.js';
import { startVllmSim, type VllmSim } from '../helpers/vllm-sim.js';
import { taskIndex, tempDir } from '../store/records.js';

/**
 * Batch files end to end: the requests a run lacks are exported, run by a stand-in for
 * `vllm run-batch` (test/helpers/run-batch-standin.mjs) against vllm-sim, imported, and
 * a run afterwards sends nothing and has the judgments a live run has.
 *
 * Limitation: the stand-in does not apply the chat template (vllm-sim has none: its chat
 * endpoint joins the messages' contents and wraps them as `[INST] ... [/INST]` itself,
 * and answers by recognising the wording), so what the engine renders from the exported
 * messages is proven by chat-template.test.ts (the template, with Hugging Face's Jinja,
 * gives `<s>` + the live prompt); here the files, their format and the store's records are.
 */

const STANDIN = new URL('../helpers/run-batch-standin.mjs', import.meta.url).pathname;
const run = promisify(execFile);
const never = new AbortController().signal;
const judge = createAutojJudge();

const MODELS = ['Conifer-7B-DPO', 'Ein-70B-v0.1', 'FsfairX-Zephyr-Chat-v0.1'];
const INSTRUCTIONS = 24;

/** The first instructions' outputs of three submissions, by instruction (prefixes together), and a copy. */
function realTasks(): { tasks: JudgeTask[]; subjects: Subject[] } {
  const outputs = MODELS.map(
    (m) =>
      JSON.parse(gunzipSync(readFileSync(`${RESULTS}/${m}/model_outputs.json.gz`)).toString('utf8')) as {
        instruction: string;
        output: string | null;
      }[],
  );
  const tasks: JudgeTask[] = [];
  const subjects: Subject[] = [];
  for (let i = 0; i < INSTRUCTIONS; i++) {
    outputs.forEach((rows, m) => {
      tasks.push({ protocol: 'single', instruction: rows[i]!.instruction, response: rows[i]!.output });
      subjects.push({ suite: 'alpacaeval', subject: MODELS[m]! });
    });
    // a fourth submission that copies the first one's first outputs: the same keys, two subjects
    if (i < 4) {
      tasks.push({
        protocol: 'single',
        instruction: outputs[0]![i]!.instruction,
        response: outputs[0]![i]!.output,
      });
      subjects.push({ suite: 'alpacaeval', subject: 'copycat' });
    }
  }
  return { tasks, subjects };
}

const { tasks, subjects } = realTasks();
const keys = [...new Set(tasks.map((t) => judge.prepare(t).key))];
/** distinct tasks (the copycat's are the first submission's) */
const digests = new Set(tasks.map(taskDigest)).size;

let sim: VllmSim;
let failing: VllmSim;
beforeAll(async () => {
  [sim, failing] = await Promise.all([
    startVllmSim(['--time-scale', '1000']),
    startVllmSim(['--time-scale', '1000', '--fail-rate', '1']),
  ]);
});
afterAll(async () => {
  await Promise.all([sim?.stop(), failing?.stop()]);
});

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('bench-batch-'));
});
afterEach(() => cleanup());

const storeAt = (name: string) => join(dir, `${name}.sqlite`);

function withStore<T>(file: string, work: (store: JudgmentStore) => T): T {
  const store = JudgmentStore.open(file);
  try {
    return work(store);
  } finally {
    store.close();
  }
}

/** A run of every task against the simulator, with the store at `file` (and the prompts it renders counted). */
async function liveRun(file: string, counter?: { prepared: number }) {
  const pool = new EndpointPool({ endpoints: [sim.url], backoff: { baseMs: 5, maxMs: 20 } });
  const store = JudgmentStore.open(file);
  const cache = storeJudgmentCache(store, judge.info);
  const client: CompletionClient = { complete: (r, s) => pool.complete(r, s) };
  try {
    const counting: typeof judge = {
      ...judge,
      prepare(task) {
        if (counter) counter.prepared++;
        return judge.prepare(task);
      },
    };
    return await runJudgments(counting, tasks, { label: 't', signal: never, cache, client, subjects });
  } finally {
    cache.close();
    store.close();
    pool.close();
  }
}

/** Exports what the store at `file` lacks into `out`. */
async function exportPending(file: string, out: string, options: { shards?: number; chat?: boolean } = {}) {
  const store = JudgmentStore.open(file);
  const cache = storeJudgmentCache(store, judge.info);
  try {
    return await exportBatch(pendingRequests(judge, tasks, { cache, subjects }), judge, {
      dir: out,
      ...options,
    });
  } finally {
    cache.close();
    store.close();
  }
}

async function standIn(input: string, output: string, server: VllmSim = sim): Promise<void> {
  await run(process.execPath, [STANDIN, '-i', input, '-o', output, '--endpoint', server.url]);
}

/** Runs every shard of an export through the stand-in; returns the output files. */
async function runShards(exported: ExportSummary): Promise<string[]> {
  const outputs = exported.shards.map((s) => join(exported.dir, s.file.replace(/^requests-/, 'results-')));
  for (const [k, s] of exported.shards.entries()) await standIn(join(exported.dir, s.file), outputs[k]!);
  return outputs;
}

async function importInto(
  file: string,
  outputs: readonly string[],
  manifest: string,
): Promise<ImportSummary> {
  const batch = await readBatchManifest(manifest);
  const store = JudgmentStore.open(file);
  try {
    return await importBatch(outputs, batch, store, judge);
  } finally {
    store.close();
  }
}

const records = (file: string): Map<string, StoredJudgment> => withStore(file, (s) => s.getMany(keys));
const outcome = (j: Judgment) => (j.kind === 'ok' ? { kind: j.kind, rating: j.rating } : { kind: j.kind });
const jsonLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const writeLines = (file: string, lines: readonly unknown[]) =>
  writeFileSync(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));

describe('export -> vllm run-batch (stand-in) -> import -> a run sends nothing', () => {
  it('has the judgments of a live run, stored with the same fields, in shards that keep prefixes together', async () => {
    const live = await liveRun(storeAt('live'));
    expect(live.summary).toMatchObject({ sent: keys.length, errors: 0 });

    const exported = await exportPending(storeAt('batch'), join(dir, 'out'), { shards: 3, chat: true });
    expect(exported).toMatchObject({ url: '/v1/chat/completions', requests: keys.length });
    expect(exported.shards).toHaveLength(3);
    expect(exported.shards.reduce((n, s) => n + s.requests, 0)).toBe(keys.length);
    expect(readFileSync(exported.chatTemplate!, 'utf8')).toBe(
      readFileSync(judge.profile.batchChatTemplate!.file, 'utf8'),
    );

    // an input line: the judgment key, POST, the chat route, the live body with one user message
    const first = jsonLines(join(exported.dir, exported.shards[0]!.file))[0]!;
    const request = judge.prepare(tasks[0]!);
    expect(first).toEqual({
      custom_id: request.key,
      method: 'POST',
      url: '/v1/chat/completions',
      body: {
        model: 'GAIR/autoj-13b',
        messages: [{ role: 'user', content: request.prompt.slice('[INST] '.length, -' [/INST]'.length) }],
        temperature: 0,
        top_p: 1,
        max_tokens: 1024,
        // the logprobs a live run asks for, in the chat API's form (the expected rating)
        logprobs: true,
        top_logprobs: 5,
        stream: false,
      },
    });
    // the prompts of one instruction are in one shard
    const { requests } = await readBatchManifest(exported.manifest);
    const shardOf = new Map<string, Set<number>>();
    for (const task of tasks) {
      const entry = requests.get(judge.prepare(task).key)!;
      shardOf.set(task.instruction, (shardOf.get(task.instruction) ?? new Set()).add(entry.shard));
    }
    expect([...shardOf.values()].every((s) => s.size === 1)).toBe(true);
    expect(requests.get(judge.prepare(tasks[0]!).key)!.subjects).toEqual([
      ['alpacaeval', 'Conifer-7B-DPO'],
      ['alpacaeval', 'copycat'],
    ]);

    const outputs = await runShards(exported);
    // vLLM's output line
    const line = jsonLines(outputs[0]!)[0]!;
    expect(Object.keys(line)).toEqual(['id', 'custom_id', 'response', 'error']);
    expect(line).toMatchObject({ custom_id: request.key, error: null, response: { status_code: 200 } });
    expect(String(line.id)).toMatch(/^vllm-[0-9a-f]{32}$/);

    const imported = await importInto(storeAt('batch'), outputs, exported.manifest);
    expect(imported).toMatchObject({
      lines: keys.length,
      stored: keys.length,
      alreadyStored: 0,
      errors: 0,
      unknown: 0,
      changed: 0,
      malformed: 0,
      remaining: 0,
      indexed: digests,
      problems: [],
    });
    // the live run's task index rows (each task once), written with the judgments
    expect(taskIndex(storeAt('batch'))).toEqual(taskIndex(storeAt('live')));

    const counter = { prepared: 0 };
    const warm = await liveRun(storeAt('batch'), counter);
    expect(warm.summary).toMatchObject({ sent: 0, cached: tasks.length, errors: 0 });
    // every task found through the index: no prompt rendered
    expect(counter.prepared).toBe(0);
    expect(warm.judgments.map(outcome)).toEqual(live.judgments.map(outcome));

    // stored as the live run stores: text, parse, finish reason, the server's counts, the cut
    const a = records(storeAt('live'));
    const b = records(storeAt('batch'));
    expect(b.size).toBe(keys.length);
    expect(imported.unparsed).toBe([...a.values()].filter((r) => r.status === 'unparsed').length);
    for (const key of keys) {
      const { endpoint, latencyMs, createdAt: _c, ...rest } = b.get(key)!;
      const { endpoint: liveEndpoint, latencyMs: liveLatency, createdAt: _d, ...liveRest } = a.get(key)!;
      expect(rest).toEqual(liveRest);
      expect(rest.tokenSource).toBe('server');
      expect(endpoint).toMatch(/^batch:results-00[123]-of-003\.jsonl$/);
      expect(latencyMs).toBeNull();
      expect(liveEndpoint).toContain('127.0.0.1');
      expect(liveLatency).not.toBeNull();
    }
    const usages = (file: string) => withStore(file, (s) => s.stats().usages);
    expect(usages(storeAt('batch'))).toEqual(usages(storeAt('live')));

    // importing the same files again changes nothing; so does importing into the live store
    const again = await importInto(storeAt('batch'), outputs, exported.manifest);
    expect(again).toMatchObject({ stored: 0, alreadyStored: keys.length, errors: 0, remaining: 0 });
    expect(records(storeAt('batch'))).toEqual(b);
    const intoLive = await importInto(storeAt('live'), outputs, exported.manifest);
    expect(intoLive).toMatchObject({ stored: 0, alreadyStored: keys.length });
    expect(records(storeAt('live'))).toEqual(a);

    // nothing left to export
    const none = await exportPending(storeAt('batch'), join(dir, 'none'), { shards: 3, chat: true });
    expect(none).toMatchObject({ requests: 0, shards: [] });
  });
});

describe('lines that are not answers to the exported requests', () => {
  it('an unknown custom_id and an answer to a changed body are counted and skipped', async () => {
    const exported = await exportPending(storeAt('s'), join(dir, 'out'), { chat: true });
    const input = join(exported.dir, exported.shards[0]!.file);
    const lines = jsonLines(input);
    const changed = lines[0]!;
    const body = changed.body as { messages: { content: string }[] };
    body.messages[0]!.content = body.messages[0]!.content.replace('[Response]: ', '[Response]: Surely. ');
    const stranger = { ...lines[1]!, custom_id: 'f'.repeat(64) };
    writeLines(input, [...lines, stranger]);
    const output = join(dir, 'results.jsonl');
    await standIn(input, output);

    const imported = await importInto(storeAt('s'), [output], exported.manifest);
    expect(imported).toMatchObject({
      lines: keys.length + 1,
      stored: keys.length - 1,
      changed: 1,
      unknown: 1,
      errors: 0,
      remaining: 1,
    });
    expect(imported.problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `results\\.jsonl:1: custom_id ${changed.custom_id}: its input line is not the exported request`,
        ),
      ),
      expect.stringMatching(
        new RegExp(`results\\.jsonl:${keys.length + 1}: custom_id f{64} is not in manifest\\.json`),
      ),
    ]);
    const stored = records(storeAt('s'));
    expect(stored.has(changed.custom_id as string)).toBe(false);
    expect(stored.size).toBe(keys.length - 1);
    // the changed request is still pending: the run sends it, and only it
    const warm = await liveRun(storeAt('s'));
    expect(warm.summary).toMatchObject({ sent: 1, errors: 0 });
  });

  it('error lines (vLLM\u2019s, for a failing server and for the completions route) are counted, never stored', async () => {
    const exported = await exportPending(storeAt('s'), join(dir, 'out'), { shards: 2, chat: true });
    const [one, two] = exported.shards.map((s) => join(exported.dir, s.file));
    await standIn(one!, join(dir, 'r1.jsonl'), failing);
    await standIn(two!, join(dir, 'r2.jsonl'));
    const line = jsonLines(join(dir, 'r1.jsonl'))[0]!;
    expect(line).toMatchObject({
      response: { status_code: 500, body: null },
      error: { message: 'Internal Server Error (injected)' },
    });

    const first = await importInto(
      storeAt('s'),
      [join(dir, 'r1.jsonl'), join(dir, 'r2.jsonl')],
      exported.manifest,
    );
    const [n1, n2] = exported.shards.map((s) => s.requests) as [number, number];
    expect(first).toMatchObject({ stored: n2, errors: n1, remaining: n1 });
    expect(first.problems[0]).toMatch(
      /r1\.jsonl:1: custom_id [0-9a-f]{64}: the engine answered with an error \(status 500\): Internal Server Error \(injected\)/,
    );
    expect(withStore(storeAt('s'), (s) => s.count())).toBe(n2);

    // the failed shard run again, imported: complete
    await standIn(one!, join(dir, 'r1-again.jsonl'));
    const second = await importInto(storeAt('s'), [join(dir, 'r1-again.jsonl')], exported.manifest);
    expect(second).toMatchObject({ stored: n1, errors: 0, remaining: 0 });
    expect((await liveRun(storeAt('s'))).summary).toMatchObject({ sent: 0 });

    // vllm run-batch answers /v1/completions lines with an error line: why --chat exists
    const raw = await exportPending(storeAt('fresh'), join(dir, 'raw'));
    expect(raw.url).toBe('/v1/completions');
    await standIn(join(raw.dir, raw.shards[0]!.file), join(dir, 'raw.jsonl'));
    const refused = await importInto(storeAt('fresh'), [join(dir, 'raw.jsonl')], raw.manifest);
    expect(refused).toMatchObject({ stored: 0, errors: keys.length, remaining: keys.length });
    expect(refused.problems[0]).toMatch(
      /status 400\): URL \/v1\/completions was used\. Supported endpoints: \/v1\/chat\/completions/,
    );
  });
});

describe('the OpenAI Batch API\u2019s output and error files', () => {
  it('/v1/completions answers in any order; an expired request and a null text are errors', async () => {
    const live = await liveRun(storeAt('live'));
    const exported = await exportPending(storeAt('s'), join(dir, 'out'));
    const input = jsonLines(join(exported.dir, exported.shards[0]!.file)) as {
      custom_id: string;
      url: string;
      body: unknown;
    }[];
    expect(input[0]!.url).toBe('/v1/completions');
    // as OpenAI's batch runner: each body posted to its url, the lines in another order
    const answered = [];
    for (const line of input) {
      const res = await fetch(`${sim.origin}${line.url}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(line.body),
      });
      expect(res.status).toBe(200);
      answered.push({
        id: `batch_req_${randomBytes(12).toString('hex')}`,
        custom_id: line.custom_id,
        response: { status_code: 200, request_id: randomBytes(16).toString('hex'), body: await res.json() },
        error: null,
      });
    }
    answered.reverse();
    const [expired, nullText, ...rest] = answered;
    (nullText!.response.body as { choices: { text: unknown }[] }).choices[0]!.text = null;
    writeLines(join(dir, 'output.jsonl'), [nullText, ...rest, '']);
    writeLines(join(dir, 'errors.jsonl'), [
      {
        id: expired!.id,
        custom_id: expired!.custom_id,
        response: null,
        error: {
          code: 'batch_expired',
          message: 'This request could not be executed before the completion window expired.',
        },
      },
    ]);
    writeFileSync(join(dir, 'output.jsonl'), `${readFileSync(join(dir, 'output.jsonl'), 'utf8')}not json\n`);

    const imported = await importInto(
      storeAt('s'),
      [join(dir, 'output.jsonl'), join(dir, 'errors.jsonl')],
      exported.manifest,
    );
    expect(imported).toMatchObject({ stored: keys.length - 2, errors: 2, malformed: 2, remaining: 2 });
    expect(imported.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /output\.jsonl:1: custom_id [0-9a-f]{64}: answer without completion text \(text: null\)/,
        ),
        expect.stringMatching(
          /errors\.jsonl:1: custom_id [0-9a-f]{64}: the engine answered with an error: This request could not be executed/,
        ),
        expect.stringMatching(/output\.jsonl:\d+: not a batch output line/),
        expect.stringMatching(/output\.jsonl:\d+: not a JSON line/),
      ]),
    );
    const warm = await liveRun(storeAt('s'));
    expect(warm.summary).toMatchObject({ sent: 2, errors: 0 });
    expect(warm.judgments.map(outcome)).toEqual(live.judgments.map(outcome));
  });

  it('a manifest of another judge is refused; a file that is not a manifest names itself', async () => {
    const exported = await exportPending(storeAt('s'), join(dir, 'out'));
    const batch = await readBatchManifest(exported.manifest);
    const other = createAutojJudge({ profile: 'autoj-gptq' });
    const store = JudgmentStore.open(storeAt('s'));
    await expect(importBatch([], batch, store, other)).rejects.toThrow(
      `${exported.manifest}: exported for another judge (judge "autoj", not "autoj-gptq"; model "GAIR/autoj-13b", not "GAIR/autoj-13b-GPTQ-4bits")`,
    );
    await expect(readBatchManifest(join(exported.dir, exported.shards[0]!.file))).rejects.toThrow(
      /requests-001-of-001\.jsonl: not a batch manifest/,
    );
    store.close();
    await expect(exportPending(storeAt('s'), exported.dir)).rejects.toThrow(/holds files already/);
  });
});

describe('an export that fails', () => {
  it('leaves the folder empty, so that the same export runs again', async () => {
    const out = join(dir, 'out');
    const requests = [...pendingRequests(judge, tasks.slice(0, 6))];
    function* failing() {
      yield* requests;
      throw new Error('a task the judge cannot prepare');
    }
    await expect(exportBatch(failing(), judge, { dir: out, chat: true })).rejects.toThrow(
      'a task the judge cannot prepare',
    );
    expect(readdirSync(out)).toEqual([]);
    const again = await exportBatch(requests, judge, { dir: out, chat: true });
    expect(again.requests).toBe(requests.flat().length);
    expect(readdirSync(out).sort()).toEqual([
      'chat-template.jinja',
      'manifest.json',
      'requests-001-of-001.jsonl',
    ]);
  });
});

describe('shardStarts', () => {
  it('cuts where consecutive prompts share the least, near equal parts', () => {
    // groups of 3 prompts sharing a long prefix (lcp 50 inside a group, 10 between groups)
    const lcp = Array.from({ length: 30 }, (_, i) => (i === 0 ? 0 : i % 3 === 0 ? 10 : 50));
    expect(shardStarts(lcp, 3)).toEqual([0, 9, 21]);
    expect(shardStarts(lcp, 1)).toEqual([0]);
    expect(shardStarts([0, 5, 5], 3)).toEqual([0, 1, 2]);
    expect(shardStarts([], 2)).toEqual([]);
  });
});
