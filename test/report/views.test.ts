import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interval, num, percent, publicLocation, scoreDigits, signed } from '../../harness/report/format.js';
import { loadLeaderboardHistories } from '../../harness/report/load.js';
import { fileInside, link } from '../../harness/report/paths.js';
import { bundledPaperFile, readPaperTable } from '../../suites/alpacaeval/paper-table.js';
import { historyView } from '../../suites/alpacaeval/report/history.js';
import { changeText, leaderboardView, modelFacts } from '../../suites/alpacaeval/report/leaderboard.js';
import { paperView } from '../../suites/alpacaeval/report/paper.js';
import { AlpacaEvalPaths } from '../../suites/alpacaeval/report/paths.js';
import { loadStoredResults } from '../../suites/alpacaeval/report/publish.js';
import { pairwiseView } from '../../suites/pairwise/report/pairwise.js';
import { lengthJudgeInfo } from '../../harness/judge/length.js';
import { fakeAutojRun, fakeHistory, modelIds, realPairwiseResult } from './fixtures.js';

describe('formatting', () => {
  it('prints missing values as a dash, never 0, and uses a real minus', () => {
    expect(num(null, 2)).toBe('–');
    expect(num(Number.NaN, 2)).toBe('–');
    expect(num(-1234.5, 1)).toBe('−1,234.5');
    expect(signed(0.0004, 3)).toBe('0.000');
    expect(signed(-0.25, 2)).toBe('−0.25');
    expect(percent(54.956896, 2)).toBe('54.96%');
    expect(interval([0.1, 0.25], 2)).toBe('0.10 – 0.25');
    expect(interval(null, 2)).toBe('–');
    expect(scoreDigits([5.5, 6.1])).toBe(3);
    expect(scoreDigits([3335, 10])).toBe(0);
    expect(publicLocation('/home/me/data/alpaca_eval')).toBe('alpaca_eval');
    expect(publicLocation('https://example.org/x/')).toBe('https://example.org/x/');
  });
});

describe('paths', () => {
  it('links relatively between pages at any depth', () => {
    expect(link('index.html', 'alpacaeval/autoj/index.html')).toBe('alpacaeval/autoj/index.html');
    expect(link('alpacaeval/autoj/models/a.html', 'index.html')).toBe('../../../index.html');
    expect(link('alpacaeval/autoj/models/a.html', 'alpacaeval/autoj/index.html')).toBe('../index.html');
    expect(link('alpacaeval/autoj/index.html', 'alpacaeval/autoj/models/b.html')).toBe('models/b.html');
    expect(link('history/autoj.html', 'alpacaeval/autoj/models/b.html')).toBe(
      '../alpacaeval/autoj/models/b.html',
    );
  });

  it('gives distinct ids distinct file names, also when only the case differs', () => {
    const paths = new AlpacaEvalPaths();
    const a = paths.model('autoj', 'Model');
    const b = paths.model('autoj', 'model');
    expect(a).not.toBe(b);
    expect(a.toLowerCase()).not.toBe(b.toLowerCase());
    expect(paths.model('autoj', 'Model')).toBe(a);
    expect(paths.model('autoj', '../../etc/passwd')).toMatch(/^alpacaeval\/autoj\/models\/[^/]+\.html$/);
    expect(paths.model('a/b', 'x')).toMatch(/^alpacaeval\/[^/]+\/models\/x\.html$/);
    expect(() => fileInside('/site', '../escape.html')).toThrow(/outside/);
    expect(fileInside('/site', 'a/b.html')).toBe('/site/a/b.html');
  });
});

