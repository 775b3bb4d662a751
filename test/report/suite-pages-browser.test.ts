/**
 * The critique page in a real browser (Debian's Chromium through playwright-core), opened
 * from disk: nothing requests the network or logs an error (the page's CSP allows none),
 * a critique carrying markup shows it as text and runs nothing, and every item shows its
 * two critiques side by side. Screenshot: test-results/report/critique.png (git-ignored).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, runPagesSection } from '../../harness/report/index.js';
import { CRITIQUE_PATHS, loadCritiqueData } from '../../suites/critique/data.js';
import { loadRecordedCritiques } from '../../suites/critique/recorded.js';
import { critiqueReport } from '../../suites/critique/report/section.js';
import { scoreCritiqueSuite } from '../../suites/critique/score.js';
import { SHARED_DATA } from '../helpers/cli.js';
import {
  CHROMIUM,
  fileUrl,
  launchBrowser,
  saveScreenshot,
  SCREENSHOTS,
  watchedPage,
  type Browser,
} from './browser.js';

const DATA = `${SHARED_DATA}/auto-j`;
const PAYLOAD = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
let site: string;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const data = await loadCritiqueData(DATA, 'en');
  const run = await loadRecordedCritiques(data, join(DATA, CRITIQUE_PATHS.recorded), {
    critiquesFile: join(DATA, CRITIQUE_PATHS.autojCritiques),
  });
  const critiques = run.critiques!.map((c, i) => (i === 3 ? `${PAYLOAD} ${c}` : c));
  const result = scoreCritiqueSuite(data, run.comparisons, {
    judge: { name: 'autoj', mode: 'recorded', description: 'comparisons from the authors' },
    comparator: { name: 'gpt-4', model: 'gpt-4', description: 'GPT-4 (recorded)' },
    order: { source: 'recorded' },
    critiques,
    bootstrap: { resamples: 200, seed: 1 },
    inputs: run.inputs,
  });
  site = join(mkdtempSync(join(tmpdir(), 'suite-pages-browser-')), 'site');
  await buildSite({ sections: [runPagesSection(critiqueReport.definition, [result])] }, site, {
    now: () => new Date('2026-12-01T12:00:00Z'),
  });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('the critique page in Chromium', () => {
  it('loads with no request and no error; markup in a critique is text; pairs side by side', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(fileUrl(join(site, 'critique/autoj.html')));
    await saveScreenshot(page, { path: join(SCREENSHOTS, 'critique.png') });
    expect(problems.errors).toEqual([]);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('main img').count()).toBe(0);
    await expect.poll(() => page.locator('article.item').count()).toBe(232);
    const item = page.locator('article.item').nth(3);
    expect(await item.locator('.pair .text').first().textContent()).toContain(PAYLOAD);
    // the two critiques sit next to each other at this width, the answer below them
    const [left, right] = await Promise.all(
      [0, 1].map((k) => item.locator('.pair > div').nth(k).boundingBox()),
    );
    expect(right!.x).toBeGreaterThan(left!.x + left!.width - 2);
    expect(Math.abs(right!.y - left!.y)).toBeLessThan(2);
    const answer = await item.locator('.instruction').boundingBox();
    expect(answer!.y).toBeGreaterThanOrEqual(left!.y + left!.height - 2);
    await item.scrollIntoViewIfNeeded();
    await saveScreenshot(page, { path: join(SCREENSHOTS, 'critique-items.png') });
  });
});
