import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BenchError } from '../../harness/core/errors.js';
import {
  ServeError,
  startJudgeServer,
  vllmArguments,
  type JudgeServer,
} from '../../harness/serve/launcher.js';
import { freePort, makeFakeVllm, processGone, waitUntil, type FakeVllm } from './fake-vllm.js';

let fake: FakeVllm;
const servers: JudgeServer[] = [];
beforeEach(() => {
  fake = makeFakeVllm();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  fake.remove();
});

function options(port: number, env: Record<string, string> = {}) {
  return {
    model: 'GAIR/autoj-13b',
    port,
    logFile: 'logs/vllm.log',
    cwd: fake.work,
    env: { PATH: fake.path, ...env },
    pollIntervalMs: 50,
    timeoutMs: 10_000,
    stopGraceMs: 2_000,
  };
}

function record(): { argv: string[]; apiKey: string | null; pid: number } {
  return JSON.parse(fs.readFileSync(path.join(fake.work, 'record.json'), 'utf8')) as {
    argv: string[];
    apiKey: string | null;
    pid: number;
  };
}

async function failure(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(Error);
  return e as Error;
}

describe('vllmArguments', () => {
  it('builds `vllm serve` with the defaults and the pass-through arguments last', () => {
    expect(
      vllmArguments({ model: 'GAIR/autoj-13b', maxModelLen: 4096, extraArgs: ['--enable-prefix-caching'] }),
    ).toEqual([
      'serve',
      'GAIR/autoj-13b',
      '--host',
      '127.0.0.1',
      '--port',
      '8000',
      '--served-model-name',
      'GAIR/autoj-13b',
      '--max-model-len',
      '4096',
      '--tensor-parallel-size',
      '1',
      '--gpu-memory-utilization',
      '0.9',
      '--enable-prefix-caching',
    ]);
  });

  it("leaves the context length to the model when none is given (a profile that takes the model's)", () => {
    const args = vllmArguments({ model: 'meta-llama/Meta-Llama-3-70B-Instruct' });
    expect(args).not.toContain('--max-model-len');
    expect(args.slice(0, 2)).toEqual(['serve', 'meta-llama/Meta-Llama-3-70B-Instruct']);
  });
});

