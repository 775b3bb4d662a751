import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { HARNESS_VERSION } from '../core/provenance.js';
import { BenchError, errorMessage } from '../core/errors.js';
import { processIsAlive } from '../core/process.js';
import type { ItemText } from './types.js';
import type { AlpacaEvalRunInput, BuildOptions, BuildSummary, OtherRunInput, SiteInput } from './types.js';
import { dateTime } from './format.js';
import { fileInside, link, OVERVIEW_PAGE, PAPER_PAGE, SitePaths } from './paths.js';
import { loadRenderer, type PageTemplate } from './templates.js';
import { historyView } from './views/history.js';
import { leaderboardView, modelFacts, type ModelFacts } from './views/leaderboard.js';
import { runLabel } from './views/common.js';
import { itemIndices, modelView } from './views/model.js';
import { overviewView } from './views/overview.js';
import { chrome, type NavEntry } from './views/page.js';
import { paperView } from './views/paper.js';
import { pairwiseView } from './views/pairwise.js';

/** Marks a folder as a site built here: only such a folder (or an empty one) is ever replaced. */
export const SITE_MARKER = '.autoj-bench-site';

/** How many submissions are read at once for model pages (gunzip + parse). */
const OUTPUT_CONCURRENCY = 3;

/**
 * Renders the whole site into a temporary folder beside `outDir` and moves it into
 * place: readers see the old site or the new one, and a failed build leaves the old
 * site as it was. Returns the pages written.
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

interface Planned {
  readonly run: AlpacaEvalRunInput;
  readonly page: string;
  readonly facts: ModelFacts[];
  /** null for a judge's published leaderboard; what the run is, for any other run */
  readonly other: { readonly label: string } | null;
}

/** A run that ranks no model is never published, not even as another run. */
function ranksAModel(run: { result: AlpacaEvalRunInput['result'] }): boolean {
  return run.result.models.some((m) => m.rank !== null);
}

/** The id of another run's pages: its archive file, or its finishing time. */
function runId(run: OtherRunInput): string {
  return run.file
    ? basename(run.file).replace(/\.json$/, '')
    : run.result.manifest.finishedAt.replace(/[:.]/g, '-');
}

