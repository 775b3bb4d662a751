import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { benchCommands } from '../../harness/cli/commands/index.js';
import type { CliIO } from '../../harness/cli/io.js';
import { runCli } from '../../harness/cli/program.js';
import { freePort, makeFakeVllm, processGone, type FakeVllm } from './fake-vllm.js';
import { builtInSuites } from '../../suites/index.js';

const commands = benchCommands(builtInSuites);

let fake: FakeVllm;
beforeEach(() => {
  fake = makeFakeVllm();
});
afterEach(() => {
  fake.remove();
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bench serve ...` in process; like Ctrl-C, aborts io.signal once the server is
 * ready (or after `abortAfterMs`).
 */
async function serve(
  args: string[],
  env: Record<string, string> = {},
  options: { abortAfterMs?: number; abortOnReady?: boolean } = {},
): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const controller = new AbortController();
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
      if (options.abortOnReady !== false && t.includes('judge server ready'))
        controller.abort(new Error('SIGINT'));
    },
    stderrIsTTY: false,
    env: { PATH: fake.path, ...env },
    cwd: fake.work,
    signal: controller.signal,
  };
  const timer =
    options.abortAfterMs === undefined
      ? undefined
      : setTimeout(() => controller.abort(new Error('SIGINT')), options.abortAfterMs);
  const code = await runCli(['serve', ...args], io, commands);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

function record(): { argv: string[]; apiKey: string | null; pid: number } {
  return JSON.parse(fs.readFileSync(path.join(fake.work, 'record.json'), 'utf8')) as {
    argv: string[];
    apiKey: string | null;
    pid: number;
  };
}

describe('bench serve', () => {
  it('serves until Ctrl-C, then stops vLLM and exits 0', async () => {
    const port = await freePort();
    const out = await serve(
      [
        '--port',
        String(port),
        '--max-model-len',
        '4096',
        '--',
        '--enable-prefix-caching',
        '--max-num-seqs',
        '256',
        '--swap-space',
        '4.0',
      ],
      { FAKE_VLLM_RECORD: path.join(fake.work, 'record.json') },
    );
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(`http://127.0.0.1:${port}/v1\n`);
    expect(out.stderr).toContain(
      `bench serve: judge server ready at http://127.0.0.1:${port}/v1 (model GAIR/autoj-13b); Ctrl-C stops it`,
    );
    expect(out.stderr).toContain('bench serve: vLLM stopped');
    const rec = record();
    expect(rec.argv).toEqual([
      'serve',
      'GAIR/autoj-13b',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--served-model-name',
      'GAIR/autoj-13b',
      '--max-model-len',
      '4096',
      '--tensor-parallel-size',
      '1',
      '--gpu-memory-utilization',
      '0.9',
      '--enable-prefix-caching',
      '--max-num-seqs',
      '256',
      '--swap-space',
      '4.0',
    ]);
    expect(rec.apiKey).toBeNull();
    expect(processGone(rec.pid)).toBe(true);
    // default log under .bench/ in the working directory
    expect(fs.readFileSync(path.join(fake.work, '.bench/vllm.log'), 'utf8')).toContain('Uvicorn running');
  });

  it('prints one JSON document with --json', async () => {
    const port = await freePort();
    const out = await serve([
      '--port',
      String(port),
      '--json',
      '--served-model-name',
      'autoj',
      '--log',
      'v.log',
    ]);
    expect(out.code).toBe(0);
    const doc = JSON.parse(out.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({
      url: `http://127.0.0.1:${port}/v1`,
      model: 'autoj',
      maxModelLen: 4096,
      log: path.join(fake.work, 'v.log'),
    });
  });

  describe("takes what vLLM needs from the judge's profile (--judge)", () => {
    const JUDGES = path.resolve(import.meta.dirname, '../../judges');
    /** bench serve's defaults for the GPU, the same for every judge */
    const GPU = ['--tensor-parallel-size', '1', '--gpu-memory-utilization', '0.9'];
    const argvFor = async (args: string[]) => {
      const port = await freePort();
      const out = await serve(['--port', String(port), ...args], {
        FAKE_VLLM_RECORD: path.join(fake.work, 'record.json'),
      });
      expect(out.code, out.stderr).toBe(0);
      const argv = record().argv;
      // the fixed part every judge shares
      expect(argv.slice(2, 6)).toEqual(['--host', '127.0.0.1', '--port', String(port)]);
      return { argv, out };
    };

    it('autoj (the default): its model and 4,096-token context', async () => {
      const { argv } = await argvFor(['--judge', 'autoj']);
      expect(argv).toEqual([
        'serve',
        'GAIR/autoj-13b',
        ...argv.slice(2, 6),
        '--served-model-name',
        'GAIR/autoj-13b',
        '--max-model-len',
        '4096',
        ...GPU,
      ]);
    });

    it('autoj-gptq: the authors\u2019 4-bit weights with --quantization gptq', async () => {
      const { argv, out } = await argvFor(['--judge', 'autoj-gptq']);
      expect(argv).toEqual([
        'serve',
        'GAIR/autoj-13b-GPTQ-4bits',
        ...argv.slice(2, 6),
        '--served-model-name',
        'GAIR/autoj-13b-GPTQ-4bits',
        '--max-model-len',
        '4096',
        ...GPU,
        '--quantization',
        'gptq',
      ]);
      expect(out.stderr).toContain('(model GAIR/autoj-13b-GPTQ-4bits)');
    });

    it('prometheus2: its 8,192-token context and the chat template that renders the authors\u2019 prompts', async () => {
      const { argv } = await argvFor(['--judge', 'prometheus2', '--', '--enable-prefix-caching']);
      expect(argv).toEqual([
        'serve',
        'prometheus-eval/prometheus-7b-v2.0',
        ...argv.slice(2, 6),
        '--served-model-name',
        'prometheus-eval/prometheus-7b-v2.0',
        '--max-model-len',
        '8192',
        ...GPU,
        '--chat-template',
        path.join(JUDGES, 'prometheus2/chat-template.jinja'),
        // the user's arguments after the profile's, so that they win
        '--enable-prefix-caching',
      ]);
    });

    it('--model and --max-model-len override the profile; its quantization stays', async () => {
      const { argv } = await argvFor([
        '--judge',
        'autoj-gptq',
        '--model',
        '/models/autoj-gptq',
        '--max-model-len',
        '2048',
      ]);
      expect(argv.slice(0, 2)).toEqual(['serve', '/models/autoj-gptq']);
      expect(argv.slice(6)).toEqual([
        '--served-model-name',
        '/models/autoj-gptq',
        '--max-model-len',
        '2048',
        ...GPU,
        '--quantization',
        'gptq',
      ]);
    });

    it('without --judge, --model of a built-in judge gets its settings; another model none of them', async () => {
      const prometheus = await argvFor(['--model', 'prometheus-eval/prometheus-7b-v2.0']);
      expect(prometheus.argv.slice(-2)).toEqual([
        '--chat-template',
        path.join(JUDGES, 'prometheus2/chat-template.jinja'),
      ]);
      expect(prometheus.argv[prometheus.argv.indexOf('--max-model-len') + 1]).toBe('8192');
      const other = await argvFor(['--model', 'mistralai/Mistral-7B-Instruct-v0.3']);
      expect(other.argv).toEqual([
        'serve',
        'mistralai/Mistral-7B-Instruct-v0.3',
        ...other.argv.slice(2, 6),
        '--served-model-name',
        'mistralai/Mistral-7B-Instruct-v0.3',
        ...GPU,
      ]);
    });

    it("mtbench leaves the model open: --model names it, and the context is the model's own", async () => {
      const missing = await serve(['--port', String(await freePort()), '--judge', 'mtbench']);
      expect(missing.code).toBe(2);
      expect(missing.stderr.trim()).toBe(
        'bench: judge mtbench leaves the model open: name the model to serve with --model (Hugging Face id or path)',
      );
      const { argv } = await argvFor([
        '--judge',
        'mtbench',
        '--model',
        'meta-llama/Meta-Llama-3-70B-Instruct',
      ]);
      expect(argv.slice(0, 2)).toEqual(['serve', 'meta-llama/Meta-Llama-3-70B-Instruct']);
      expect(argv).not.toContain('--max-model-len');
    });

    it('an unknown judge gets the list and the nearest name; the length judge needs no server', async () => {
      const unknown = await serve(['--judge', 'prometheus']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(
        /^bench: unknown judge "prometheus" \(did you mean "prometheus2"\?\); built-in judges: autoj, autoj-bilingual, autoj-gptq, autoj-scenario-classifier, critique-comparator, mtbench, prometheus2;/,
      );
      const length = await serve(['--judge', 'length']);
      expect(length.code).toBe(2);
      expect(length.stderr.trim()).toBe('bench: the length judge runs in process: it needs no server');
    });
  });

  it('gives vLLM the key from $BENCH_API_KEY without showing it', async () => {
    const port = await freePort();
    const out = await serve(['--port', String(port)], {
      BENCH_API_KEY: 'bench-secret-9',
      FAKE_VLLM_RECORD: path.join(fake.work, 'record.json'),
    });
    expect(out.code).toBe(0);
    expect(record().apiKey).toBe('bench-secret-9');
    expect(record().argv.join(' ')).not.toContain('bench-secret-9');
    expect(out.stdout + out.stderr).not.toContain('bench-secret-9');
  });

  it('fails with one line and the tail of the log when vLLM dies at start', async () => {
    const out = await serve(['--port', String(await freePort())], { FAKE_VLLM_MODE: 'exit' });
    expect(out.code).toBe(1);
    const lines = out.stderr.trimEnd().split('\n');
    expect(lines.at(-1)).toBe(
      'bench: vLLM exited with code 3 before it was ready: out of GPU memory (lower --max-model-len or ' +
        '--gpu-memory-utilization, or raise --tensor-parallel-size) (log: .bench/vllm.log)',
    );
    expect(out.stderr).toContain('bench serve: last 20 lines of .bench/vllm.log:');
    expect(lines.at(-2)).toBe('  torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 500.00 MiB.');
    expect(out.stdout).toBe('');
  });

  it('fails when vLLM dies while serving', async () => {
    const out = await serve(
      ['--port', String(await freePort())],
      { FAKE_VLLM_MODE: 'crash-later', FAKE_VLLM_CRASH_MS: '500' },
      { abortOnReady: false },
    );
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\n$/);
    const lines = out.stderr.trimEnd().split('\n');
    expect(lines.at(-2)).toBe('  ERROR engine core died');
    expect(lines.at(-1)).toBe('bench: vLLM exited with code 1 while serving (log: .bench/vllm.log)');
  });

  it('exits 130 when interrupted before vLLM is ready', async () => {
    const out = await serve(
      ['--port', String(await freePort()), '--timeout', '30'],
      { FAKE_VLLM_MODE: 'never' },
      { abortAfterMs: 400 },
    );
    expect(out.code).toBe(130);
    expect(out.stderr.trimEnd().split('\n').at(-1)).toBe(
      'bench: interrupted before vLLM was ready; stopped it',
    );
  });

  it('says how to install vLLM when it is missing', async () => {
    let stderr = '';
    const io: CliIO = {
      stdout: () => {},
      stderr: (t) => {
        stderr += t;
      },
      stderrIsTTY: false,
      env: { PATH: '/nonexistent' },
      cwd: fake.work,
      signal: new AbortController().signal,
    };
    expect(await runCli(['serve'], io, commands)).toBe(1);
    expect(stderr).toContain(
      'bench: vllm is not on PATH: install vLLM (`pip install vllm`, on a machine with a GPU) or pass --vllm',
    );
  });

  it('documents its options', async () => {
    let stdout = '';
    const io: CliIO = {
      stdout: (t) => {
        stdout += t;
      },
      stderr: () => {},
      stderrIsTTY: false,
      env: {},
      cwd: fake.work,
      signal: new AbortController().signal,
    };
    expect(await runCli(['serve', '--help'], io, commands)).toBe(0);
    for (const option of [
      '--judge',
      '--model',
      '--port',
      '--host',
      '--vllm',
      '--log',
      '--timeout',
      '--api-key',
      '--max-model-len',
    ]) {
      expect(stdout).toContain(option);
    }
  });
});
