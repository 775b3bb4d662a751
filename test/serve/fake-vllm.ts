import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A fake `vllm` executable for launcher tests: a node script named `vllm` in a temp dir
 * (put the dir first on PATH). It records its arguments and environment, writes log lines
 * to stdout and stderr, and serves /health and /v1/models on --host/--port like
 * `vllm serve`. Its behaviour is chosen by environment variables:
 * - FAKE_VLLM_MODE: `ok` (default), `exit` (dies at once with an OOM traceback),
 *   `never` (/health stays 503), `stubborn` (ignores SIGTERM), `crash-later` (exits 1
 *   FAKE_VLLM_CRASH_MS after being ready)
 * - FAKE_VLLM_DELAY_MS: /health answers 503 for this long first
 * - FAKE_VLLM_RECORD: file that receives {argv, apiKey, pid}
 * - FAKE_VLLM_WORKER_PID: spawn a worker process (like vLLM's engine core) and write its pid here
 */
const SCRIPT = String.raw`#!/usr/bin/env node
const http = require('http');
const fs = require('fs');
const { spawn } = require('child_process');
const argv = process.argv.slice(2);
const opt = (n) => { const i = argv.indexOf('--' + n); return i >= 0 ? argv[i + 1] : undefined; };
const mode = process.env.FAKE_VLLM_MODE || 'ok';
if (process.env.FAKE_VLLM_RECORD) {
  fs.writeFileSync(process.env.FAKE_VLLM_RECORD, JSON.stringify({ argv, apiKey: process.env.VLLM_API_KEY || null, pid: process.pid }));
}
console.log('INFO 01-01 00:00:00 api_server.py: vLLM API server version 0.0.0-fake');
console.error('WARNING 01-01 00:00:00 fake: no GPU here, pretending');
if (mode === 'exit') {
  for (let i = 1; i <= 30; i++) console.error('  File "engine.py", line ' + i + ', in load_model');
  console.error('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 500.00 MiB.');
  process.exit(3);
}
if (process.env.FAKE_VLLM_WORKER_PID) {
  const worker = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  fs.writeFileSync(process.env.FAKE_VLLM_WORKER_PID, String(worker.pid));
}
const served = opt('served-model-name');
const maxLen = Number(opt('max-model-len'));
const readyAt = Date.now() + Number(process.env.FAKE_VLLM_DELAY_MS || 0);
const key = process.env.VLLM_API_KEY;
const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    const ok = mode !== 'never' && Date.now() >= readyAt;
    res.writeHead(ok ? 200 : 503);
    return res.end();
  }
  if (req.url === '/v1/models') {
    if (key && req.headers.authorization !== 'Bearer ' + key) { res.writeHead(401); return res.end('{"error":"Unauthorized"}'); }
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ object: 'list', data: [{ id: served, object: 'model', max_model_len: maxLen }] }));
  }
  res.writeHead(404);
  res.end();
});
server.listen(Number(opt('port')), opt('host'), () => {
  console.log('INFO:     Uvicorn running on http://' + opt('host') + ':' + opt('port'));
  if (mode === 'crash-later') setTimeout(() => { console.error('ERROR engine core died'); process.exit(1); }, Number(process.env.FAKE_VLLM_CRASH_MS || 200));
});
process.on('SIGTERM', () => {
  console.log('INFO shutting down');
  if (mode === 'stubborn') return;
  server.close();
  process.exit(0);
});
`;

export interface FakeVllm {
  /** the dir holding `vllm`, to put first on PATH */
  readonly dir: string;
  /** the executable's path */
  readonly executable: string;
  /** PATH with the fake first */
  readonly path: string;
  /** a scratch dir for logs and records */
  readonly work: string;
  remove(): void;
}

export function makeFakeVllm(): FakeVllm {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-vllm-'));
  const dir = path.join(root, 'bin');
  const work = path.join(root, 'work');
  fs.mkdirSync(dir);
  fs.mkdirSync(work);
  const executable = path.join(dir, 'vllm');
  fs.writeFileSync(executable, SCRIPT, { mode: 0o755 });
  // `#!/usr/bin/env node` must find this node
  const nodeDir = path.dirname(process.execPath);
  return {
    dir,
    executable,
    work,
    path: [dir, nodeDir, '/usr/bin', '/bin'].join(path.delimiter),
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** A port nothing listens on (free a moment ago). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether a process is gone (or a zombie waiting to be reaped). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

export async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
