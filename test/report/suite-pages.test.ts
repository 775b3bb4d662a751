/**
 * The report pages of the critique, scenarios and Best-of-N suites (issue 11): each run's
 * figures as its result has them, overall and per group with intervals, self-contained
 * and with every untrusted text escaped.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSite, runPagesSection } from '../../harness/report/index.js';
import { CRITIQUE_PATHS, loadCritiqueData } from '../../suites/critique/data.js';
import { loadRecordedCritiques } from '../../suites/critique/recorded.js';
import { critiqueReport } from '../../suites/critique/report/section.js';
import type { CritiqueResult } from '../../suites/critique/result.js';
import { scoreCritiqueSuite } from '../../suites/critique/score.js';
import type { ScenariosRunResult } from '../../suites/scenarios/index.js';
import { loadClassifierData } from '../../suites/scenarios/data.js';
import { scenariosReport } from '../../suites/scenarios/report/section.js';
import { scoreScenarioSuite } from '../../suites/scenarios/score.js';
import { collapsed, pageText } from '../helpers/page-text.js';
import { runBench, SHARED_DATA } from '../helpers/cli.js';

const DATA = `${SHARED_DATA}/auto-j`;
const FIXTURE = new URL('../fixtures/bestofn/selection.jsonl', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'suite-pages-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>';
const NOW = { now: () => new Date('2026-12-01T12:00:00Z') };

function expectClean(html: string): void {
  expect(html).not.toMatch(/<script>alert|<img src=x/);
  expect(html).not.toMatch(/undefined|NaN|\[object Object\]/);
  // self-contained: nothing is fetched
  expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
}

async function recordedCritique(): Promise<CritiqueResult> {
  const data = await loadCritiqueData(DATA, 'en');
  const run = await loadRecordedCritiques(data, join(DATA, CRITIQUE_PATHS.recorded), {
    critiquesFile: join(DATA, CRITIQUE_PATHS.autojCritiques),
  });
  return scoreCritiqueSuite(data, run.comparisons, {
    judge: { name: 'autoj', mode: 'recorded', description: `recorded ${HOSTILE}` },
    comparator: { name: 'gpt-4', model: 'gpt-4', description: 'GPT-4 (recorded)' },
    order: { source: 'recorded' },
    critiques: run.critiques!,
    bootstrap: { resamples: 200, seed: 1 },
    inputs: run.inputs,
  });
}

describe('the critique page', () => {
  it('shows win / tie / lose overall and per group with intervals, and each pair beside the reason, escaped', async () => {
    const r = await recordedCritique();
    const hostile: CritiqueResult = {
      ...r,
      items: r.items.map((item, i) =>
        i === 0 ? { ...item, critique: `${HOSTILE} critique`, answer: `A: ${HOSTILE} reason` } : item,
      ),
    };
    const out = join(work, 'critique-site');
    const summary = await buildSite(
      { sections: [runPagesSection(critiqueReport.definition, [hostile])] },
      out,
      NOW,
    );
    expect(summary.pages).toContain('critique/autoj.html');
    const html = readFileSync(join(out, 'critique/autoj.html'), 'utf8');
    expectClean(html);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const text = pageText(html);
    // the published figures: 73.71 / 2.16 / 24.14 of 232 votes, with their intervals
    expect(text).toContain('Win 73.71% 95% CI');
    expect(text).toContain('Tie 2.16%');
    expect(text).toContain('Lose 24.14%');
    const ci = r.overall.winCi95!;
    expect(text).toContain(`${ci[0].toFixed(1)} – ${ci[1].toFixed(1)}`);
    for (const g of r.groups) {
      expect(text).toContain(`${g.group} ${g.n} ${g.win!.toFixed(2)}%`);
    }
    // every pair: the two critiques in the order shown and the comparator's answer
    expect(html.match(/<article class="item">/g)).toHaveLength(232);
    const first = r.items[1]!;
    expect(text).toContain(collapsed(first.reference.slice(0, 80)));
    expect(text).toContain(collapsed(first.answer!.split('\n')[0]!));
    expect(text).toContain(`Judge's critique (Feedback ${first.exchange ? 2 : 1})`);
    expect(text).toContain(`${HOSTILE} critique`);
    expect(text).toContain(`A: ${HOSTILE} reason`);
  });

  it('bench run critique --report renders it from the run archive', async () => {
    const out = join(work, 'cli-site');
    const r = await runBench(
      [
        'run',
        'critique',
        '--recorded',
        join(DATA, CRITIQUE_PATHS.recorded),
        '--bootstrap',
        '50',
        '--report',
        out,
      ],
      { env: { BENCH_HOME: join(work, 'home') } },
    );
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(join(out, 'critique/recorded.html'), 'utf8');
    expectClean(html);
    expect(pageText(html)).toContain('Win 73.71%');
    const overview = readFileSync(join(out, 'index.html'), 'utf8');
    expect(overview).toContain('href="critique/recorded.html"');
    expect(pageText(overview)).toContain("Critiques against ChatGPT's recorded");
    expect(pageText(overview)).toMatch(/Win 73\.71% 95% CI 6\d\.\d+ – 7\d\.\d+/);
    expect(pageText(overview)).not.toContain('No stored results yet');
  });
});

describe('the scenarios page', () => {
  it('shows accuracy overall and per group with intervals and the confusion table of groups', async () => {
    const data = await loadClassifierData(DATA);
    // every third query mislabelled with `default`, one answer not a label
    const predictions = data.items.map((item, i) =>
      i === 5
        ? { label: null, problem: `not a known label: "${HOSTILE}"` }
        : { label: i % 3 === 0 ? 'default' : item.category },
    );
    const scored = scoreScenarioSuite(data, predictions, {
      classifier: { name: 'autoj-scenario-classifier', mode: 'live', description: HOSTILE },
      bootstrap: { resamples: 100, seed: 1 },
    });
    const result: ScenariosRunResult = {
      ...scored,
      judge: { name: 'autoj-scenario-classifier', description: HOSTILE },
    };
    const out = join(work, 'scenarios-site');
    await buildSite({ sections: [runPagesSection(scenariosReport.definition, [result])] }, out, NOW);
    const html = readFileSync(join(out, 'scenarios/autoj-scenario-classifier.html'), 'utf8');
    expectClean(html);
    const text = pageText(html);
    expect(text).toContain(`Accuracy ${scored.overall.accuracy!.toFixed(2)}% 95% CI`);
    for (const g of scored.groups.filter((x) => x.n > 0)) {
      expect(text).toContain(
        `${g.group} ${g.n} ${g.accuracy!.toFixed(2)}% ${g.accuracyCi95![0].toFixed(1)} – ${g.accuracyCi95![1].toFixed(1)}`,
      );
    }
    // the confusion rows: each group's counts by predicted group, then the unlabelled
    const c = scored.confusion;
    c.order.forEach((g, i) => {
      const cells = [...c.counts[i]!, c.unparsed[i]!];
      expect(text).toContain(`${g} ${cells.join(' ')} ${cells.reduce((a, b) => a + b, 0)}`);
    });
    expect(c.unparsed.reduce((a, b) => a + b, 0)).toBe(1);
    const overview = pageText(readFileSync(join(out, 'index.html'), 'utf8'));
    expect(overview).toContain(`Scenario classifier autoj-scenario-classifier`);
    expect(overview).toContain(`Accuracy ${scored.overall.accuracy!.toFixed(2)}% 95% CI`);
  });
});

describe('the Best-of-N page', () => {
  it('shows per N the judge pick, a random pick and the best pick with intervals', async () => {
    const out = join(work, 'bestofn-site');
    const home = join(work, 'bestofn-home');
    const args = [
      'run',
      'bestofn',
      '--data',
      FIXTURE,
      '--rater',
      'autoj',
      '--recorded',
      '--bootstrap',
      '100',
    ];
    const json = await runBench([...args, '--json'], { env: { BENCH_HOME: home } });
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as {
      overall: {
        size: number;
        sets: number;
        judgePick: number;
        randomPick: number;
        bestPick: number;
        judgePickCi95: [number, number];
      }[];
      byModel: { model: string }[];
    };
    const r = await runBench([...args, '--report', out], { env: { BENCH_HOME: home } });
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(join(out, 'bestofn/autoj.html'), 'utf8');
    expectClean(html);
    const text = pageText(html);
    for (const row of doc.overall) {
      expect(text).toContain(
        `N = ${row.size} ${row.sets} ${row.judgePick.toFixed(3)} ${row.judgePickCi95[0].toFixed(2)} – ${row.judgePickCi95[1].toFixed(2)} ${row.randomPick.toFixed(3)}`,
      );
      expect(text).toContain(row.bestPick.toFixed(3));
    }
    for (const m of doc.byModel) expect(text).toContain(m.model);
    const overview = pageText(readFileSync(join(out, 'index.html'), 'utf8'));
    const n2 = doc.overall[0]!;
    expect(overview).toContain(`Best-of-N selection autoj`);
    expect(overview).toContain(
      `N = ${n2.size} ${n2.judgePick.toFixed(3)} judge's pick; random ${n2.randomPick.toFixed(3)}, best ${n2.bestPick.toFixed(3)}`,
    );
  });

  it('escapes a hostile base model name', async () => {
    const hostile = readFileSync(FIXTURE, 'utf8').replaceAll('llama-2-7b-chat', 'llama<b onmouseover=x>');
    const file = join(work, 'hostile.jsonl');
    writeFileSync(file, hostile);
    const out = join(work, 'bestofn-hostile');
    const r = await runBench(
      [
        'run',
        'bestofn',
        '--data',
        file,
        '--rater',
        'autoj',
        '--recorded',
        '--bootstrap',
        '0',
        '--report',
        out,
      ],
      { env: { BENCH_HOME: join(work, 'hostile-home') } },
    );
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(join(out, 'bestofn/autoj.html'), 'utf8');
    expect(html).not.toContain('<b onmouseover');
    expect(html).toContain('llama&lt;b onmouseover&#x3D;x&gt;');
  });
});
