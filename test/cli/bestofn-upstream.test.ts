import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BESTOFN_PATH } from '../../suites/bestofn/data.js';
import { runBench } from '../helpers/cli.js';

/**
 * `bench run bestofn` without --data reads testdata_selection.jsonl from the upstream
 * repository's raw files through the HTTP cache of the AlpacaEval source: a local server
 * on 127.0.0.1 stands in for raw.githubusercontent.com (no real network ever). The file is
 * downloaded once, revalidated by its ETag after (304: no download), and read from the
 * cache alone with --offline.
 */

const FIXTURE = new URL('../fixtures/bestofn/selection.jsonl', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'bestofn-upstream-'));
const BASE = '/GAIR-NLP/auto-j/main/';

interface Hit {
  path: string;
  ifNoneMatch: string | undefined;
  status: number;
}
const hits: Hit[] = [];
let body = readFileSync(FIXTURE);
let server: Server;
let upstream: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const etag = `"${body.length}"`;
    const ifNoneMatch = req.headers['if-none-match'];
    const status = req.url !== `${BASE}${BESTOFN_PATH}` ? 404 : ifNoneMatch === etag ? 304 : 200;
    hits.push({ path: req.url ?? '', ifNoneMatch, status });
    res.writeHead(status, status === 200 ? { etag, 'content-type': 'text/plain' } : {});
    res.end(status === 200 ? body : undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream = `http://127.0.0.1:${(server.address() as AddressInfo).port}${BASE}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

const recorded = ['run', 'bestofn', '--rater', 'autoj', '--recorded', '--bootstrap', '20', '--json'];

describe('bench run bestofn without --data', () => {
  it('reads the upstream file once through the HTTP cache, then revalidates it, then offline', async () => {
    const home = { env: { BENCH_HOME: join(work, 'home') } };
    const local = await runBench([...recorded, '--data', FIXTURE], home);
    expect(local.code, local.stderr).toBe(0);
    const expected = JSON.parse(local.stdout) as { overall: unknown; dataset: unknown };

    const first = await runBench([...recorded, '--upstream', upstream], home);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`from ${upstream}${BESTOFN_PATH}`);
    const doc = JSON.parse(first.stdout) as typeof expected;
    expect(doc.overall).toEqual(expected.overall);
    expect(doc.dataset).toEqual(expected.dataset);
    expect(hits).toEqual([{ path: `${BASE}${BESTOFN_PATH}`, ifNoneMatch: undefined, status: 200 }]);

    const second = await runBench([...recorded, '--upstream', upstream], home);
    expect(second.code, second.stderr).toBe(0);
    expect((JSON.parse(second.stdout) as typeof expected).overall).toEqual(expected.overall);
    expect(hits.slice(1)).toEqual([
      { path: `${BASE}${BESTOFN_PATH}`, ifNoneMatch: `"${body.length}"`, status: 304 },
    ]);

    const offline = await runBench([...recorded, '--upstream', upstream, '--offline'], home);
    expect(offline.code, offline.stderr).toBe(0);
    expect((JSON.parse(offline.stdout) as typeof expected).overall).toEqual(expected.overall);
    expect(hits).toHaveLength(2);

    // the environment names the upstream too
    const byEnv = await runBench(recorded, { env: { ...home.env, AUTOJ_UPSTREAM: upstream } });
    expect(byEnv.code, byEnv.stderr).toBe(0);
    expect(hits).toHaveLength(3);
  });

  it('an empty cache with --offline, a missing file or a bad one upstream: one line naming the URL', async () => {
    const fresh = () => ({ env: { BENCH_HOME: mkdtempSync(join(work, 'fresh-')) } });
    const before = hits.length;
    const offline = await runBench([...recorded, '--upstream', upstream, '--offline'], fresh());
    expect(offline.code).not.toBe(0);
    expect(offline.stderr.trim().split('\n')).toHaveLength(1);
    expect(offline.stderr).toContain(
      `${upstream}${BESTOFN_PATH}: not in the HTTP cache, and --offline sends no request`,
    );
    expect(hits).toHaveLength(before);

    const elsewhere = `${upstream}nothing/`;
    const missing = await runBench([...recorded, '--upstream', elsewhere], fresh());
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim()).toBe(`bench: ${elsewhere}${BESTOFN_PATH}: no such file upstream`);

    const down = await runBench([...recorded, '--upstream', 'http://127.0.0.1:1/auto-j/'], fresh());
    expect(down.code).not.toBe(0);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).toMatch(/source unreachable .*; pass --data FILE for a local copy$/m);

    // a set with fewer candidates than the first
    const lines = readFileSync(FIXTURE, 'utf8').split('\n').filter(Boolean);
    const row = JSON.parse(lines[1]!) as {
      outputs: Record<string, { outputs: string[]; scores: { autoj: number[] } }>;
    };
    const model = Object.keys(row.outputs)[0]!;
    row.outputs[model]!.outputs.pop();
    row.outputs[model]!.scores.autoj.pop();
    body = Buffer.from([lines[0], JSON.stringify(row), ...lines.slice(2)].join('\n') + '\n');
    const bad = await runBench([...recorded, '--upstream', upstream], fresh());
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(new RegExp(`${upstream}${BESTOFN_PATH}: line 2: .*candidates`));
  });
});
