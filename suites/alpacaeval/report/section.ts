import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import {
  packageFolder,
  sourceOutputs,
  type ItemText,
  type NavPlan,
  type OverviewPart,
  type PagePlan,
  type ReportContext,
  type RunArchive,
  type SiteSection,
  type SuiteReport,
} from '../../../harness/report/index.js';
import { link, OVERVIEW_PAGE } from '../../../harness/report/paths.js';
import type { SourceFiles } from '../../../harness/source/files.js';
import { alpacaEvalInstructions } from '../instruction-set.js';
import { bundledPaperFile, readPaperTable } from '../paper-table.js';
import type { AlpacaEvalResult } from '../result.js';
import { runLabel } from './common.js';
import { historyView } from './history.js';
import { leaderboardView, modelFacts, type ModelFacts } from './leaderboard.js';
import { itemIndices, modelView } from './model.js';
import { historyOverviewView, overviewView, paperOverviewView } from './overview.js';
import { paperView } from './paper.js';
import { AlpacaEvalPaths, PAPER_PAGE } from './paths.js';
import { publishedAlpacaEvalRuns } from './publish.js';
import { scenarioPages } from './scenarios.js';
import type { AlpacaEvalRunInput, AlpacaEvalSiteInput, OtherRunInput } from './types.js';

/** Where the AlpacaEval entries sit in the navigation and the overview: leaderboards first. */
const ORDER = { leaderboards: 10, paper: 30, history: 40 } as const;

interface Planned {
  readonly run: AlpacaEvalRunInput;
  readonly page: string;
  readonly facts: ModelFacts[];
  /** null for a judge's published leaderboard; what the run is, for any other run */
  readonly other: { readonly label: string } | null;
}

/** A run that ranks no model is never published, not even as another run. */
function ranksAModel(run: { result: AlpacaEvalResult }): boolean {
  return run.result.models.some((m) => m.rank !== null);
}

/** The id of another run's pages: its archive file, or its finishing time. */
function runId(run: OtherRunInput): string {
  return run.file
    ? basename(run.file).replace(/\.json$/, '')
    : run.result.manifest.finishedAt.replace(/[:.]/g, '-');
}

/**
 * The AlpacaEval part of the site: a leaderboard and model pages per published run and per
 * other run, the paper's Table 24 beside the paper judge's run, and the refresh histories.
 */
