import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { errorMessage } from '../../core/errors.js';
import {
  buildSite,
  loadLeaderboardHistories,
  loadSiteSections,
  type BuildSummary,
  type CritiqueLookup,
} from '../../report/index.js';
import { openSourceFiles, type SourceFiles } from '../../source/files.js';
import { JudgmentStore } from '../../store/judgment-store.js';
import type { SuiteRegistry } from '../../suite/registry.js';
import { warningsTo, type CliIO } from '../io.js';
import { loadJudgeTable } from '../judge-table.js';
import type { CommandRegistrar } from '../program.js';
import {
  httpCacheDir,
  resolveLeaderboardsDir,
  resolveSiteDir,
  resolveSource,
  resolveStorePath,
  runsDir,
} from '../settings.js';

export interface ReportOptions {
  /** the site folder (replaced as a whole when the build succeeds) */
  readonly out: string;
  /** the run archive [default: .bench/runs] */
  readonly runs?: string;
  /** leaderboard snapshots, one folder per judge [env BENCH_LEADERBOARDS; default: leaderboards] */
  readonly leaderboards?: string;
  /** the judgment store with the critiques [default: the harness's store, when it exists] */
  readonly store?: string;
  /** alpaca_eval tree with the submissions [default: the folder the latest run read] */
  readonly source?: string;
  /** source files already open (a run that renders right after judging) */
  readonly files?: SourceFiles;
  /** the paper's Table 24 CSV [default: the copy in reports/data] */
  readonly paper?: string;
}

/**
 * Loads every suite's part of the site from the run archive (with the leaderboard
 * histories, the store's critiques and the source for the model pages) and builds it.
 */
export async function renderReport(
  io: CliIO,
  suites: SuiteRegistry,
  options: ReportOptions,
): Promise<BuildSummary> {
  const warn = warningsTo(io);
  const histories = await loadLeaderboardHistories(resolveLeaderboardsDir(options.leaderboards, io), warn);
  const store = openStore(options.store, io, warn);
  try {
    const critiques: CritiqueLookup | undefined = store
      ? (key) => {
          const j = store.get(key);
          return j ? { text: j.text, finishReason: j.finishReason } : undefined;
        }
      : undefined;
    const openSource = (location: string) => openSourceFiles(location, { cacheDir: httpCacheDir(io) });
    const source =
      options.files ??
      (options.source !== undefined ? openSource(resolveSource(options.source, io)) : undefined);
    const runs = options.runs ? resolve(io.cwd, options.runs) : runsDir(io);
    const judges = await loadJudgeTable(
      suites,
      runs,
      { file: resolveStorePath(options.store, io), named: false },
      warn,
    );
    const sections = await loadSiteSections(runs, suites.suites, {
      histories,
      warn,
      openSource,
      ...(critiques ? { critiques } : {}),
      ...(source ? { source } : {}),
      ...(options.paper ? { paperFile: resolve(io.cwd, options.paper) } : {}),
    });
    const summary = await buildSite({ sections, judges }, resolve(io.cwd, options.out), {
      log: (line) => io.stderr(`${line}\n`),
    });
    io.stderr(
      `report: ${summary.pages.length} pages in ${(summary.durationMs / 1000).toFixed(1)} s -> ${relative(io.cwd, summary.outDir) || '.'}/index.html\n`,
    );
    return summary;
  } finally {
    store?.close();
  }
}

function openStore(
  flag: string | undefined,
  io: CliIO,
  warn: (m: string) => void,
): JudgmentStore | undefined {
  const file = resolveStorePath(flag, io);
  // A store not made yet holds no critiques (a new store given to a length-judge run
  // or refresh, which never opens one): the pages are built without them.
  if (!existsSync(file)) {
    if (flag !== undefined)
      warn(`--store ${flag}: no judgment store there yet; no critiques on the model pages`);
    return undefined;
  }
  try {
    return JudgmentStore.open(file, { readonly: true });
  } catch (e) {
    if (flag !== undefined) throw e;
    warn(`${errorMessage(e)}; critiques left out of the model pages`);
    return undefined;
  }
}

export const reportCommand =
  (suites: SuiteRegistry): CommandRegistrar =>
  (cli, io) =>
    cli.command(
      'report',
      'render the static report site from stored results',
      (y) =>
        y
          .option('out', {
            type: 'string',
            describe: 'site folder, replaced when the build succeeds [env BENCH_SITE; default: site]',
          })
          .option('runs', { type: 'string', describe: 'run archive [default: .bench/runs]' })
          .option('leaderboards', {
            type: 'string',
            describe:
              'leaderboard snapshots for the history pages [env BENCH_LEADERBOARDS; default: leaderboards]',
          })
          .option('store', {
            type: 'string',
            describe: 'judgment store with the critiques [env BENCH_STORE]',
          })
          .option('source', {
            type: 'string',
            describe: 'alpaca_eval tree with the submissions [default: the folder the latest run read]',
          })
          .option('paper', {
            type: 'string',
            describe: "the Auto-J paper's Table 24 CSV [default: bundled copy]",
          }),
      async (args) => {
        const summary = await renderReport(io, suites, {
          out: resolveSiteDir(args.out, io),
          ...(args.runs !== undefined ? { runs: args.runs } : {}),
          ...(args.leaderboards !== undefined ? { leaderboards: args.leaderboards } : {}),
          ...(args.store !== undefined ? { store: args.store } : {}),
          ...(args.source !== undefined ? { source: args.source } : {}),
          ...(args.paper !== undefined ? { paper: args.paper } : {}),
        });
        io.stdout(`${summary.outDir}/index.html\n`);
      },
    );