describe('view models', () => {
  it('leaderboard: reference ranks among compared models and rank changes since the previous run', () => {
    const run = fakeAutojRun(modelIds(8));
    const previous = fakeAutojRun(modelIds(6), { seed: 99 });
    const input = { result: run.result, previous: previous.result };
    const paths = new AlpacaEvalPaths();
    const facts = modelFacts(input, (m) => paths.model('autoj', m));
    const prevRank = new Map(previous.result.models.map((m) => [m.model, m.rank!]));
    for (const f of facts) {
      const before = prevRank.get(f.model.model);
      expect(f.change).toBe(before === undefined ? 'new' : before - f.model.rank!);
    }
    // ae1 is missing for every fifth model: ranks are among those that have it, 1..k.
    const ae1 = facts.flatMap((f) => (f.referenceRanks.has('ae1') ? [f.referenceRanks.get('ae1')!] : []));
    expect([...ae1].sort((a, b) => a - b)).toEqual(Array.from({ length: ae1.length }, (_, i) => i + 1));
    expect(changeText(3)).toEqual({ text: '▲ 3', cls: 'up', sort: '3' });
    expect(changeText(-2)).toEqual({ text: '▼ 2', cls: 'down', sort: '-2' });
    expect(changeText('new').text).toBe('new');

    const view = leaderboardView(input, paths.alpacaEval('autoj'), facts);
    expect(view.rows).toHaveLength(8);
    expect(view.headers.map((h) => h.label)).toEqual([
      'Rank',
      'Model',
      'Mean rating',
      'AE1 rank',
      'AE2 rank',
      'AE2 LC rank',
      'Change',
      'Parsed',
      'Failed',
      'Avg length',
    ]);
    expect(view.rows[0]!.cells[1]!.href).toMatch(/^models\/model-\d{3}\.html$/);
    // Every reference is charted, AlpacaEval 2 first (issue 9, point 21).
    expect(view.charts.map((c) => c.title)).toEqual([
      'autoj: score against the AE2 win rate',
      'autoj: rank against AE2 rank',
      'autoj: score against the AE1 win rate',
      'autoj: rank against AE1 rank',
      'autoj: score against the AE2 LC win rate',
      'autoj: rank against AE2 LC rank',
      'autoj: score against output length',
    ]);
    expect(view.chartsNote).toBe('');
  });

  it('paper: the table’s own correlations, computed from its numbers', async () => {
    const paper = await readPaperTable(bundledPaperFile());
    const view = paperView(paper, undefined, undefined, 'paper.html');
    expect(view.hasRun).toBe(false);
    expect(view.rows).toHaveLength(53);
    const own = view.correlations[0]!;
    expect(own.n).toBe('53');
    // Near the paper's stated 0.97 (Spearman) and 0.96 (Pearson).
    expect(Number(own.spearman)).toBeGreaterThan(0.95);
    expect(Number(own.pearson)).toBeGreaterThan(0.95);
  });

  it('pairwise: this judge among the published ones, and a confusion matrix that adds up', async () => {
    const result = await realPairwiseResult(20);
    const view = pairwiseView(result);
    expect(view.judges.map((j) => j.judge)).toContain('recorded (this run)');
    expect(view.judges.find((j) => j.cls === 'this')!.agreement).toBe('54.96%');
    expect(view.groups).toHaveLength(9);
    expect(view.groups[8]!.group).toBe('Overall');
    const total = view.confusion.rows.reduce((s, r) => s + Number(r.total.replace(/,/g, '')), 0);
    expect(total).toBe(1392);
  });

  it('history: snapshots newest first, entries by date, rank moves between snapshots', () => {
    const history = fakeHistory('autoj', 4, modelIds(20));
    const view = historyView(history, (m) => `models/${m}.html`);
    expect(view.snapshots.map((s) => s.date)).toEqual([
      '2026-10-22',
      '2026-10-15',
      '2026-10-08',
      '2026-10-01',
    ]);
    expect(view.entryRows).toHaveLength(20);
    expect(view.entryRows[0]!.cells[0]!.text).toBe('2026-10-22');
    const moves = history.snapshots.flatMap((s) => s.changes?.rankMoves ?? []).length;
    expect(view.moveRows).toHaveLength(Math.min(60, moves));
    expect(view.charts).toHaveLength(2);
  });

  it('history: each snapshot whose run and previous run are archived gives the bench runs diff of the two', () => {
    const history = fakeHistory('autoj', 3, modelIds(8));
    const runs = [
      '2026-10-01T03-00-00-000Z_alpacaeval_autoj.json',
      null,
      '2026-10-15T03-00-00-000Z_alpacaeval_autoj.json',
    ];
    const withRuns = { ...history, snapshots: history.snapshots.map((s, i) => ({ ...s, run: runs[i]! })) };
    const view = historyView(withRuns, () => '');
    expect(view.snapshots.map((s) => s.diff)).toEqual(['', '', '']);
    const both = { ...history, snapshots: history.snapshots.map((s, i) => ({ ...s, run: `r${i}.json` })) };
    expect(historyView(both, () => '').snapshots.map((s) => s.diff)).toEqual([
      'bench runs diff r1 r2',
      'bench runs diff r0 r1',
      '',
    ]);
  });
});