describe('startJudgeServer', () => {
  it('starts vllm serve, waits until it answers, and stops it with its workers', async () => {
    const port = await freePort();
    const statuses: string[] = [];
    const server = await startJudgeServer({
      ...options(port, {
        FAKE_VLLM_RECORD: path.join(fake.work, 'record.json'),
        FAKE_VLLM_WORKER_PID: path.join(fake.work, 'worker.pid'),
        FAKE_VLLM_DELAY_MS: '300',
      }),
      model: 'GAIR/autoj-bilingual-6b',
      servedModelName: 'autoj-6b',
      maxModelLen: 2048,
      tensorParallelSize: 2,
      gpuMemoryUtilization: 0.85,
      extraArgs: ['--max-num-seqs', '256'],
      apiKey: 'secret-key-1',
      onStatus: (line) => statuses.push(line),
    });
    servers.push(server);
    expect(server.url).toBe(`http://127.0.0.1:${port}/v1`);
    expect(server.model).toBe('autoj-6b');
    expect(server.maxModelLen).toBe(2048);
    const rec = record();
    expect(rec.argv).toEqual([
      'serve',
      'GAIR/autoj-bilingual-6b',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--served-model-name',
      'autoj-6b',
      '--max-model-len',
      '2048',
      '--tensor-parallel-size',
      '2',
      '--gpu-memory-utilization',
      '0.85',
      '--max-num-seqs',
      '256',
    ]);
    // the key reaches vLLM through its environment, never its command line
    expect(rec.apiKey).toBe('secret-key-1');
    expect(server.command.join(' ')).not.toContain('secret-key-1');
    // all output went to the log
    const log = fs.readFileSync(path.join(fake.work, 'logs/vllm.log'), 'utf8');
    expect(log).toContain('vLLM API server version 0.0.0-fake');
    expect(log).toContain('WARNING 01-01 00:00:00 fake: no GPU here');
    expect(log).not.toContain('secret-key-1');
    expect(statuses[0]).toMatch(
      /^starting vLLM: vllm serve GAIR\/autoj-bilingual-6b .* \(log: logs\/vllm\.log\)$/,
    );
    expect(statuses.at(-1)).toMatch(
      new RegExp(`^vLLM ready at http://127\\.0\\.0\\.1:${port}/v1 after \\d+ s$`),
    );

    const worker = Number(fs.readFileSync(path.join(fake.work, 'worker.pid'), 'utf8'));
    expect(processGone(worker)).toBe(false);
    await server.stop();
    expect(await server.exited).toEqual({ code: 0, signal: null });
    await waitUntil(() => processGone(worker));
    expect(fs.readFileSync(path.join(fake.work, 'logs/vllm.log'), 'utf8')).toContain('INFO shutting down');
  });

  it('fails with the tail of the log when vLLM exits before it is ready', async () => {
    const port = await freePort();
    const e = await failure(startJudgeServer({ ...options(port, { FAKE_VLLM_MODE: 'exit' }) }));
    expect(e).toBeInstanceOf(ServeError);
    expect(e.message).toBe(
      'vLLM exited with code 3 before it was ready: out of GPU memory (log: logs/vllm.log)',
    );
    const tail = (e as ServeError).logTail;
    expect(tail).toHaveLength(20);
    expect(tail.at(-1)).toBe('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 500.00 MiB.');
    expect(tail[0]).toBe('  File "engine.py", line 12, in load_model');
  });

  it('shows only this run in the tail of an appended log', async () => {
    fs.mkdirSync(path.join(fake.work, 'logs'));
    fs.writeFileSync(path.join(fake.work, 'logs/vllm.log'), 'old run line\n');
    const e = await failure(startJudgeServer({ ...options(await freePort(), { FAKE_VLLM_MODE: 'exit' }) }));
    expect((e as ServeError).logTail.join('\n')).not.toContain('old run line');
  });

  it('gives up after the timeout and stops vLLM', async () => {
    const port = await freePort();
    const recordFile = path.join(fake.work, 'record.json');
    const started = Date.now();
    const e = await failure(
      startJudgeServer({
        ...options(port, { FAKE_VLLM_MODE: 'never', FAKE_VLLM_RECORD: recordFile }),
        timeoutMs: 800,
      }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    expect(e).toBeInstanceOf(ServeError);
    expect(e.message).toBe(
      'vLLM did not answer /health and /v1/models within 1 s; stopped it (log: logs/vllm.log; a first start downloads the model)',
    );
    expect((e as ServeError).logTail.join('\n')).toContain('Uvicorn running');
    expect(processGone(record().pid)).toBe(true);
  });

  it('kills vLLM when it ignores SIGTERM for the grace period', async () => {
    const server = await startJudgeServer({
      ...options(await freePort(), { FAKE_VLLM_MODE: 'stubborn' }),
      stopGraceMs: 300,
    });
    const started = Date.now();
    await server.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('stops vLLM when aborted during startup', async () => {
    const controller = new AbortController();
    const recordFile = path.join(fake.work, 'record.json');
    const pending = startJudgeServer({
      ...options(await freePort(), { FAKE_VLLM_MODE: 'never', FAKE_VLLM_RECORD: recordFile }),
      signal: controller.signal,
    });
    await waitUntil(() => fs.existsSync(recordFile));
    controller.abort(new Error('SIGINT'));
    await expect(pending).rejects.toThrow('SIGINT');
    expect(processGone(record().pid)).toBe(true);
  });

  it('says how to get vLLM when it is not on PATH', async () => {
    const e = await failure(
      startJudgeServer({ ...options(await freePort()), env: { PATH: '/nonexistent' } }),
    );
    expect(e).toBeInstanceOf(BenchError);
    expect(e.message).toBe(
      'vllm is not on PATH: install vLLM (`pip install vllm`, on a machine with a GPU), or start the server yourself',
    );
    const e2 = await failure(startJudgeServer({ ...options(await freePort()), vllm: './no/such/vllm' }));
    expect(e2.message).toMatch(/^\.\/no\/such\/vllm: no executable file there; install vLLM/);
  });

  it('accepts an explicit path to the executable', async () => {
    const server = await startJudgeServer({
      ...options(await freePort()),
      env: { PATH: path.dirname(process.execPath) },
      vllm: fake.executable,
    });
    servers.push(server);
    expect(server.command[0]).toBe(fake.executable);
  });

  it('refuses a port that is already taken', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const e = await failure(startJudgeServer(options(port)));
      expect(e.message).toBe(
        `something already listens on 127.0.0.1:${port} (a judge server already running at http://127.0.0.1:${port}/v1?)`,
      );
    } finally {
      busy.close();
    }
  });
});
