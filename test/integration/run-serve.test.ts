import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBench, VLLM_SIM } from '../helpers/cli.js';

/**
 * `bench run ... --serve` with a stand-in `vllm` on PATH that runs vllm-sim with the
 * arguments `vllm serve` would get: the harness starts the server, judges through it and
 * stops it afterwards.
 */
function fakeVllm(dir: string): string {
  const script = `#!/usr/bin/env node
const { spawn } = require('child_process');
const fs = require('fs');
const argv = process.argv.slice(2);
const opt = (n) => { const i = argv.indexOf('--' + n); return i >= 0 ? argv[i + 1] : undefined; };
fs.writeFileSync(${JSON.stringify(join(dir, 'argv.json'))}, JSON.stringify(argv));
const model = opt('served-model-name') || argv[1];
const child = spawn(process.execPath, [${JSON.stringify(VLLM_SIM)}, '--host', opt('host') || '127.0.0.1', '--port', opt('port'),
  '--model', model, '--time-scale', '500'], { stdio: 'inherit' });
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => child.kill(s));
child.on('exit', (code) => process.exit(code ?? 0));
`;
  const file = join(dir, 'vllm');
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  return dir;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** `bench run alpacaeval --serve` of 10 instructions of phi-2, with the stand-in vllm first on PATH. */
function runServed(dir: string, bin: string, port: number, extra: string[] = []) {
  return runBench(
    [
      'run',
      'alpacaeval',
      ...extra,
      '--serve',
      '--serve-port',
      String(port),
      '--models',
      'phi-2',
      '--instructions',
      '10',
      '--bootstrap',
      '0',
      '--json',
    ],
    { env: { BENCH_HOME: join(dir, 'home'), PATH: `${bin}:${process.env.PATH}` } },
  );
}

describe('bench run alpacaeval --serve', () => {
  it('starts the judge server, judges through it, and stops it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-serve-'));
    const bin = fakeVllm(dir);
    const port = await freePort();
    const r = await runServed(dir, bin, port);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { models: { model: string; n: number; parsed: number }[] };
    expect(doc.models[0]).toMatchObject({ model: 'phi-2', n: 10 });
    expect(doc.models[0]!.parsed).toBeGreaterThan(0);
    const argv = JSON.parse(readFileSync(join(dir, 'argv.json'), 'utf8')) as string[];
    expect(argv.slice(0, 2)).toEqual(['serve', 'GAIR/autoj-13b']);
    expect(argv).toContain(String(port));
    // stopped afterwards: nothing listens on the port any more
    const stillUp = await fetch(`http://127.0.0.1:${port}/health`).then(
      () => true,
      () => false,
    );
    expect(stillUp).toBe(false);
  });

  it("--judge prometheus2 --serve: vLLM gets the profile's model, context length and chat template", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-serve-'));
    const bin = fakeVllm(dir);
    const port = await freePort();
    const r = await runServed(dir, bin, port, ['--judge', 'prometheus2']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { judge: { name: string }; models: { n: number; parsed: number }[] };
    expect(doc.judge.name).toBe('prometheus2');
    expect(doc.models[0]).toMatchObject({ n: 10, parsed: 10 });
    const argv = JSON.parse(readFileSync(join(dir, 'argv.json'), 'utf8')) as string[];
    expect(argv.slice(0, 2)).toEqual(['serve', 'prometheus-eval/prometheus-7b-v2.0']);
    const after = (flag: string) => argv[argv.indexOf(flag) + 1];
    expect(after('--max-model-len')).toBe('8192');
    expect(after('--chat-template')).toBe(
      new URL('../../judges/prometheus2/chat-template.jinja', import.meta.url).pathname,
    );

    // a profile that leaves the model open needs the weights named before anything starts
    const open = await runServed(dir, bin, port, ['--judge', 'mtbench']);
    expect(open.code).toBe(2);
    expect(open.stderr.trimEnd().split('\n').at(-1)).toBe(
      'bench: --serve: judge mtbench leaves the model open: name the weights to serve with --judge-model NAME',
    );
  });
});