/** The width a chart is drawn at (its viewBox). */
function drawnWidth(svg: string): number {
  return Number(/viewBox="0 0 ([\d.]+) /.exec(svg)?.[1]);
}

describe('chart views (issue 9, point 21)', () => {
  it('the length judge gets no score-against-length chart, which would be its diagonal', () => {
    const run = fakeAutojRun(modelIds(5));
    const result = {
      ...run.result,
      judge: { ...lengthJudgeInfo },
    };
    const paths = new AlpacaEvalPaths();
    const facts = modelFacts({ result }, (m) => paths.model('length', m));
    const view = leaderboardView({ result }, paths.alpacaEval('length'), facts);
    expect(view.charts.map((c) => c.title)).not.toContain('length: score against output length');
    expect(view.chartsNote).toMatch(/scores each answer by its length.*left out/);
  });

  it('a small leaderboard promises no band it does not draw, and ranks whole ranks', () => {
    const run = fakeAutojRun(modelIds(3));
    const paths = new AlpacaEvalPaths();
    const facts = modelFacts({ result: run.result }, (m) => paths.model('autoj', m));
    const view = leaderboardView({ result: run.result }, paths.alpacaEval('autoj'), facts);
    const score = view.charts[0]!;
    expect(score.caption).toContain('its 95% band is drawn from 10 points on');
    expect(score.caption).not.toContain('with its 95% band');
    const rank = view.charts[1]!;
    const ticks = [...rank.svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)]
      .map((m) => m[1]!)
      .filter((t) => /^[\d.]+$/.test(t));
    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks.every((t) => Number.isInteger(Number(t)))).toBe(true);
  });

  it('every wide chart has a copy drawn for narrow screens, and small charts fit one as they are', async () => {
    const run = fakeAutojRun(modelIds(12));
    const paths = new AlpacaEvalPaths();
    const facts = modelFacts({ result: run.result }, (m) => paths.model('autoj', m));
    const charts = [
      ...leaderboardView({ result: run.result }, paths.alpacaEval('autoj'), facts).charts,
      ...historyView(fakeHistory('autoj', 4, modelIds(12)), () => '').charts,
      ...paperView(await readPaperTable(bundledPaperFile()), undefined, undefined, 'paper.html').charts,
    ];
    for (const c of charts) {
      expect(c.narrow, c.title).not.toBe('');
      expect(drawnWidth(c.narrow), c.title).toBeLessThanOrEqual(360);
    }
    const pairwise = pairwiseView(await realPairwiseResult(20));
    for (const c of [pairwise.judgesChart!, pairwise.positionChart!]) {
      expect(c.narrow).toBe('');
      expect(drawnWidth(c.svg), c.title).toBeLessThanOrEqual(400);
    }
  });

  it('paper: the chart whose caption promises a dashed equality line draws one', async () => {
    const paper = await readPaperTable(bundledPaperFile());
    const run = fakeAutojRun(paper.rows.slice(0, 20).map((r) => r.alpacaEvalId));
    const paths = new AlpacaEvalPaths();
    const facts = modelFacts({ result: run.result }, (m) => paths.model('autoj', m));
    const view = paperView(paper, { result: run.result }, facts, 'paper.html');
    const chart = view.charts.find((c) => c.caption.includes('dashed line is equality'))!;
    for (const svg of [chart.svg, chart.narrow])
      expect(svg).toMatch(/<g[^>]*stroke-dasharray="4,3"[^>]*><path d="M[^"]+"/);
  });

  it('history: the title and legend name the one reference a leaderboard follows', () => {
    const history = fakeHistory('autoj', 3, modelIds(6));
    const one = {
      ...history,
      snapshots: history.snapshots.map((s) => ({
        ...s,
        correlations: s.correlations.filter((c) => c.reference === 'ae2'),
      })),
    };
    const view = historyView(one, () => '');
    expect(view.charts[0]!.title).toBe('Spearman correlation with AE2 over time');
    expect(view.charts[0]!.svg).toMatch(/swatch[^>]*>.*AE2<\/span>/);
    expect(view.charts[0]!.caption).toContain('a value holds until the next snapshot');
  });

  it('pairwise: no local path in the published notes', async () => {
    const view = pairwiseView(await realPairwiseResult(20));
    expect(view.judgesNote).not.toMatch(/\.\.\/|\/shared\//);
    expect(view.judgesNote).toContain('GAIR-NLP/auto-j');
  });
});

