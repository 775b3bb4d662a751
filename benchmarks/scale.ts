/**
 * Issue 13's scale figures: all of AlpacaEval (every submission x 805 instructions) judged
 * by Auto-J against vllm-sim, as a user runs it, in a child process per run:
 *
 *   1. cold: an empty store; 2. warm: the same command again (every judgment stored: it
 *   must send 0 requests and give the cold result exactly);
 *   3./4. the same, cold and warm, over a doubled leaderboard: a temp source tree with every
 *   submission also under a second name (`<model>@2`);
 *   5./6. the length judge's quick start (`--judge length`), twice.
 *
 * For each it prints the wall time and the peak RSS of the CLI's process (its
 * `Maximum resident set size`, from /usr/bin/time), the judgments sent and found stored,
 * and the simulator's request count. The simulator runs on 127.0.0.1 with `--time-scale`
 * (default 2000) so the judging does not wait for a simulated GPU.
 *
 *   npm run build && node dist/benchmarks/scale.js [--source DIR] [--models a b c] [--time-scale N]
 *     [--skip-doubled] [--skip-length] [--keep]
 *
 * `--keep` leaves the scratch folder (the stores) for looking into afterwards.
 */
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { flagValues } from './args.js';

const args = process.argv.slice(2);
const listAfter = (name: string): string[] => flagValues(args, name);
const source = resolve(listAfter('source')[0] ?? '../shared/data/alpaca_eval');
const models = listAfter('models');
const timeScale = listAfter('time-scale')[0] ?? '2000';
const bench = resolve('dist/bin/bench.js');
const simScript = resolve('../shared/tools/vllm-sim/vllm-sim.mjs');
const work = mkdtempSync(join(tmpdir(), 'bench-scale-'));
const TIME = '/usr/bin/time';
if (!existsSync(TIME)) throw new Error(`${TIME} is needed to measure the peak RSS of the CLI's process`);

// `--bytes-per-token 16`: the simulator checks the context with a lenient count (UTF-8
// bytes / 6 by default) meant never to reject what a real Llama-2 server accepts. Six
// AlpacaEval prompts break that promise: runs of repeated characters that Llama-2 packs into
// few tokens (2,182 to 3,056 tokens by llama-tokenizer-js, within 4,096 - 1,024; 23 to 47 KB).
// The default would fail them on every run, so the warm rerun would never be warm. Bytes / 16
// still rejects a prompt that was not fitted at all.
const sim = spawn(
  process.execPath,
  [simScript, '--host', '127.0.0.1', '--port', '0', '--time-scale', timeScale, '--bytes-per-token', '16'],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const origin = await new Promise<string>((ok, fail) => {
  const lines = createInterface({ input: sim.stdout! });
  lines.on('line', (line) => {
    try {
      const info = JSON.parse(line) as { listening?: string };
      if (info.listening) ok(info.listening);
    } catch {
      // not the startup line
    }
  });
  sim.once('exit', (code) => fail(new Error(`vllm-sim exited (${code}) before listening`)));
});
sim.stdout!.resume();
const simRequests = async (): Promise<number> =>
  ((await (await fetch(`${origin}/sim/stats`)).json()) as { requests: number }).requests;

interface Measured {
  readonly wallS: number;
  readonly peakMB: number;
  readonly result: { manifest?: { judgments?: Record<string, number> } } & Record<string, unknown>;
  readonly requests: number;
}

/** One `bench` run in a child process under /usr/bin/time. */
async function measure(label: string, argv: readonly string[]): Promise<Measured> {
  const timeFile = join(work, 'time.txt');
  const before = await simRequests();
  const t0 = performance.now();
  const child = spawn(TIME, ['-f', '%M %U %S', '-o', timeFile, process.execPath, bench, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BENCH_HOME: join(work, 'home') },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const code = await new Promise<number | null>((ok) => child.once('exit', ok));
  const wallS = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`${label}: bench exited ${code}: ${stderr.slice(-2000)}`);
  const [maxRssKb, user, system] = readFileSync(timeFile, 'utf8')
    .trim()
    .split('\n')
    .at(-1)!
    .split(' ')
    .map(Number);
  const peakMB = maxRssKb! / 1024;
  const cpuS = user! + system!;
  const result = JSON.parse(stdout) as Measured['result'];
  const requests = (await simRequests()) - before;
  const j = result.manifest?.judgments ?? {};
  console.log(
    `${label.padEnd(28)} wall ${wallS.toFixed(2).padStart(7)} s   cpu ${cpuS.toFixed(2).padStart(7)} s   peak RSS ${peakMB.toFixed(0).padStart(5)} MB   ` +
      `judgments ${j.requested ?? 0} (sent ${j.sent ?? 0}, stored ${j.cached ?? 0})   requests to the server ${requests}`,
  );
  return { wallS, peakMB, result, requests };
}

/** The result without its manifest (timings, timestamps, counts of what was sent). */
const withoutManifest = (r: Measured['result']): string => JSON.stringify({ ...r, manifest: undefined });

const autoj = (src: string, store: string): string[] => [
  'run',
  'alpacaeval',
  '--endpoint',
  `${origin}/v1`,
  '--source',
  src,
  '--store',
  store,
  '--json',
  ...(models.length > 0 ? ['--models', ...models] : []),
];

/** A copy of the source with every submission also under `<model>@2` (hard links where possible). */
function doubledSource(): string {
  const root = join(work, 'doubled');
  cpSync(join(source, 'src'), join(root, 'src'), { recursive: true });
  for (const model of readdirSync(join(source, 'results'))) {
    for (const name of readdirSync(join(source, 'results', model))) {
      if (!name.startsWith('model_outputs.json')) continue;
      for (const as of [model, `${model}@2`]) {
        mkdirSync(join(root, 'results', as), { recursive: true });
        const from = join(source, 'results', model, name);
        const to = join(root, 'results', as, name);
        try {
          linkSync(from, to);
        } catch {
          cpSync(from, to);
        }
      }
    }
  }
  return root;
}

const check = (what: string, ok: boolean): void => console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);

