import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FAILED_JUDGMENTS_EXIT } from '../../harness/core/errors.js';
import { INSTRUCTIONS, makeAlpacaTree, outputsOfLength } from '../helpers/alpaca-tree.js';
import { runBench } from '../helpers/cli.js';
import { completionBody, startFakeOpenAI, vllmError, type FakeOpenAI } from '../helpers/fake-openai.js';
import { AUTOJ } from '../pairwise/helpers.js';

/**
 * How a judging run ends when judgments fail (issue 9, point 3): a run with failed
 * judgments says so on its last line and exits 3 unless --max-failures allows them; a run
 * that ranks nothing fails and is neither archived nor rendered. And a --store that does
 * not exist yet is created, folders too (point 8).
 */
const servers: FakeOpenAI[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A judge server whose first `failing` completions are refused (400), the rest rated 7 (or unparsed). */
async function judgeServer(failing: number, text = 'Fine.\n\nRating: [[7]]'): Promise<FakeOpenAI> {
  let n = 0;
  const server = await startFakeOpenAI({
    completions: () =>
      n++ < failing ? vllmError(400, 'refused by the test server') : { body: completionBody(text) },
  });
  servers.push(server);
  return server;
}

const tree = makeAlpacaTree(
  {
    alpha: { outputs: outputsOfLength(INSTRUCTIONS.length, 20) },
    beta: { outputs: outputsOfLength(INSTRUCTIONS.length, 40) },
  },
  { ae1: ',win_rate,mode\nalpha,60,community\nbeta,40,community\n' },
);

function workspace() {
  const root = mkdtempSync(join(tmpdir(), 'bench-outcome-'));
  return { root, home: join(root, '.bench'), site: join(root, 'site'), out: join(root, 'out') };
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? '';
const archived = (home: string) => (existsSync(join(home, 'runs')) ? readdirSync(join(home, 'runs')) : []);

/** 2 models x 5 instructions = 10 judgments, one prompt per request. */
function run(server: FakeOpenAI, ws: ReturnType<typeof workspace>, extra: string[] = []) {
  return runBench(
    [
      'run',
      'alpacaeval',
      '--endpoint',
      server.url,
      '--reference',
      'ae1',
      '--models',
      'alpha',
      'beta',
      '--instructions',
      '5',
      '--batch-size',
      '1',
      '--bootstrap',
      '0',
      '--report',
      ws.site,
      '--out',
      ws.out,
      '--json',
      ...extra,
    ],
    { env: { BENCH_HOME: ws.home, ALPACA_EVAL_SOURCE: tree }, cwd: ws.root },
  );
}

interface Doc {
  models: { model: string; rank: number | null; errors: number }[];
  manifest: { judgments: { requested: number; errors: number; unparsed: number } };
}

describe('bench run alpacaeval: failed judgments', () => {
  it('3 of 10 failed: the result is written and archived, the last line says so, exit 3, no report', async () => {
    const ws = workspace();
    const r = await run(await judgeServer(3), ws);
    expect(r.code, r.stderr).toBe(FAILED_JUDGMENTS_EXIT);
    expect(lastLine(r.stderr)).toBe(
      'bench: 3 of 10 judgments failed: the scores leave them out; the same command judges them again, --max-failures N allows N; --report not rendered',
    );
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.manifest.judgments).toMatchObject({ requested: 10, errors: 3 });
    expect(JSON.parse(readFileSync(join(ws.out, 'result.json'), 'utf8'))).toEqual(doc);
    expect(archived(ws.home)).toHaveLength(1);
    expect(existsSync(ws.site)).toBe(false);
  });

  it('--max-failures allows them: exit 0, rendered, and the last line still counts them', async () => {
    const ws = workspace();
    const r = await run(await judgeServer(3), ws, ['--max-failures', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(lastLine(r.stderr)).toBe(
      'bench: 2 models ranked; 3 of 10 judgments failed (allowed by --max-failures 3)',
    );
    expect(existsSync(join(ws.site, 'index.html'))).toBe(true);
  });

  it('every judgment failed: no model ranked is a failure, not archived, not rendered', async () => {
    const ws = workspace();
    const r = await run(await judgeServer(Infinity), ws);
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toBe(
      'bench: no model ranked (2 skipped: the reasons are in the result); 10 of 10 judgments failed; the run is not archived; --report not rendered',
    );
    expect((JSON.parse(r.stdout) as Doc).models.every((m) => m.rank === null)).toBe(true);
    expect(existsSync(join(ws.out, 'result.json'))).toBe(true);
    expect(archived(ws.home)).toEqual([]);
    expect(existsSync(ws.site)).toBe(false);
  });

  it('unparsed answers are not failures, but the last line says how many', async () => {
    let n = 0;
    const mixed = await startFakeOpenAI({
      completions: () => ({ body: completionBody(n++ < 2 ? 'No verdict.' : 'Fine.\n\nRating: [[6]]') }),
    });
    servers.push(mixed);
    const r = await run(mixed, workspace());
    expect(r.code, r.stderr).toBe(0);
    expect(lastLine(r.stderr)).toBe(
      'bench: 2 models ranked; 2 unparsed (the judge answered without a verdict)',
    );

    const clean = await run(await judgeServer(0), workspace());
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stderr).not.toMatch(/^bench: /m);
  });
});

describe('bench refresh: a night that ranks no model', () => {
  it('fails and writes no snapshot (every submission below --min-coverage)', async () => {
    const ws = workspace();
    const partial = makeAlpacaTree(
      { alpha: { outputs: outputsOfLength(10, 20) }, beta: { outputs: outputsOfLength(12, 40) } },
      { ae2: ',win_rate,length_controlled_winrate,mode\nalpha,60,50,community\nbeta,40,45,community\n' },
    );
    const r = await runBench(['refresh', '--judge', 'length', '--bootstrap', '0', '--site', ws.site], {
      env: { BENCH_HOME: ws.home, ALPACA_EVAL_SOURCE: partial },
      cwd: ws.root,
    });
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toBe(
      'bench: no model ranked (2 skipped: alpha: coverage 10/805 (1.2%) below --min-coverage 95%; beta: coverage 12/805 (1.4%) below --min-coverage 95%)',
    );
    expect(existsSync(join(ws.root, 'leaderboards'))).toBe(false);
    expect(existsSync(ws.site)).toBe(false);
  });
});

describe('bench run pairwise, live: failed judgments', () => {
  const pairwise = (server: FakeOpenAI, ws: ReturnType<typeof workspace>, extra: string[] = []) =>
    runBench(
      ['run', 'pairwise', '--endpoint', server.url, '--data', AUTOJ, '--bootstrap', '0', '--json', ...extra],
      {
        env: { BENCH_HOME: ws.home },
        cwd: ws.root,
      },
    );
  /** Refuses (400) every prompt of the first pair, in both orders; decides the others. */
  async function pairServer(
    text = 'Both are fine.\n\nSo, the final decision is Response 1',
  ): Promise<FakeOpenAI> {
    const server = await startFakeOpenAI({
      completions: (req) => {
        const prompt = (req.body as { prompt: string | string[] }).prompt;
        const prompts = Array.isArray(prompt) ? prompt : [prompt];
        if (prompts.some((p) => p.includes('I (23 F) had sex with a friend (27 M)')))
          return vllmError(400, 'refused by the test server');
        return {
          body: {
            ...(completionBody(text) as object),
            choices: prompts.map((_, index) => ({
              index,
              text,
              logprobs: null,
              finish_reason: 'stop',
              stop_reason: null,
            })),
          },
        };
      },
    });
    servers.push(server);
    return server;
  }

  it('exits 3 with the count on the last line, 0 when --max-failures allows it', async () => {
    const server = await pairServer();
    const ws = workspace();
    const r = await pairwise(server, ws);
    expect(r.code, lastLine(r.stderr)).toBe(FAILED_JUDGMENTS_EXIT);
    expect(lastLine(r.stderr)).toBe(
      'bench: 2 of 2784 judgments failed: the figures leave them out; the same command judges them again, --max-failures N allows N',
    );
    expect(JSON.parse(r.stdout)).toMatchObject({ suite: 'pairwise' });
    expect(archived(ws.home)).toHaveLength(1);

    const allowed = await pairwise(server, workspace(), ['--max-failures', '2']);
    expect(allowed.code, lastLine(allowed.stderr)).toBe(0);
    expect(lastLine(allowed.stderr)).toBe('bench: 2 of 2784 judgments failed (allowed by --max-failures 2)');
  });

  it('no verdict at all is a failure and is not archived', async () => {
    const ws = workspace();
    const r = await pairwise(await pairServer('No decision here.'), ws);
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toBe(
      'bench: no verdict: 2 of 2784 judgments failed, 2782 unparsed (the judge answered without a verdict); the run is not archived',
    );
    expect(archived(ws.home)).toEqual([]);
  });
});

describe('--store that does not exist yet (point 8)', () => {
  it('is not needed by a length-judge run with --report, nor by a length refresh', async () => {
    const ws = workspace();
    const store = join(ws.root, 'new', 'judgments.sqlite');
    const env = { BENCH_HOME: ws.home, ALPACA_EVAL_SOURCE: tree };
    const lengthJudge = ['--judge', 'length', '--reference', 'ae1', '--bootstrap', '0', '--store', store];
    const r = await runBench(['run', 'alpacaeval', ...lengthJudge, '--report', ws.site], {
      env,
      cwd: ws.root,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(ws.site, 'alpacaeval', 'length', 'index.html'))).toBe(true);

    const night = await runBench(['refresh', ...lengthJudge, '--site', join(ws.root, 'night')], {
      env,
      cwd: ws.root,
    });
    expect(night.code, night.stderr).toBe(0);
    expect(existsSync(join(ws.root, 'leaderboards', 'length', 'latest.json'))).toBe(true);
    expect(existsSync(join(ws.root, 'night', 'index.html'))).toBe(true);
  });

  it('bench run alpacaeval with a judge server creates it, folders too', async () => {
    const ws = workspace();
    const store = join(ws.root, 'new', 'deeper', 'judgments.sqlite');
    const r = await run(await judgeServer(0), ws, ['--store', store]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(store)).toBe(true);
    expect(existsSync(join(ws.site, 'index.html'))).toBe(true);
  });
});
