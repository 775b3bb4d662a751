import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JudgmentStore } from '../../harness/store/judgment-store.js';
import { SHARED_DATA } from '../helpers/cli.js';
import { startVllmSim, type VllmSim } from '../helpers/vllm-sim.js';

/**
 * The built CLI as a real process, stopped in the middle of a run: Ctrl-C (SIGINT) stops
 * cleanly with exit 130, SIGKILL loses at most what was in flight or not yet committed;
 * either way the rerun asks the server only for what the store lacks.
 * (`npm test` builds dist/ before the tests run.)
 */
const BIN = new URL('../../dist/bin/bench.js', import.meta.url).pathname;
const sims: VllmSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

function bench(args: string[], home: string) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, BENCH_HOME: home, ALPACA_EVAL_SOURCE: `${SHARED_DATA}/alpaca_eval` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  child.stdout.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exit, stderr: () => stderr };
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const storeCount = (home: string) => {
  const s = JudgmentStore.open(join(home, 'judgments.sqlite'), { readonly: true });
  try {
    return s.count();
  } finally {
    s.close();
  }
};

const ARGS = (url: string) => [
  'run',
  'alpacaeval',
  '--endpoint',
  url,
  '--models',
  'phi-2',
  '--instructions',
  '400',
  '--bootstrap',
  '0',
];

describe.each([
  ['SIGINT', 130],
  ['SIGKILL', null],
] as const)('a run stopped by %s', (signal, expectedCode) => {
  it('keeps what was judged, and the rerun sends only the rest', async () => {
    expect(existsSync(BIN), 'dist/ is built by npm test before vitest runs').toBe(true);
    const sim = await startVllmSim(['--time-scale', '10']);
    sims.push(sim);
    const home = mkdtempSync(join(tmpdir(), 'bench-int-'));
    const first = bench(ARGS(sim.url), home);
    await until(async () => (await sim.stats()).completed >= 60);
    first.child.kill(signal);
    const exit = await first.exit;
    if (expectedCode === null) expect(exit.signal).toBe('SIGKILL');
    else {
      expect(exit.code).toBe(expectedCode);
      expect(first.stderr()).toMatch(
        /interrupted: \d+ judgments of this run are stored; run the same command again to resume/,
      );
    }
    const completedBefore = (await sim.stats()).completed;
    const stored = storeCount(home);
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThanOrEqual(completedBefore);
    await sim.reset();

    const second = bench([...ARGS(sim.url), '--json'], home);
    const done = await second.exit;
    expect(done.code, second.stderr()).toBe(0);
    const sent = (await sim.stats()).sequences;
    const total = storeCount(home);
    expect(sent).toBe(total - stored); // nothing judged twice
  });
});
