import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBench, SHARED_DATA } from '../helpers/cli.js';

/**
 * The HTTP source: ../shared/data/alpaca_eval served on 127.0.0.1 as raw files with ETags
 * (the source asks for `model_outputs.json`, then `.json.gz`). Results must equal those
 * from the local folder, and the on-disk cache must revalidate instead of downloading again.
 */
const ROOT = `${SHARED_DATA}/alpaca_eval`;
const MODELS = ['gemma-2b-it', 'phi-2', 'alpaca-7b'];

describe('bench run alpacaeval --source http://...', () => {
  let server: Server;
  let base: string;
  const log: { path: string; status: number }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url!, 'http://x').pathname)).replace(/^\/+/, '');
      const file = join(ROOT, path);
      if (path.includes('..') || !existsSync(file) || !statSync(file).isFile()) {
        log.push({ path, status: 404 });
        res.writeHead(404).end('404: Not Found');
        return;
      }
      const body = readFileSync(file);
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
      if (req.headers['if-none-match'] === etag) {
        log.push({ path, status: 304 });
        res.writeHead(304, { etag }).end();
        return;
      }
      log.push({ path, status: 200 });
      res.writeHead(200, { etag, 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const args = [
    'run',
    'alpacaeval',
    '--judge',
    'length',
    '--models',
    ...MODELS,
    '--bootstrap',
    '20',
    '--json',
  ];

  it('gives the same result as the local folder, caches on disk and revalidates with ETags', async () => {
    const home = mkdtempSync(join(tmpdir(), 'bench-http-'));
    const overHttp = await runBench([...args, '--source', base], { env: { BENCH_HOME: home } });
    expect(overHttp.code, overHttp.stderr).toBe(0);
    const local = await runBench([...args, '--source', ROOT], { env: { BENCH_HOME: home } });
    // the same numbers; only where the reference files were read from differs
    const strip = (doc: { models: unknown; correlations: { file: string }[] }) => ({
      models: doc.models,
      correlations: doc.correlations.map(({ file: _file, ...c }) => c),
    });
    expect(strip(JSON.parse(overHttp.stdout))).toEqual(strip(JSON.parse(local.stdout)));

    // every model: model_outputs.json is tried (404 upstream-style), then .json.gz
    for (const m of MODELS) {
      expect(log).toContainEqual({ path: `results/${m}/model_outputs.json.gz`, status: 200 });
    }
    expect(readdirSync(join(home, 'cache', 'http')).length).toBeGreaterThan(0);

    log.length = 0;
    const again = await runBench([...args, '--source', base], { env: { BENCH_HOME: home } });
    expect(again.code).toBe(0);
    expect(log.filter((l) => l.status === 200)).toEqual([]); // nothing downloaded twice
    expect(log.filter((l) => l.status === 304).length).toBeGreaterThanOrEqual(MODELS.length + 2);

    log.length = 0;
    const offline = await runBench([...args, '--source', base, '--offline'], { env: { BENCH_HOME: home } });
    expect(offline.code).toBe(0);
    expect(log).toEqual([]); // offline sends nothing, not even for files upstream does not have
    expect(strip(JSON.parse(offline.stdout))).toEqual(strip(JSON.parse(local.stdout)));
  });

  it('--offline sends no request for a file it has not cached: that model is skipped, saying so', async () => {
    const home = mkdtempSync(join(tmpdir(), 'bench-http-'));
    const run = (models: string[], ...extra: string[]) =>
      runBench(
        [
          'run',
          'alpacaeval',
          '--judge',
          'length',
          '--models',
          ...models,
          '--bootstrap',
          '0',
          '--source',
          base,
          '--json',
          ...extra,
        ],
        { env: { BENCH_HOME: home } },
      );
    log.length = 0;
    const empty = await run(['phi-2'], '--offline');
    expect(log).toEqual([]);
    expect(empty.code).toBe(1);
    expect(empty.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^bench: http:\/\/127\.0\.0\.1:\d+\/src\/alpaca_eval\/leaderboards\/.*\.csv: not in the HTTP cache, and --offline sends no request$/,
    );

    expect((await run(['phi-2'])).code).toBe(0); // caches the references and phi-2
    log.length = 0;
    const offline = await run(['phi-2', 'alpaca-7b'], '--offline');
    expect(log).toEqual([]);
    expect(offline.code, offline.stderr).toBe(0);
    const doc = JSON.parse(offline.stdout) as {
      models: { model: string }[];
      skipped: { model: string; reason: string }[];
    };
    expect(doc.models.map((m) => m.model)).toEqual(['phi-2']);
    expect(doc.skipped.find((m) => m.model === 'alpaca-7b')).toMatchObject({
      reason: `${base}results/alpaca-7b/model_outputs.json: not in the HTTP cache, and --offline sends no request`,
    });
  });

  it('reports a model the server does not have as skipped, and an unreachable server in one line', async () => {
    const home = mkdtempSync(join(tmpdir(), 'bench-http-'));
    const r = await runBench(
      [
        'run',
        'alpacaeval',
        '--judge',
        'length',
        '--models',
        'no-such-model',
        'phi-2',
        '--bootstrap',
        '0',
        '--source',
        base,
        '--json',
      ],
      {
        env: { BENCH_HOME: home },
      },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).skipped).toContainEqual({
      model: 'no-such-model',
      reason: 'no outputs in the source',
    });

    const down = await runBench(
      ['run', 'alpacaeval', '--judge', 'length', '--source', 'http://127.0.0.1:9/'],
      {
        env: { BENCH_HOME: home },
      },
    );
    expect(down.code).toBe(1);
    expect(down.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^bench: http:\/\/127\.0\.0\.1:9\/src\/alpaca_eval\/leaderboards\/.*: source unreachable/,
    );
  });
});