describe('loading stored results', () => {
  it('publishes the newest complete run per judge, with the previous complete run over the same instructions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runs-'));
    const write = (stamp: string, suite: string, judge: string, doc: unknown) =>
      writeFileSync(join(dir, `${stamp}_${suite}_${judge}.json`), JSON.stringify(doc));
    const a = fakeAutojRun(modelIds(3), { finishedAt: '2026-11-01T00:00:00.000Z' }).result;
    const subset = fakeAutojRun(modelIds(3), {
      instructions: 10,
      instructionSetSize: 40,
      finishedAt: '2026-11-02T00:00:00.000Z',
    }).result;
    const b = fakeAutojRun(modelIds(4), { finishedAt: '2026-11-03T00:00:00.000Z' }).result;
    write('2026-11-01T00-00-00-000Z', 'alpacaeval', 'autoj', a);
    write('2026-11-02T00-00-00-000Z', 'alpacaeval', 'autoj', subset);
    write('2026-11-03T00-00-00-000Z', 'alpacaeval', 'autoj', b);
    write('2026-11-04T00-00-00-000Z', 'alpacaeval', 'broken', { suite: 'something else' });
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const warnings: string[] = [];
    const stored = await loadStoredResults(dir, (m) => warnings.push(m));
    expect(stored.alpacaeval).toHaveLength(1);
    expect(stored.alpacaeval[0]!.result.manifest.finishedAt).toBe('2026-11-03T00:00:00.000Z');
    expect(stored.alpacaeval[0]!.publishedAs).toEqual({ kind: 'complete' });
    expect(stored.alpacaeval[0]!.previous?.manifest.finishedAt).toBe('2026-11-01T00:00:00.000Z');
    expect(stored.otherRuns.map((r) => r.result.manifest.finishedAt)).toEqual(['2026-11-02T00:00:00.000Z']);
    expect(warnings.join('\n')).toMatch(/not a alpacaeval result document/);
  });

  it('reads dated snapshots per judge folder and ignores everything else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-'));
    const history = fakeHistory('autoj', 3, modelIds(5));
    mkdirSync(join(dir, 'autoj'));
    for (const s of history.snapshots) writeFileSync(join(dir, 'autoj', `${s.date}.json`), JSON.stringify(s));
    writeFileSync(join(dir, 'autoj', 'latest.json'), JSON.stringify(history.snapshots[2]));
    writeFileSync(join(dir, 'references.json'), '{}');
    mkdirSync(join(dir, 'empty'));
    const loaded = await loadLeaderboardHistories(dir);
    expect(loaded).toHaveLength(1);
    expect(loaded[0]!.judge).toBe('autoj');
    expect(loaded[0]!.snapshots.map((s) => s.date)).toEqual(history.snapshots.map((s) => s.date));
    expect(await loadLeaderboardHistories(join(dir, 'missing'))).toEqual([]);
  });
});