export function alpacaEvalSection(input: AlpacaEvalSiteInput): SiteSection {
  const paths = new AlpacaEvalPaths();
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
  const histories = (input.history ?? []).map((history) => ({ history, page: paths.history(history.judge) }));

  const nav: NavPlan[] = [
    ...planned.map((p) => ({
      label: `AlpacaEval: ${p.run.result.judge.name}`,
      page: p.page,
      section: p.page,
      order: ORDER.leaderboards,
    })),
    ...(input.paper ? [{ label: 'Paper', page: PAPER_PAGE, section: PAPER_PAGE, order: ORDER.paper }] : []),
    ...histories.map((h) => ({
      label: `History: ${h.history.judge}`,
      page: h.page,
      section: h.page,
      order: ORDER.history,
    })),
  ];

  const modelPageOf = (judge: string) => {
    const p = planned.find((x) => x.run.result.judge.name === judge);
    const known = new Set(p?.facts.map((f) => f.model.model));
    return (from: string, model: string) => (known.has(model) ? link(from, paths.model(judge, model)) : '');
  };

  const overview: OverviewPart[] = [];
  if (planned.length > 0 || others.length > 0) {
    overview.push({
      template: 'overview',
      order: ORDER.leaderboards,
      view: overviewView({
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
      }),
    });
  }
  if (input.paper) {
    overview.push({
      template: 'overview-paper',
      order: ORDER.paper,
      results: false,
      view: paperOverviewView({ href: PAPER_PAGE, hasRun: paperRun !== undefined, judge: paperJudge }),
    });
  }
  if (histories.length > 0) {
    overview.push({
      template: 'overview-history',
      order: ORDER.history,
      view: historyOverviewView(
        histories.map((h) => ({ history: h.history, href: link(OVERVIEW_PAGE, h.page) })),
      ),
    });
  }

  const pages: PagePlan[] = [];
  for (const p of [...planned, ...others]) {
    const judge = p.run.result.judge.name;
    const published = planned.find((x) => x.run.result.judge.name === judge);
    const section = published?.page ?? 'overview';
    const status = p.other
      ? { label: p.other.label, publishedHref: published ? link(p.page, published.page) : '' }
      : null;
    // a run with --scenarios: its per-group leaderboard and scenario pages, linked from its leaderboard
    const { scenarios } = p.run.result;
    const byScenario = scenarios ? scenarioPages({ ...p.run.result, scenarios }, p.page, paths) : undefined;
    pages.push({
      page: p.page,
      template: 'leaderboard',
      section,
      title: p.other ? `AlpacaEval: ${judge}, ${p.other.label}` : `AlpacaEval: ${judge}`,
      script: true,
      log: `report: ${judge}${p.other ? ` (${p.other.label})` : ''}: leaderboard and ${p.facts.length} model pages`,
      view: () => ({
        ...leaderboardView(p.run, p.page, p.facts, status),
        scenariosHref: byScenario ? link(p.page, byScenario.groupsPage) : '',
      }),
    });
    if (byScenario) pages.push(...byScenario.pages);
    for (const f of p.facts) {
      pages.push({
        page: f.page,
        template: 'model',
        section,
        title: `${f.model.model} · ${judge}`,
        script: false,
        view: async () => {
          const indices = itemIndices(f.model);
          let texts: ReadonlyMap<number, ItemText> | null = null;
          if (input.outputs && indices.length > 0) texts = await input.outputs(f.model.model, indices);
          else if (input.outputs) texts = new Map();
          return modelView(
            p.run.result,
            f,
            f.page,
            p.page,
            texts,
            input.instructions,
            input.critiques,
            p.other?.label ?? '',
          );
        },
      });
    }
  }
  if (input.paper) {
    const paper = input.paper;
    pages.push({
      page: PAPER_PAGE,
      template: 'paper',
      section: PAPER_PAGE,
      title: 'Auto-J paper, Table 24',
      script: true,
      view: () => paperView(paper, paperRun?.run, paperRun?.facts, PAPER_PAGE),
    });
  }
  for (const h of histories) {
    const href = modelPageOf(h.history.judge);
    pages.push({
      page: h.page,
      template: 'history',
      section: h.page,
      title: `History: ${h.history.judge}`,
      script: true,
      view: () => historyView(h.history, (m) => href(h.page, m)),
    });
  }
  return { suite: 'alpacaeval', templates: templatesDir(), nav, overview, pages };
}

let templates: string | undefined;
/** suites/alpacaeval/report/templates, from the source and from dist/ alike. */
function templatesDir(): string {
  templates ??= packageFolder(import.meta.url, 'suites/alpacaeval/report/templates');
  return templates;
}

/**
 * The AlpacaEval suite's report: the published runs (publish.ts) and the other runs, the
 * refresh histories, the paper's table, and the responses and critiques on the model
 * pages (from the source named for the build, else from the newest run's local source).
 */
export const alpacaEvalReport: SuiteReport<AlpacaEvalResult> = {
  async load(archive: RunArchive<AlpacaEvalResult>, context: ReportContext): Promise<SiteSection> {
    const stored = await publishedAlpacaEvalRuns(archive, context.histories, context.warn);
    const paperFile = context.paperFile === undefined ? bundledPaperFile() : context.paperFile;
    const paper = paperFile === null ? undefined : await readPaperTable(paperFile);
    const files = context.source ?? runSource([...stored.alpacaeval, ...stored.otherRuns], context);
    const instructions = alpacaEvalInstructions().instructions;
    return alpacaEvalSection({
      ...stored,
      history: context.histories,
      ...(paper ? { paper } : {}),
      instructions,
      ...(context.critiques ? { critiques: context.critiques } : {}),
      ...(files ? { outputs: sourceOutputs(files, instructions, context.warn) } : {}),
    });
  },
};

/**
 * The local folder the newest shown run read, for the model pages' responses (a URL is
 * used only when named for the build: the report never downloads on its own).
 */
function runSource(
  runs: readonly { result: { manifest: { source: string; finishedAt: string } } }[],
  context: ReportContext,
): SourceFiles | undefined {
  const newest = [...runs].sort((a, b) =>
    b.result.manifest.finishedAt.localeCompare(a.result.manifest.finishedAt),
  )[0];
  if (!newest) return undefined;
  const source = newest.result.manifest.source;
  if (/^https?:\/\//i.test(source) || !existsSync(source) || !statSync(source).isDirectory()) {
    context.warn(`the runs read ${source}; pass --source DIR to show responses on the model pages`);
    return undefined;
  }
  return context.openSource(source);
}
