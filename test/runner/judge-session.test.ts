import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withAdvice } from '../../harness/cli/advice.js';
import type { JudgeTask } from '../../harness/core/types.js';
import { loadJudgeProfile } from '../../harness/judge/generative/index.js';
import type { RemoteJudge } from '../../harness/judge/judge.js';
import {
  JudgeSettingsError,
  openJudgeSession,
  withJudgeSession,
  type ConnectedJudge,
  type JudgeSessionSettings,
} from '../../harness/runner/judge-session.js';
import { JudgmentStore } from '../../harness/store/judgment-store.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { freePort, makeFakeVllm, processGone, waitUntil, type FakeVllm } from '../serve/fake-vllm.js';
import { tempDir } from '../store/records.js';

/**
 * The judge session (harness/runner/judge-session.ts): the wiring every judging command
 * uses, from settings. Against a fake OpenAI server, or a fake `vllm` it starts itself.
 */

const autoj = loadJudgeProfile('autoj');
const task: JudgeTask = {
  protocol: 'single',
  instruction: 'Give me a tip for staying healthy.',
  response: 'Drink water and sleep well.',
};

let dir: string;
let cleanup: () => void;
let storePath: string;
let fake: FakeOpenAI | undefined;
let vllm: FakeVllm | undefined;
const after: (() => unknown)[] = [];
beforeEach(() => {
  ({ dir, cleanup } = tempDir('bench-session-'));
  storePath = path.join(dir, 'store', 'judgments.sqlite');
});
afterEach(async () => {
  for (const f of after.splice(0).reverse()) await f();
  await fake?.close();
  fake = undefined;
  // a test that failed may have left its vLLM running: stop its process group
  if (vllm && fs.existsSync(recordFile()) && !processGone(vllmPid())) process.kill(-vllmPid(), 'SIGKILL');
  vllm?.remove();
  vllm = undefined;
  cleanup();
});

function settings(more: Partial<JudgeSessionSettings> = {}): JudgeSessionSettings {
  return { judge: autoj, endpoints: fake ? [fake.url] : [], storePath, ...more };
}

/** Settings that start the fake vllm on a free port; its pid is in `record.json`. */
async function served(env: Record<string, string> = {}): Promise<Partial<JudgeSessionSettings>> {
  vllm = makeFakeVllm();
  return {
    serve: {
      port: await freePort(),
      vllm: vllm.executable,
      logFile: path.join(vllm.work, 'vllm.log'),
      cwd: vllm.work,
      env: { PATH: vllm.path, FAKE_VLLM_RECORD: recordFile(), ...env },
    },
  };
}

function recordFile(): string {
  return path.join(vllm!.work, 'record.json');
}

function vllmPid(): number {
  return (JSON.parse(fs.readFileSync(recordFile(), 'utf8')) as { pid: number }).pid;
}

/** Records one judgment through the session's cache, without flushing it. */
function recordOne(connected: ConnectedJudge): string {
  const judge = connected.judge as RemoteJudge;
  const request = judge.prepare(task);
  const completion = { text: 'Fine.\n\nRating: [[7]]', finishReason: 'stop', endpoint: 'x', latencyMs: 1 };
  connected.run.cache!.record({ request, completion, parsed: judge.parse(completion, task), subjects: [] });
  return request.key;
}

function storeClosed(connected: ConnectedJudge): boolean {
  try {
    connected.run.cache!.lookup(['k']);
    return false;
  } catch (e) {
    return /not open/i.test(String(e));
  }
}

describe('openJudgeSession', () => {
  it('length: no server started, no store opened, no request sent', async () => {
    fake = await startFakeOpenAI();
    const session = openJudgeSession({
      ...settings({ judge: 'length', maxFailures: 2 }),
      serve: { logFile: path.join(dir, 'vllm.log'), vllm: path.join(dir, 'no-such-vllm') },
    });
    expect(session.name).toBe('length');
    expect((await session.identify()).name).toBe('length');
    const connected = await session.connect();
    expect(connected.judge.mode).toBe('local');
    expect(connected.run).toEqual({ maxFailures: 2 });
    await session.close();
    expect(fake.requests).toEqual([]);
    expect(fs.existsSync(storePath)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'vllm.log'))).toBe(false);
  });

  it('connects on first use only, and once: identify alone asks no server and opens no store', async () => {
    fake = await startFakeOpenAI();
    const status: string[] = [];
    const session = openJudgeSession(settings({ status: (line) => status.push(line), batchSize: 4 }));
    expect((await session.identify()).name).toBe('autoj');
    expect(fake.requests).toEqual([]);
    expect(fs.existsSync(storePath)).toBe(false);

    const [a, b] = await Promise.all([session.connect(), session.connect()]);
    expect(a).toBe(b);
    expect(await session.connect()).toBe(a);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models']);
    expect(fs.existsSync(storePath)).toBe(true);
    expect(a.run).toMatchObject({ concurrency: 512, batchSize: 4 });
    expect(status).toEqual(['judge autoj (GAIR/autoj-13b) on 1 endpoint(s), context 4096 tokens']);
    await session.close();
  });

  it('closes the cache before the store: judgments not yet committed are kept', async () => {
    fake = await startFakeOpenAI();
    const session = openJudgeSession(settings());
    const connected = await session.connect();
    const key = recordOne(connected);
    await session.close();
    expect(storeClosed(connected)).toBe(true);
    const store = JudgmentStore.open(storePath, { readonly: true });
    after.push(() => store.close());
    expect([...store.getOutcomes([key]).keys()]).toEqual([key]);
  });

  it('close is idempotent, and a closed session does not connect again', async () => {
    fake = await startFakeOpenAI();
    const session = openJudgeSession(settings());
    await session.connect();
    const closing = session.close();
    expect(session.close()).toBe(closing);
    await closing;
    await session[Symbol.asyncDispose]();
    await expect(session.connect()).rejects.toThrow('the session of judge autoj is closed');
  });

  it('`await using` closes it at the end of the block', async () => {
    fake = await startFakeOpenAI();
    let connected: ConnectedJudge;
    {
      await using session = openJudgeSession(settings());
      connected = await session.connect();
      expect(storeClosed(connected)).toBe(false);
    }
    expect(storeClosed(connected)).toBe(true);
  });
});

