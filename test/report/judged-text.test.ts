/**
 * A model page shows what was judged (issue 9, point 7): the response beside a critique is
 * the one the judge rated. When the source's output has changed since the run, the page
 * says so and leaves today's text out instead of pairing it with an earlier critique.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../harness/core/hash.js';
import type { JudgeTask, Judgment } from '../../harness/core/types.js';
import type { LocalJudge } from '../../harness/judge/judge.js';
import { buildSite, sourceOutputs } from '../../harness/report/index.js';
import { openSourceFiles } from '../../harness/source/files.js';
import type { AlpacaEvalResult } from '../../suites/alpacaeval/result.js';
import { runAlpacaEval } from '../../suites/alpacaeval/suite.js';
import { INSTRUCTIONS, makeAlpacaTree } from '../helpers/alpaca-tree.js';

/** Rates a response by its length, 1-10, like a judge with a scale (so runs keep best/worst items). */
const ratingJudge: LocalJudge = {
  mode: 'local',
  info: {
    name: 'rater',
    model: 'rater',
    protocol: 'single',
    templateVersion: 'rater-v1',
    scale: { min: 1, max: 10 },
    description: 'rates by length',
  },
  evaluate(task: JudgeTask): Judgment {
    return { kind: 'ok', rating: task.protocol === 'single' ? 1 + ((task.response ?? '').length % 10) : 5 };
  },
};

const answers = (tag: string) => Array.from({ length: 12 }, (_, i) => `${tag} answer ${i}${'.'.repeat(i)}`);

async function judgedRun(tree: string): Promise<AlpacaEvalResult> {
  return runAlpacaEval({
    minCoverage: 0,
    files: openSourceFiles(tree, { cacheDir: mkdtempSync(join(tmpdir(), 'cache-')) }),
    cwd: tree,
    references: ['ae2'],
    seed: 1,
    bootstrap: 0,
    judge: ratingJudge,
    run: { signal: new AbortController().signal },
    warn: () => {},
    harnessVersion: 'test',
    gitCommit: null,
  });
}

const AE2 = ',win_rate,length_controlled_winrate,mode\nm1,60,50,community\nm2,40,45,community\n';

async function site(tree: string, result: AlpacaEvalResult): Promise<string> {
  const out = join(mkdtempSync(join(tmpdir(), 'site-')), 'site');
  const files = openSourceFiles(tree, { cacheDir: mkdtempSync(join(tmpdir(), 'cache-')) });
  await buildSite(
    {
      alpacaeval: [{ result }],
      pairwise: [],
      outputs: sourceOutputs(files, INSTRUCTIONS),
      critiques: (key) => ({ text: `critique ${key}`, finishReason: 'stop' }),
    },
    out,
    { now: () => new Date('2026-11-21T00:00:00Z') },
  );
  return readFileSync(join(out, 'alpacaeval/rater/models/m1.html'), 'utf8');
}

describe('the response beside a critique is the one judged', () => {
  it('a run records the hash of each best and worst response it judged', async () => {
    const tree = makeAlpacaTree(
      { m1: { outputs: answers('first') }, m2: { outputs: answers('other') } },
      { ae2: AE2 },
    );
    const result = await judgedRun(tree);
    const m1 = result.models.find((m) => m.model === 'm1')!;
    expect(m1.best!.length).toBeGreaterThan(0);
    for (const ref of [...m1.best!, ...m1.worst!]) {
      expect(ref.responseSha256).toBe(sha256Hex(answers('first')[ref.index]!));
    }
  });

  it('the page shows the judged response, and says so where the source changed since', async () => {
    const before = answers('first');
    const tree = makeAlpacaTree({ m1: { outputs: before }, m2: { outputs: answers('other') } }, { ae2: AE2 });
    const result = await judgedRun(tree);
    const m1 = result.models.find((m) => m.model === 'm1')!;
    const best = m1.best![0]!;

    const unchanged = await site(tree, result);
    expect(unchanged).toContain(`<div class="text">${before[best.index]}</div>`);
    expect(unchanged).not.toContain('changed since');

    // The submission is replaced: one judged answer differs, another stays as it was.
    const kept = m1.worst![0]!;
    const after = before.map((a, i) => (i === best.index ? `rewritten ${a}` : a));
    const changed = makeAlpacaTree(
      { m1: { outputs: after }, m2: { outputs: answers('other') } },
      { ae2: AE2 },
    );
    const page = await site(changed, result);
    expect(page).not.toContain(`rewritten ${before[best.index]}`);
    expect(page).toContain('the source’s output changed since it was judged');
    expect(page).toContain(`<div class="text">${before[kept.index]}</div>`);
    expect(page).toMatch(/The source’s outputs file for m1 has changed since this run/);
  });

  it('a result without per-response hashes shows no response once the submission file changed', async () => {
    const tree = makeAlpacaTree(
      { m1: { outputs: answers('first') }, m2: { outputs: answers('other') } },
      { ae2: AE2 },
    );
    const judged = await judgedRun(tree);
    const strip = (refs: AlpacaEvalResult['models'][number]['best']) =>
      refs?.map(({ responseSha256: _hash, ...ref }) => ref);
    const old: AlpacaEvalResult = {
      ...judged,
      models: judged.models.map((m) => ({ ...m, best: strip(m.best), worst: strip(m.worst) })),
    };
    expect((await site(tree, old)).match(/<div class="text">first answer/g)?.length).toBeGreaterThan(0);
    const changed = makeAlpacaTree(
      { m1: { outputs: answers('first').map((a) => `${a}!`) }, m2: { outputs: answers('other') } },
      { ae2: AE2 },
    );
    const page = await site(changed, old);
    expect(page).not.toMatch(/<div class="text">first answer/);
    expect(page).toContain(
      'the submission file changed since this run, which did not record the judged response',
    );
  });
});
