/**
 * The built site in a real browser (Debian's Chromium through playwright-core), opened
 * from disk: tables sort and filter, links lead to model pages, nothing requests the
 * network or logs an error, and injected markup from a submission never runs.
 * Screenshots go to test-results/report/ (git-ignored).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledPaperFile, readPaperTable } from '../../suites/alpacaeval/paper-table.js';
import { buildSite } from './build.js';
import {
  CHROMIUM,
  fileUrl,
  launchBrowser,
  saveScreenshot,
  SCREENSHOTS,
  watchedPage,
  type Browser,
} from './browser.js';
import {
  EVIL_MODEL,
  fakeAutojRun,
  fakeHistory,
  modelIds,
  realPairwiseResult,
  SCRIPT_PAYLOAD,
  ATTR_PAYLOAD,
} from './fixtures.js';

/** Some of the paper's Table 24 models, so the paper page has harness columns to show. */
const PAPER_IDS = [
  'xwinlm-70b-v0.1',
  'llama-2-70b-chat-hf',
  'xwinlm-13b-v0.1',
  'openchat-v3.1-13b',
  'wizardlm-13b-v1.2',
  'vicuna-33b-v1.3',
];
const MODELS = [...modelIds(40), ...PAPER_IDS, EVIL_MODEL];
let site: string;
let browser: Browser;
let evilPage: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: npm test installs it (scripts/ensure-test-deps.mjs), or run: apt-get install -y chromium fonts-dejavu-core`,
    );
  const run = fakeAutojRun(MODELS, { hostile: [EVIL_MODEL] });
  const previous = fakeAutojRun(MODELS.slice(0, 36), { seed: 5, finishedAt: '2026-11-13T03:00:00.000Z' });
  site = join(mkdtempSync(join(tmpdir(), 'report-browser-')), 'site');
  const summary = await buildSite(
    {
      alpacaeval: [{ result: run.result, previous: previous.result }],
      pairwise: [await realPairwiseResult(100)],
      history: [fakeHistory('autoj', 6, MODELS)],
      paper: await readPaperTable(bundledPaperFile()),
      critiques: run.critiques,
      outputs: run.outputs,
    },
    site,
    { now: () => new Date('2026-11-21T06:00:00Z') },
  );
  evilPage = summary.pages.find((p) => p.includes('/evil'))!;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

async function open(path: string): Promise<{ page: Page; problems: { errors: string[] } }> {
  const watched = await watchedPage(browser);
  await watched.page.goto(fileUrl(join(site, path)));
  return watched;
}

async function columnValues(page: Page, column: number): Promise<string[]> {
  return page.$$eval(
    '#leaderboard tbody tr:not([hidden])',
    (rows, col) => rows.map((r) => (r as HTMLTableRowElement).cells[col]!.getAttribute('data-sort') ?? ''),
    column,
  );
}

describe('report site in Chromium', () => {
  it('overview: loads from disk with no failed request and no console error', async () => {
    const { page, problems } = await open('index.html');
    expect((await page.locator('h1').textContent())?.trim()).toBe('Judge benchmark results');
    await saveScreenshot(page, { path: join(SCREENSHOTS, 'overview.png'), fullPage: true });
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('leaderboard: one row per model, sorts by a column, filters, and links to model pages', async () => {
    const { page, problems } = await open('alpacaeval/autoj/index.html');
    const rows = page.locator('#leaderboard tbody tr');
    expect(await rows.count()).toBe(MODELS.length);
    await saveScreenshot(page, { path: join(SCREENSHOTS, 'leaderboard.png'), fullPage: false });

    // Initially by rank (ascending).
    const ranks = (await columnValues(page, 0)).map(Number);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));

    // Average length: first click sorts descending, the second ascending.
    const lengthHeader = page.locator('#leaderboard thead th', { hasText: 'Avg length' });
    const lengthCol = await lengthHeader.evaluate((th) => (th as HTMLTableCellElement).cellIndex);
    const before = await columnValues(page, lengthCol);
    await lengthHeader.locator('button').click();
    expect(await lengthHeader.getAttribute('aria-sort')).toBe('descending');
    const desc = (await columnValues(page, lengthCol)).map(Number);
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    expect(desc.map(String)).not.toEqual(before);
    await lengthHeader.locator('button').click();
    expect(await lengthHeader.getAttribute('aria-sort')).toBe('ascending');
    const asc = (await columnValues(page, lengthCol)).map(Number);
    expect(asc).toEqual([...asc].sort((a, b) => a - b));

    // By model name; then filter.
    await page.locator('#leaderboard thead th', { hasText: 'Model' }).locator('button').click();
    const names = await columnValues(page, 1);
    expect(names).toEqual([...names].sort());
    await page.fill('input[data-filter-for="leaderboard"]', 'model-00');
    expect(await page.locator('#leaderboard tbody tr:not([hidden])').count()).toBe(9);
    expect((await page.locator('[data-count-for="leaderboard"]').textContent())?.trim()).toBe(
      `9 of ${MODELS.length} shown`,
    );
    await saveScreenshot(page, { path: join(SCREENSHOTS, 'leaderboard-sorted-filtered.png') });
    await page.fill('input[data-filter-for="leaderboard"]', '');
    expect(await page.locator('#leaderboard tbody tr:not([hidden])').count()).toBe(MODELS.length);

    // The charts are inline SVG with a point per model: two per reference and one against length.
    expect(await page.locator('figure.chart svg').filter({ visible: true }).count()).toBe(7);
    await page.locator('.charts').screenshot({ path: join(SCREENSHOTS, 'leaderboard-charts.png') });

    // Follow a link to a model page.
    await page.locator('#leaderboard tbody tr a', { hasText: 'model-002' }).click();
    await page.waitForURL(/models\/model-002\.html$/);
    expect((await page.locator('h1').textContent())?.trim()).toBe('model-002');
    expect(await page.locator('article.item').count()).not.toBe(0);
    await saveScreenshot(page, { path: join(SCREENSHOTS, 'model.png'), fullPage: true });
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('injected markup in model ids, outputs and critiques shows as text and never runs', async () => {
    for (const path of [evilPage, 'alpacaeval/autoj/index.html', 'index.html', 'history/autoj.html']) {
      const { page, problems } = await open(path);
      const state = await page.evaluate(() => ({
        pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
        title: document.title,
        images: document.images.length,
      }));
      expect(state.pwned, path).toBeNull();
      expect(state.title).not.toBe('pwned');
      expect(state.images).toBe(0);
      if (path === evilPage) {
        expect((await page.locator('h1').textContent())?.trim()).toBe(EVIL_MODEL);
        const text = await page.locator('main').innerText();
        expect(text).toContain(SCRIPT_PAYLOAD);
        expect(text).toContain(ATTR_PAYLOAD);
        await saveScreenshot(page, { path: join(SCREENSHOTS, 'injection.png'), fullPage: false });
      }
      if (path.endsWith('autoj/index.html')) {
        // The id is a chart point's tooltip (SVG <title>) as plain text.
        const titles = await page.locator('figure.chart svg title').allTextContents();
        expect(titles.some((t) => t.startsWith(EVIL_MODEL))).toBe(true);
      }
      expect(problems.errors).toEqual([]);
      await page.close();
    }
  });

  it('defence in depth: the CSP blocks inline script and handlers even if markup slipped through', async () => {
    const file = join(site, 'alpacaeval/autoj/index.html');
    const html = readFileSync(file, 'utf8').replace(
      '<main class="inner">',
      '<main class="inner"><script>window.__pwned = 5</script><svg onload="window.__pwned = 6"></svg>',
    );
    const tampered = join(site, 'tampered.html');
    writeFileSync(tampered, html);
    const { page, problems } = await open('tampered.html');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned ?? null)).toBeNull();
    // The page's own (hashed) script still runs: sorting works.
    await page.locator('#leaderboard thead th', { hasText: 'Model' }).locator('button').click();
    expect(await page.locator('#leaderboard thead th', { hasText: 'Model' }).getAttribute('aria-sort')).toBe(
      'ascending',
    );
    expect(problems.errors.length).toBeGreaterThan(0);
    expect(problems.errors.every((e) => e.includes('Content Security Policy'))).toBe(true);
    await page.close();
  });

  it('pairwise, paper and history pages render without errors', async () => {
    for (const [path, heading, shot] of [
      ['pairwise/recorded.html', 'Pairwise: recorded', 'pairwise.png'],
      ['paper.html', 'Auto-J paper, Table 24', 'paper.png'],
      ['history/autoj.html', 'Leaderboard history: autoj', 'history.png'],
    ] as const) {
      const { page, problems } = await open(path);
      expect((await page.locator('h1').textContent())?.trim()).toBe(heading);
      expect(await page.locator('svg').count()).toBeGreaterThan(0);
      await saveScreenshot(page, { path: join(SCREENSHOTS, shot), fullPage: true });
      await saveScreenshot(page, { path: join(SCREENSHOTS, shot.replace('.png', '-top.png')) });
      expect(problems.errors).toEqual([]);
      await page.close();
    }
  });

  it('at 420 px no page is wider than the screen and every chart is drawn at a legible size (issue 9, point 21)', async () => {
    for (const path of [
      'index.html',
      'alpacaeval/autoj/index.html',
      'alpacaeval/autoj/models/model-002.html',
      'pairwise/recorded.html',
      'paper.html',
      'history/autoj.html',
    ]) {
      const { page, problems } = await open(path);
      await page.setViewportSize({ width: 420, height: 900 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(420);
      // The scale a chart is shown at: below 0.9 its 10-11 px text shrinks past legibility.
      const scales = await page.$$eval('figure.chart svg[viewBox]', (svgs) =>
        svgs
          .filter((svg) => svg.getBoundingClientRect().width > 0)
          .map((svg) => svg.getBoundingClientRect().width / (svg as SVGSVGElement).viewBox.baseVal.width),
      );
      if (path !== 'index.html') expect(scales.length, path).toBeGreaterThan(0);
      for (const scale of scales) expect(scale, path).toBeGreaterThanOrEqual(0.9);
      await saveScreenshot(page, {
        path: join(SCREENSHOTS, `${path.replace(/[/.]/g, '_')}-420.png`),
        fullPage: true,
      });
      expect(problems.errors).toEqual([]);
      await page.close();
    }
  });

  it('chart labels, as drawn, clear the tick labels and each other (issue 9, point 21)', async () => {
    for (const width of [1400, 420]) {
      for (const path of ['alpacaeval/autoj/index.html', 'paper.html', 'pairwise/recorded.html']) {
        const { page } = await open(path);
        await page.setViewportSize({ width, height: 900 });
        const clashes = await page.$$eval('figure.chart svg[viewBox]', (svgs) => {
          const out: string[] = [];
          const box = (el: Element) => el.getBoundingClientRect();
          const hit = (a: DOMRect, b: DOMRect) =>
            a.left < b.right - 0.5 &&
            b.left < a.right - 0.5 &&
            a.top < b.bottom - 0.5 &&
            b.top < a.bottom - 0.5;
          for (const svg of svgs) {
            if (svg.getBoundingClientRect().width === 0) continue;
            const labels = Array.from(svg.querySelectorAll('g[aria-label="text"] text'));
            const ticks = Array.from(svg.querySelectorAll('g[aria-label$="tick label"] text'));
            labels.forEach((l, i) => {
              for (const t of ticks)
                if (hit(box(l), box(t))) out.push(`${l.textContent} on tick ${t.textContent}`);
              for (const m of labels.slice(i + 1))
                if (hit(box(l), box(m))) out.push(`${l.textContent} on ${m.textContent}`);
            });
          }
          return out;
        });
        expect(clashes, `${path} at ${width} px`).toEqual([]);
        await page.close();
      }
    }
  });
});