describe('a session that serves its judge', () => {
  it('starts vLLM on connect with what the profile needs, and stops it last, even after a failed commit', async () => {
    const session = openJudgeSession(settings(await served()));
    expect(fs.existsSync(recordFile())).toBe(false);
    const connected = await session.connect();
    const argv = (JSON.parse(fs.readFileSync(recordFile(), 'utf8')) as { argv: string[] }).argv;
    expect(argv.slice(0, 2)).toEqual(['serve', 'GAIR/autoj-13b']);
    expect(argv.join(' ')).toContain('--max-model-len 4096');
    const pid = vllmPid();
    recordOne(connected);
    // the cache's last commit fails (another process dropped the table): the store, the
    // pool and vLLM are closed all the same, and the commit's failure is what close throws
    const other = new Database(storePath);
    other.exec('DROP TABLE usages; DROP TABLE judgments');
    other.close();
    await expect(session.close()).rejects.toThrow(/judgments/);
    expect(storeClosed(connected)).toBe(true);
    expect(processGone(pid)).toBe(true);
  });

  it('use: the body fails, the session is closed, the body’s error is the one thrown', async () => {
    const more = await served();
    let connected: ConnectedJudge | undefined;
    await expect(
      withJudgeSession(settings(more), async (session) => {
        connected = await session.connect();
        throw new Error('the suite failed');
      }),
    ).rejects.toThrow('the suite failed');
    expect(storeClosed(connected!)).toBe(true);
    expect(processGone(vllmPid())).toBe(true);
  });

  it('a connect that fails half way (the store cannot be opened) closes what it opened', async () => {
    const more = await served();
    fs.mkdirSync(storePath, { recursive: true }); // a folder where the store file should be
    await expect(withJudgeSession(settings(more), (session) => session.connect())).rejects.toThrow(storePath);
    expect(processGone(vllmPid())).toBe(true);
  });

  it('closing while vLLM is still starting aborts the start and stops it', async () => {
    const session = openJudgeSession(settings(await served({ FAKE_VLLM_DELAY_MS: '600000' })));
    const connecting = session.connect();
    connecting.catch(() => {});
    await waitUntil(() => fs.existsSync(recordFile()));
    const pid = vllmPid();
    await session.close();
    await expect(connecting).rejects.toThrow('closed while opening');
    expect(processGone(pid)).toBe(true);
  });
});

describe('setting errors', () => {
  const prometheus2 = loadJudgeProfile('prometheus2');
  const mtbench = loadJudgeProfile('mtbench');

  function settingError(f: () => unknown): JudgeSettingsError {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(JudgeSettingsError);
      return e as JudgeSettingsError;
    }
    throw new Error('no error');
  }

  it('are found before anything starts, name no flag, and the CLI names the flag', () => {
    const language = settingError(() => openJudgeSession(settings({ judge: prometheus2, language: 'zh' })));
    expect(language.message).toBe('language zh: judge prometheus2 has templates in en only');
    expect(withAdvice(language.message, language)).toBe(
      '--language zh: judge prometheus2 has templates in en only',
    );

    const model = settingError(() => openJudgeSession(settings({ model: 'me/other-13b' })));
    expect(model.kind).toBe('judge');
    expect(model.message).not.toContain('--');
    expect(withAdvice(`run failed: ${model.message}`, model)).toBe(
      `run failed: --judge autoj: ${model.message}`,
    );

    const weights = settingError(() =>
      openJudgeSession({ ...settings({ judge: mtbench }), serve: { logFile: path.join(dir, 'vllm.log') } }),
    );
    expect(weights.message).toBe('judge mtbench leaves the model open: name the weights to serve');
    expect(withAdvice(weights.message, weights)).toBe(
      '--serve: judge mtbench leaves the model open: name the weights to serve with --judge-model NAME',
    );
    expect(fs.existsSync(path.join(dir, 'vllm.log'))).toBe(false);
  });

  it('an open model the servers do not settle is found on connect, named without a flag', async () => {
    fake = await startFakeOpenAI({ models: [{ id: 'a/one' }, { id: 'b/two' }] });
    const session = openJudgeSession(settings({ judge: mtbench }));
    const e = await session.connect().then(
      () => undefined,
      (err: unknown) => err,
    );
    await session.close();
    expect(e).toBeInstanceOf(JudgeSettingsError);
    const error = e as JudgeSettingsError;
    expect(error.kind).toBe('model');
    expect(error.message).not.toContain('--');
    expect(withAdvice(error.message, error)).toBe(`${error.message} with --judge-model NAME`);
    expect(fs.existsSync(storePath)).toBe(false);
  });
});
