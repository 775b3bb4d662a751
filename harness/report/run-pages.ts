import type { RunManifest } from '../store/run-archive.js';
import { baseName, dateTime, duration, int, shortHash } from './format.js';
import { newestRunPerJudge } from './load.js';
import { link, OVERVIEW_PAGE, SitePaths } from './paths.js';
import type { PagePlan, RunArchive, SiteSection, SuiteReport } from './sections.js';
import { fact, type Fact } from './views/page.js';

/**
 * The report of a suite that shows one page per judge: each judge's newest run, under
 * `<suite>/<judge>.html`, with a navigation entry and (optionally) a part of the overview
 * linking to them. The critique, scenarios and Best-of-N suites' reports are this.
 */
export interface RunPagesReport<R> {
  readonly suite: string;
  /** the folder of the suite's templates (`packageFolder(...)`) */
  readonly templates: () => string;
  /** the page template (`<name>.hbs` in `templates`) */
  readonly template: string;
  /** the navigation label before the judge's name: `Critique` -> `Critique: autoj` */
  readonly label: string;
  /** place in the navigation and the overview (lower first) */
  readonly order: number;
  /** whose run it is: the page's name */
  judgeOf(result: R): string;
  /** the page's view model */
  view(result: R, page: string): object;
  /**
   * The overview's part: a panel per run linking to its page, with these headline cards
   * (the suite's `overview.hbs` renders it: `{{> run-panels}}`, reports/partials).
   */
  readonly overview?: {
    /** the part's heading */
    readonly title: string;
    cards(result: R): readonly RunCard[];
  };
}

/** A page's headline figures (label, value, interval, note) as overview cards. */
export function headlineCards(
  headline: readonly {
    readonly label: string;
    readonly value: string;
    readonly ci: string;
    readonly note: string;
  }[],
): RunCard[] {
  return headline.map((h) => ({ label: h.label, value: h.value, sub: h.ci ? `95% CI ${h.ci}` : h.note }));
}

/** A headline figure of a run on the overview. */
export interface RunCard {
  readonly label: string;
  readonly value: string;
  readonly sub: string;
}

/** The pages of `results` (one per judge) as a site section. */
export function runPagesSection<R>(report: RunPagesReport<R>, results: readonly R[]): SiteSection {
  const paths = new SitePaths();
  const planned = [...results]
    .sort((a, b) => report.judgeOf(a).localeCompare(report.judgeOf(b)))
    .map((result) => ({
      result,
      judge: report.judgeOf(result),
      page: `${report.suite}/${paths.slug(report.suite, report.judgeOf(result))}.html`,
    }));
  const pages: PagePlan[] = planned.map((p) => ({
    page: p.page,
    template: report.template,
    section: p.page,
    title: `${report.label}: ${p.judge}`,
    script: false,
    view: () => report.view(p.result, p.page),
  }));
  return {
    suite: report.suite,
    templates: report.templates(),
    nav: planned.map((p) => ({
      label: `${report.label}: ${p.judge}`,
      page: p.page,
      section: p.page,
      order: report.order,
    })),
    overview:
      report.overview && planned.length > 0
        ? [
            {
              template: 'overview',
              order: report.order,
              view: {
                title: report.overview.title,
                runs: planned.map((p) => ({
                  name: p.judge,
                  href: link(OVERVIEW_PAGE, p.page),
                  finished: dateTimeOf(p.result),
                  cards: report.overview!.cards(p.result),
                })),
              },
            },
          ]
        : [],
    pages,
  };
}

/** The suite's report: the newest run of each judge, a page each (`definition`: for tests). */
export function runPagesReport<R>(
  report: RunPagesReport<R>,
): SuiteReport<R> & { readonly definition: RunPagesReport<R> } {
  return {
    definition: report,
    async load(archive: RunArchive<R>): Promise<SiteSection> {
      return runPagesSection(report, await newestRunPerJudge(archive));
    },
  };
}

/**
 * The facts every run page ends with: the bootstrap (resamples, seed, method), each input file once (by name, with its sha256; no
 * local path), when the run finished and how long it took, and the harness that ran it.
 */
export function runFacts(
  inputs: readonly { readonly file: string; readonly sha256: string }[],
  manifest: RunManifest | undefined,
  bootstrap?: { readonly resamples: number; readonly seed: number; readonly method: string },
): Fact[] {
  const seen = new Set<string>();
  const files = inputs.filter(
    (i) => !seen.has(i.sha256 + baseName(i.file)) && seen.add(i.sha256 + baseName(i.file)),
  );
  return [
    ...(bootstrap
      ? [
          fact(
            'Bootstrap',
            `${int(bootstrap.resamples)} resamples`,
            `seed ${bootstrap.seed}; ${bootstrap.method}`,
          ),
        ]
      : []),
    ...files.map((i) => fact('Input', baseName(i.file), `sha256 ${shortHash(i.sha256)}`)),
    ...(manifest
      ? [
          fact('Finished', dateTime(manifest.finishedAt), `took ${duration(manifest.durationMs)}`),
          fact(
            'Harness',
            manifest.harnessVersion,
            manifest.gitCommit ? `commit ${shortHash(manifest.gitCommit)}` : 'no git commit recorded',
          ),
        ]
      : []),
  ];
}

function dateTimeOf(result: unknown): string {
  const m = manifestOf(result);
  return m ? dateTime(m.finishedAt) : '';
}

/** The run manifest of a result document, when it has one (archived documents do). */
export function manifestOf(result: unknown): RunManifest | undefined {
  const m = (result as { manifest?: RunManifest }).manifest;
  return m && typeof m.finishedAt === 'string' ? m : undefined;
}
