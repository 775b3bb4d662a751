/**
 * The judge leaderboard page in Chromium, opened from disk: a table per suite with a row
 * per judge, "not run" where a judge has no run, columns that sort, nothing requested from
 * the network, no console error, and a judge name or note from a result document shown as
 * text (never markup that runs). Screenshot in test-results/report/judges.png.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleJudgeTable, type JudgeFigure } from '../../harness/leaderboard/judges.js';
import { buildSite } from '../../harness/report/index.js';
import {
  CHROMIUM,
  fileUrl,
  launchBrowser,
  saveScreenshot,
  SCREENSHOTS,
  watchedPage,
  type Browser,
} from './browser.js';
import { ATTR_PAYLOAD, SCRIPT_PAYLOAD } from './fixtures.js';

const EVIL_JUDGE = `evil${SCRIPT_PAYLOAD}`;

const pct = (key: string, value: number | null, ci95: [number, number] | null = null): JudgeFigure => ({
  key,
  label: key.split('.').slice(1).join(' '),
  kind: 'percent',
  value,
  ci95,
  n: 1392,
});

const table = {
  suites: [
    { name: 'alpacaeval', description: 'the AlpacaEval re-rank' },
    { name: 'pairwise', description: 'agreement with human labels' },
  ],
  ...assembleJudgeTable(
    [
      {
        suite: 'alpacaeval',
        file: '/runs/a.json',
        finishedAt: '2026-12-01T11:52:35.611Z',
        summary: {
          judge: 'autoj',
          complete: false,
          figures: [
            {
              key: 'alpacaeval.spearman.ae2',
              label: 'Spearman ae2',
              kind: 'coefficient',
              value: 0.9,
              ci95: [0.8, 1],
              n: 5,
              warning: 'rests on 5 models, fewer than 10',
            },
          ],
          judgments: { requested: 100, unparsed: 2 },
        },
      },
      {
        suite: 'pairwise',
        file: '/runs/p.json',
        finishedAt: '2026-12-01T11:52:30.433Z',
        summary: {
          judge: 'autoj',
          complete: true,
          figures: [pct('pairwise.agreement', 54.96, [52.23, 57.26]), pct('pairwise.consistency', 83.41)],
          baselines: [{ judge: 'length', figures: [pct('pairwise.agreement', 52.95, [50.21, 55.61])] }],
        },
      },
      {
        suite: 'pairwise',
        file: '/runs/e.json',
        finishedAt: '2026-12-01T10:00:00.000Z',
        summary: {
          judge: EVIL_JUDGE,
          complete: true,
          figures: [{ ...pct('pairwise.agreement', 40), note: ATTR_PAYLOAD }],
        },
      },
    ],
    [{ judge: 'autoj', judgments: 100, latencyMs: 50_000, busyMs: 20_000, wallMs: 20_000, endpoints: 1 }],
  ),
};

let site: string;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium fonts-dejavu-core`);
  site = join(mkdtempSync(join(tmpdir(), 'report-judges-')), 'site');
  await buildSite({ sections: [], judges: table }, site, { now: () => new Date('2026-12-01T12:00:00Z') });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

describe('judge leaderboard page in Chromium', () => {
  it('a row per judge in each suite table, "not run" where a judge has no run, sortable, no markup from the results', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(fileUrl(join(site, 'judges.html')));
    expect((await page.locator('h1').textContent())?.trim()).toBe('Judge leaderboard');
    const judges = (id: string) =>
      page.$$eval(`#${id} tbody tr`, (rows) =>
        rows.map((r) => (r as HTMLTableRowElement).cells[0]!.textContent),
      );
    expect(await judges('judges-pairwise')).toEqual(['autoj', EVIL_JUDGE, 'length']);
    expect(await judges('judges-alpacaeval')).toEqual(['autoj', EVIL_JUDGE, 'length']);

    const cells = (id: string, row: number) =>
      page.$$eval(`#${id} tbody tr:nth-child(${row}) td`, (tds) =>
        tds.map((td) => td.textContent?.replace(/\s+/g, ' ').trim()),
      );
    expect(await cells('judges-pairwise', 1)).toEqual(['autoj', '54.96% 52.23 – 57.26', '83.41%']);
    expect(await cells('judges-pairwise', 3)).toEqual(['length', '52.95% 50.21 – 55.61', 'not run']);
    expect(await cells('judges-alpacaeval', 1)).toEqual(['autoj', '0.900 ⚠ 0.800 – 1.000']);
    expect(await cells('judges-alpacaeval', 3)).toEqual(['length', 'not run']);
    expect(await cells('judges-summary', 1)).toEqual([
      'autoj',
      '2.00%',
      '5.00',
      '200.0',
      'alpacaeval: 2026-12-01 11:52 UTC (partial run) · pairwise: 2026-12-01 11:52 UTC',
    ]);
    expect((await cells('judges-summary', 3)).slice(1, 4)).toEqual(['not run', 'not run', 'not run']);

    // sorts by agreement, highest first on the first click
    const agreement = page.locator('#judges-pairwise thead th', { hasText: 'agreement' });
    await agreement.locator('button').click();
    expect(await judges('judges-pairwise')).toEqual(['autoj', 'length', EVIL_JUDGE]);

    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.title()).not.toContain('pwned');
    await saveScreenshot(page, { path: join(SCREENSHOTS, 'judges.png'), fullPage: true });
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('is in the navigation and linked from the overview; the page escapes what it prints', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(fileUrl(join(site, 'index.html')));
    await page.locator('main a', { hasText: 'Judge leaderboard' }).click();
    await page.waitForURL(/judges\.html$/);
    expect(await page.locator('nav.site-nav a[aria-current="page"]').textContent()).toBe('Judges');
    expect(problems.errors).toEqual([]);
    await page.close();
    const html = readFileSync(join(site, 'judges.html'), 'utf8');
    expect(html).not.toContain(SCRIPT_PAYLOAD);
    expect(html).not.toContain(ATTR_PAYLOAD);
  });
});