async function renderSite(input: SiteInput, root: string, options: BuildOptions): Promise<string[]> {
  const renderer = await loadRenderer(options.reportsDir);
  const now = (options.now ?? (() => new Date()))();
  const site = { generatedAt: dateTime(now.toISOString()), harnessVersion: HARNESS_VERSION };
  const paths = new SitePaths();
  const log = options.log ?? (() => {});
  const written: string[] = [];

  const write = async (page: string, html: string) => {
    const file = fileInside(root, page);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, html);
    written.push(page);
  };
  const emit = (
    page: string,
    template: PageTemplate,
    section: string,
    title: string,
    view: object,
    script: boolean,
  ) => write(page, renderer.render(template, chrome(page, section, title, nav, site), view, { script }));

  // Plan every page first, so the navigation and cross links are known.
  const planned: Planned[] = input.alpacaeval.filter(ranksAModel).map((run) => {
    const judge = run.result.judge.name;
    return {
      run,
      page: paths.alpacaEval(judge),
      facts: modelFacts(run, (model) => paths.model(judge, model)),
      other: null,
    };
  });
  const others: Planned[] = (input.otherRuns ?? []).filter(ranksAModel).map((run) => {
    const judge = run.result.judge.name;
    const id = runId(run);
    return {
      run,
      page: paths.run(judge, id),
      facts: modelFacts(run, (model) => paths.runModel(judge, id, model)),
      other: { label: runLabel(run.result) },
    };
  });
  const paperJudge = input.paperJudge ?? 'autoj';
  const paperRun = planned.find((p) => p.run.result.judge.name === paperJudge);
  const pairwise = input.pairwise.map((result) => ({ result, page: paths.pairwise(result.judge.name) }));
  const histories = (input.history ?? []).map((history) => ({ history, page: paths.history(history.judge) }));

  const nav: NavEntry[] = [
    { label: 'Overview', page: OVERVIEW_PAGE, section: 'overview' },
    ...planned.map((p) => ({
      label: `AlpacaEval: ${p.run.result.judge.name}`,
      page: p.page,
      section: p.page,
    })),
    ...pairwise.map((p) => ({ label: `Pairwise: ${p.result.judge.name}`, page: p.page, section: p.page })),
    ...(input.paper ? [{ label: 'Paper', page: PAPER_PAGE, section: PAPER_PAGE }] : []),
    ...histories.map((h) => ({ label: `History: ${h.history.judge}`, page: h.page, section: h.page })),
  ];

  const modelPageOf = (judge: string) => {
    const p = planned.find((x) => x.run.result.judge.name === judge);
    const known = new Set(p?.facts.map((f) => f.model.model));
    return (from: string, model: string) => (known.has(model) ? link(from, paths.model(judge, model)) : '');
  };

  await emit(
    OVERVIEW_PAGE,
    'overview',
    'overview',
    'Overview',
    overviewView({
      alpaca: planned.map((p) => ({
        run: p.run,
        href: link(OVERVIEW_PAGE, p.page),
        modelHref: (model) => modelPageOf(p.run.result.judge.name)(OVERVIEW_PAGE, model),
      })),
      otherRuns: others.map((p) => ({
        judge: p.run.result.judge.name,
        label: p.other!.label,
        href: link(OVERVIEW_PAGE, p.page),
      })),
      pairwise: pairwise.map((p) => ({ result: p.result, href: link(OVERVIEW_PAGE, p.page) })),
      history: histories.map((h) => ({ history: h.history, href: link(OVERVIEW_PAGE, h.page) })),
      paper: input.paper ? { href: PAPER_PAGE, hasRun: paperRun !== undefined, judge: paperJudge } : null,
    }),
    false,
  );

  for (const p of [...planned, ...others]) {
    const judge = p.run.result.judge.name;
    const published = planned.find((x) => x.run.result.judge.name === judge);
    const section = published?.page ?? 'overview';
    log(
      `report: ${judge}${p.other ? ` (${p.other.label})` : ''}: leaderboard and ${p.facts.length} model pages`,
    );
    const status = p.other
      ? { label: p.other.label, publishedHref: published ? link(p.page, published.page) : '' }
      : null;
    await emit(
      p.page,
      'leaderboard',
      section,
      p.other ? `AlpacaEval: ${judge}, ${p.other.label}` : `AlpacaEval: ${judge}`,
      leaderboardView(p.run, p.page, p.facts, status),
      true,
    );
    const instructions = input.instructions;
    await forEachLimited(p.facts, OUTPUT_CONCURRENCY, async (f) => {
      const indices = itemIndices(f.model);
      let texts: ReadonlyMap<number, ItemText> | null = null;
      if (input.outputs && indices.length > 0) texts = await input.outputs(f.model.model, indices);
      else if (input.outputs) texts = new Map();
      const view = modelView(
        p.run.result,
        f,
        f.page,
        p.page,
        texts,
        instructions,
        input.critiques,
        p.other?.label ?? '',
      );
      await emit(f.page, 'model', section, `${f.model.model} · ${judge}`, view, false);
    });
  }

  for (const p of pairwise) {
    await emit(p.page, 'pairwise', p.page, `Pairwise: ${p.result.judge.name}`, pairwiseView(p.result), false);
  }

  if (input.paper) {
    await emit(
      PAPER_PAGE,
      'paper',
      PAPER_PAGE,
      'Auto-J paper, Table 24',
      paperView(input.paper, paperRun?.run, paperRun?.facts, PAPER_PAGE),
      true,
    );
  }

  for (const h of histories) {
    const href = modelPageOf(h.history.judge);
    await emit(
      h.page,
      'history',
      h.page,
      `History: ${h.history.judge}`,
      historyView(h.history, (m) => href(h.page, m)),
      true,
    );
  }
  return written;
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
