import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { HARNESS_VERSION } from '../core/provenance.js';
import { BenchError, errorMessage } from '../core/errors.js';
import { processIsAlive } from '../core/process.js';
import type { BuildOptions, BuildSummary, SiteInput } from './types.js';
import { dateTime } from './format.js';
import { fileInside, JUDGES_PAGE, OVERVIEW_PAGE } from './paths.js';
import { loadRenderer } from './templates.js';
import { judgesView } from './views/judges.js';
import { chrome, type NavEntry } from './views/page.js';

/** Marks a folder as a site built here: only such a folder (or an empty one) is ever replaced. */
export const SITE_MARKER = '.autoj-bench-site';

/** How many pages are made at once (a model page reads its submission: gunzip + parse). */
const PAGE_CONCURRENCY = 3;

/**
 * Renders the whole site into a temporary folder beside `outDir` and moves it into
 * place: readers see the old site or the new one, and a failed build leaves the old
 * site as it was. The overview comes first, made of the suites' overview parts; then
 * every page the suites planned. Returns the pages written.
 */
export async function buildSite(
  input: SiteInput,
  outDir: string,
  options: BuildOptions = {},
): Promise<BuildSummary> {
  const started = performance.now();
  const out = resolve(outDir);
  await checkReplaceable(out);
  const parent = dirname(out);
  await mkdir(parent, { recursive: true });
  await removeLeftovers(out, options.log ?? (() => {}));
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = join(parent, `.${basename(out)}.building-${tag}`);
  await mkdir(tmp);
  let pages: string[];
  try {
    pages = await renderSite(input, tmp, options);
    await writeFile(join(tmp, SITE_MARKER), `built by autoj-bench ${HARNESS_VERSION}\n`);
    await swapInto(tmp, out, tag);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return { outDir: out, pages, durationMs: performance.now() - started };
}

/** A leftover younger than this may be a build that is still starting: it is kept. */
const LEFTOVER_MIN_AGE_MS = 10 * 60_000;

/**
 * Removes what builds of `out` that were killed left beside it: their `.building-` folders
 * (killed while rendering) and `.old-` folders (killed while removing the old site), once
 * the process named in the folder is gone and the folder has not changed for some minutes
 * (a pid that is not running here may still be a build on another machine sharing the
 * folder). Best effort: a leftover that cannot be removed is tried again next time.
 */
async function removeLeftovers(out: string, log: (line: string) => void): Promise<void> {
  const parent = dirname(out);
  const prefix = `.${basename(out)}.`;
  for (const name of await readdir(parent).catch(() => [])) {
    if (!name.startsWith(prefix)) continue;
    const pid = /^(?:building|old)-(\d+)-[0-9a-f]{8}$/.exec(name.slice(prefix.length))?.[1];
    if (pid === undefined || processIsAlive(Number(pid))) continue;
    const dir = join(parent, name);
    const s = await lstat(dir).catch(() => null);
    if (!s?.isDirectory() || Date.now() - s.mtimeMs < LEFTOVER_MIN_AGE_MS) continue;
    try {
      await rm(dir, { recursive: true, force: true });
      log(`report: removed ${dir}, left by a build that was killed`);
    } catch {
      // tried again by the next build
    }
  }
}

async function checkReplaceable(out: string): Promise<void> {
  let s;
  try {
    s = await stat(out);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!s.isDirectory()) throw new BenchError(`${out} exists and is not a folder; choose another --out`);
  const entries = await readdir(out);
  if (entries.length > 0 && !entries.includes(SITE_MARKER)) {
    throw new BenchError(
      `${out} is not empty and was not built by bench report; choose another --out (it would be replaced)`,
    );
  }
}

async function swapInto(tmp: string, out: string, tag: string): Promise<void> {
  const old = join(dirname(out), `.${basename(out)}.old-${tag}`);
  let moved = false;
  try {
    await rename(out, old);
    moved = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new BenchError(`cannot replace ${out}: ${errorMessage(e)}`, { cause: e });
  }
  try {
    await rename(tmp, out);
  } catch (e) {
    if (moved) await rename(old, out);
    throw new BenchError(`cannot move the new site into ${out}: ${errorMessage(e)}`, { cause: e });
  }
  if (moved) await rm(old, { recursive: true, force: true });
}

/** Where a suite's entries go when it gives no `order`: after the built-in suites'. */
const DEFAULT_ORDER = 100;

function byOrder<T extends { readonly order?: number }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.order ?? DEFAULT_ORDER) - (b.order ?? DEFAULT_ORDER));
}

async function renderSite(input: SiteInput, root: string, options: BuildOptions): Promise<string[]> {
  const renderer = await loadRenderer(options.reportsDir, input.sections);
  const now = (options.now ?? (() => new Date()))();
  const site = { generatedAt: dateTime(now.toISOString()), harnessVersion: HARNESS_VERSION };
  const log = options.log ?? (() => {});
  const written: string[] = [];

  const pages = input.sections.flatMap((s) => s.pages.map((p) => ({ suite: s.suite, plan: p })));
  const owner = new Map<string, string>([[OVERVIEW_PAGE, 'the overview']]);
  for (const { suite, plan } of pages) {
    const before = owner.get(plan.page);
    if (before !== undefined)
      throw new BenchError(`report page ${plan.page} of suite ${suite} is already ${before}'s`);
    owner.set(plan.page, `suite ${suite}`);
  }
  if (input.judges && owner.has(JUDGES_PAGE))
    throw new BenchError(`report page ${JUDGES_PAGE} is already ${owner.get(JUDGES_PAGE)}'s`);
  const nav: NavEntry[] = [
    { label: 'Overview', page: OVERVIEW_PAGE, section: 'overview' },
    ...(input.judges ? [{ label: 'Judges', page: JUDGES_PAGE, section: 'judges' }] : []),
    ...byOrder(input.sections.flatMap((s) => s.nav)),
  ];

  const write = async (page: string, html: string) => {
    const file = fileInside(root, page);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, html);
    written.push(page);
  };
  const emit = (
    page: string,
    template: string,
    section: string,
    title: string,
    view: object,
    script: boolean,
  ) => write(page, renderer.render(template, chrome(page, section, title, nav, site), view, { script }));

  const parts = byOrder(
    input.sections.flatMap((s) =>
      s.overview.map((part) => ({ ...part, template: `${s.suite}/${part.template}` })),
    ),
  );
  await emit(
    OVERVIEW_PAGE,
    'overview',
    'overview',
    'Overview',
    {
      suites: input.sections.map((s) => s.suite),
      parts: parts.map((part) => renderer.fragment(part.template, part.view)),
      empty: !parts.some((part) => part.results !== false),
      judges: input.judges ? { href: JUDGES_PAGE, count: input.judges.rows.length } : null,
    },
    false,
  );
  if (input.judges) {
    await emit(JUDGES_PAGE, 'judges', 'judges', 'Judge leaderboard', judgesView(input.judges), true);
  }

  await forEachLimited(pages, PAGE_CONCURRENCY, async ({ suite, plan }) => {
    if (plan.log) log(plan.log);
    const view = await plan.view();
    await emit(plan.page, `${suite}/${plan.template}`, plan.section, plan.title, view, plan.script);
  });
  return written;
}

/**
 * `fn` over `items`, `limit` at a time. The first failure stops the taking of new items,
 * and is thrown once every call under way has ended: nothing writes into the build
 * folder after the build has failed and removed it.
 */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}
