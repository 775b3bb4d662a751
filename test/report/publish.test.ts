/**
 * Which run the site publishes (issue 9, point 4): a judge's leaderboard is its newest
 * complete run or the run of its newest refresh snapshot; partial runs get pages of their
 * own, labelled, and never replace it; a run that ranks no model is not shown.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLabel } from '../../suites/alpacaeval/report/common.js';
import { loadStoredResults } from '../../suites/alpacaeval/report/publish.js';
import { buildSite } from './build.js';
import type { AlpacaEvalResult } from '../../suites/alpacaeval/result.js';
import { isCompleteRun } from '../../suites/alpacaeval/result.js';
import { fakeAutojRun, fakeHistory, modelIds } from './fixtures.js';

const NOW = () => new Date('2026-11-21T00:00:00Z');

function archive(): { dir: string; write: (r: AlpacaEvalResult) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'runs-'));
  return {
    dir,
    write: (r) => {
      const name = `${r.manifest.finishedAt.replace(/[:.]/g, '-')}_alpacaeval_${r.judge.name}.json`;
      writeFileSync(join(dir, name), JSON.stringify(r));
      return name;
    },
  };
}

function withoutSelection(r: AlpacaEvalResult): AlpacaEvalResult {
  const { models: _models, ...settings } = r.settings;
  return { ...r, settings };
}

function rankingNothing(r: AlpacaEvalResult): AlpacaEvalResult {
  return { ...r, models: r.models.map((m) => ({ ...m, score: null, rank: null })) };
}

describe('the run a judge publishes', () => {
  it('a complete run stays published after partial, empty and unlabelled runs', async () => {
    const { dir, write } = archive();
    const complete = fakeAutojRun(modelIds(6), { finishedAt: '2026-11-01T00:00:00.000Z' }).result;
    const twoModels = fakeAutojRun(modelIds(2), {
      finishedAt: '2026-11-02T00:00:00.000Z',
      selection: ['model-001', 'model-002'],
    }).result;
    const fiveInstructions = fakeAutojRun(modelIds(6), {
      finishedAt: '2026-11-03T00:00:00.000Z',
      instructions: 5,
      instructionSetSize: 40,
    }).result;
    const empty = rankingNothing(
      fakeAutojRun(['typo'], { finishedAt: '2026-11-04T00:00:00.000Z', selection: ['typo'] }).result,
    );
    const unlabelled = withoutSelection(
      fakeAutojRun(modelIds(6), { finishedAt: '2026-11-05T00:00:00.000Z' }).result,
    );
    for (const r of [complete, twoModels, fiveInstructions, empty, unlabelled]) write(r);

    expect([complete, twoModels, fiveInstructions, unlabelled].map(isCompleteRun)).toEqual([
      true,
      false,
      false,
      false,
    ]);
    const stored = await loadStoredResults(dir);
    expect(stored.alpacaeval).toHaveLength(1);
    expect(stored.alpacaeval[0]!.result.manifest.finishedAt).toBe('2026-11-01T00:00:00.000Z');
    // Newest first; the run that ranks no model is not among them.
    expect(stored.otherRuns.map((r) => r.result.manifest.finishedAt)).toEqual([
      '2026-11-05T00:00:00.000Z',
      '2026-11-03T00:00:00.000Z',
      '2026-11-02T00:00:00.000Z',
    ]);
    expect(stored.otherRuns.map((r) => runLabel(r.result))).toEqual([
      'partial run (its model selection is not recorded): 6 models, all 40 instructions, 2026-11-05 00:00 UTC',
      'partial run: all 6 models, 5 of 40 instructions, 2026-11-03 00:00 UTC',
      'partial run: 2 models, all 40 instructions, 2026-11-02 00:00 UTC',
    ]);
  });

  it('a judge with only partial runs has no published leaderboard', async () => {
    const { dir, write } = archive();
    write(
      fakeAutojRun(modelIds(2), { finishedAt: '2026-11-02T00:00:00.000Z', selection: modelIds(2) }).result,
    );
    const stored = await loadStoredResults(dir);
    expect(stored.alpacaeval).toEqual([]);
    expect(stored.otherRuns).toHaveLength(1);
  });

  it('a refresh snapshot names the published run: newer runs do not replace it', async () => {
    const { dir, write } = archive();
    const models = modelIds(5);
    const history = fakeHistory('autoj', 2, models);
    const older = fakeAutojRun(models, { finishedAt: '2026-10-01T03:00:00.000Z', selection: models }).result;
    const nightly = fakeAutojRun(models, {
      finishedAt: '2026-10-08T03:00:00.000Z',
      selection: models,
    }).result;
    const snapshots = [
      { ...history.snapshots[0]!, run: write(older) },
      { ...history.snapshots[1]!, run: write(nightly) },
    ];
    const complete = fakeAutojRun(modelIds(7), { finishedAt: '2026-10-09T00:00:00.000Z' }).result;
    const partial = fakeAutojRun(modelIds(1), {
      finishedAt: '2026-10-10T00:00:00.000Z',
      selection: ['model-001'],
    }).result;
    write(complete);
    write(partial);

    const stored = await loadStoredResults(dir, () => {}, [{ judge: 'autoj', snapshots }]);
    const published = stored.alpacaeval[0]!;
    expect(published.result.manifest.finishedAt).toBe('2026-10-08T03:00:00.000Z');
    expect(published.publishedAs).toEqual({ kind: 'snapshot', date: snapshots[1]!.date });
    expect(published.previous?.manifest.finishedAt).toBe('2026-10-01T03:00:00.000Z');
    // The snapshots' own runs are history, not other runs; the newer complete run is shown apart.
    expect(stored.otherRuns.map((r) => r.result.manifest.finishedAt)).toEqual([
      '2026-10-10T00:00:00.000Z',
      '2026-10-09T00:00:00.000Z',
    ]);
  });

  it('a snapshot whose run is not archived falls back to the newest complete run, with a warning', async () => {
    const { dir, write } = archive();
    const history = fakeHistory('autoj', 1, modelIds(3));
    write(fakeAutojRun(modelIds(3), { finishedAt: '2026-10-09T00:00:00.000Z' }).result);
    const warnings: string[] = [];
    const snapshots = [{ ...history.snapshots[0]!, run: 'gone.json' }];
    const stored = await loadStoredResults(dir, (m) => warnings.push(m), [{ judge: 'autoj', snapshots }]);
    expect(stored.alpacaeval[0]!.publishedAs).toEqual({ kind: 'complete' });
    expect(warnings).toEqual([
      'the autoj snapshot of 2026-10-01 names run gone.json, which is not in the run archive; publishing the newest complete run of autoj instead',
    ]);
  });
});

describe('pages of other runs', () => {
  it('get their own labelled leaderboard and model pages, linked from the overview, and never the judge’s leaderboard', async () => {
    const complete = fakeAutojRun(modelIds(6));
    const partial = fakeAutojRun(modelIds(2), {
      finishedAt: '2026-11-20T05:00:00.000Z',
      instructions: 5,
      instructionSetSize: 40,
      selection: modelIds(2),
    });
    const empty = rankingNothing(
      fakeAutojRun(['typo'], { finishedAt: '2026-11-20T06:00:00.000Z', selection: ['typo'] }).result,
    );
    const out = join(mkdtempSync(join(tmpdir(), 'site-')), 'site');
    const summary = await buildSite(
      {
        alpacaeval: [{ result: complete.result, publishedAs: { kind: 'complete' } }],
        otherRuns: [
          { result: partial.result, file: '/runs/2026-11-20T05-00-00-000Z_alpacaeval_autoj.json' },
          { result: empty },
        ],
        pairwise: [],
      },
      out,
      { now: NOW },
    );
    const runPage = 'alpacaeval/autoj/runs/2026-11-20T05-00-00-000Z_alpacaeval_autoj/index.html';
    expect(summary.pages).toContain(runPage);
    expect(summary.pages.filter((p) => p.startsWith('alpacaeval/autoj/runs/'))).toHaveLength(3);
    expect(summary.pages.some((p) => p.includes('typo'))).toBe(false);

    const leaderboard = readFileSync(join(out, 'alpacaeval/autoj/index.html'), 'utf8');
    expect(leaderboard.match(/<tr data-filter=/g)).toHaveLength(6);
    expect(leaderboard).toContain('the newest complete run');
    expect(leaderboard).not.toContain('runs/');

    const label = 'partial run: 2 models, 5 of 40 instructions, 2026-11-20 05:00 UTC';
    const page = readFileSync(join(out, runPage), 'utf8');
    expect(page).toContain('<h1>AlpacaEval run: autoj</h1>');
    expect(page).toContain(`<strong>${label}.</strong> Not the published leaderboard of autoj`);
    expect(page).toContain('href="../../index.html">The published leaderboard of autoj');
    expect(page.match(/<tr data-filter=/g)).toHaveLength(2);
    const model = readFileSync(
      join(out, 'alpacaeval/autoj/runs/2026-11-20T05-00-00-000Z_alpacaeval_autoj/models/model-001.html'),
      'utf8',
    );
    expect(model).toContain(`in a ${label}: not the published leaderboard`);

    const overview = readFileSync(join(out, 'index.html'), 'utf8');
    expect(overview).toContain(`<a href="${runPage}">${label}</a>`);
    // The navigation lists published leaderboards only.
    const nav = overview.slice(overview.indexOf('<nav'), overview.indexOf('</nav>'));
    expect(nav).not.toContain('runs/');
  });
});