try {
  console.log(`vllm-sim ${origin} --time-scale ${timeScale}; source ${source}; scratch ${work}`);
  console.log('peak RSS and cpu (user + system): the CLI process\'s, from /usr/bin/time -f "%M %U %S"');
  const cold = await measure('cold (all models)', autoj(source, join(work, 'one.sqlite')));
  const warm = await measure('warm rerun', autoj(source, join(work, 'one.sqlite')));
  check('the warm rerun sent 0 requests', warm.requests === 0);
  check('the warm result equals the cold one', withoutManifest(warm.result) === withoutManifest(cold.result));
  check('warm rerun <= 5 s', warm.wallS <= 5);
  check('peak RSS <= 400 MB, cold and warm', cold.peakMB <= 400 && warm.peakMB <= 400);
  if (!args.includes('--skip-doubled')) {
    const doubled = doubledSource();
    const coldTwice = await measure('cold (doubled leaderboard)', autoj(doubled, join(work, 'two.sqlite')));
    const warmTwice = await measure('warm (doubled leaderboard)', autoj(doubled, join(work, 'two.sqlite')));
    const ratio = (a: Measured, b: Measured) => (a.peakMB / b.peakMB).toFixed(2);
    console.log(
      `  doubled / single peak RSS: cold ${ratio(coldTwice, cold)}x, warm ${ratio(warmTwice, warm)}x`,
    );
    check(
      'doubled leaderboard <= 1.15 x the peak',
      coldTwice.peakMB <= 1.15 * cold.peakMB && warmTwice.peakMB <= 1.15 * warm.peakMB,
    );
    check('the doubled warm rerun sent 0 requests', warmTwice.requests === 0);
  }
  if (!args.includes('--skip-length')) {
    const length = ['run', 'alpacaeval', '--judge', 'length', '--source', source, '--json'];
    await measure('length quick start (first)', length);
    await measure('length quick start (again)', length);
  }
} finally {
  sim.kill('SIGTERM');
  if (args.includes('--keep')) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
