import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium, installed before `npm test` by scripts/ensure-test-deps.mjs. */
export const CHROMIUM = '/usr/bin/chromium';

export const SCREENSHOTS = join(process.cwd(), 'test-results', 'report');

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, no background traffic. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'report-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 820 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-gpu',
    ],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What went wrong on a page: console errors, uncaught exceptions, failed or non-file requests. */
export interface PageProblems {
  readonly errors: string[];
}

/**
 * A page that records every problem, and refuses any request that is not a file:// or
 * data: URL (a site that needs the network is broken, and tests never leave loopback).
 */
export async function watchedPage(browser: Browser): Promise<{ page: Page; problems: PageProblems }> {
  const page = await browser.context.newPage();
  const problems: PageProblems = { errors: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning')
      problems.errors.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) =>
    problems.errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`),
  );
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith('file://') || url.startsWith('data:')) return route.continue();
    problems.errors.push(`request outside the site: ${url}`);
    return route.abort();
  });
  return { page, problems };
}

export function fileUrl(path: string): string {
  return pathToFileURL(path).href;
}

/**
 * A screenshot for the record (test-results/), taken again once when headless Chromium
 * fails to capture a tall page under load ("Unable to capture screenshot"): the pictures
 * are for people to look at; whether the page rendered is what the tests assert.
 */
export async function saveScreenshot(page: Page, options: Parameters<Page['screenshot']>[0]): Promise<void> {
  try {
    await page.screenshot(options);
  } catch (e) {
    if (!/Unable to capture screenshot/.test(String(e))) throw e;
    await page.waitForTimeout(250);
    await page.screenshot(options);
  }
}
