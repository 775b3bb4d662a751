import { existsSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { errorMessage } from '../../core/errors.js';
import {
  buildSite,
  loadSiteInput,
  sourceOutputs,
  type BuildSummary,
  type CritiqueLookup,
} from '../../report/index.js';
import { openSourceFiles, type SourceFiles } from '../../source/files.js';
import { JudgmentStore } from '../../store/judgment-store.js';
import { alpacaEvalInstructions } from '../../../suites/alpacaeval/instruction-set.js';
import { warningsTo, type CliIO } from '../io.js';
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

/** Loads the stored results, opens the store and the source for the model pages, and builds the site. */
export async function renderReport(io: CliIO, options: ReportOptions): Promise<BuildSummary> {
  const warn = warningsTo(io);
  const input = await loadSiteInput({
    runsDir: options.runs ? resolve(io.cwd, options.runs) : runsDir(io),
    leaderboardsDir: resolveLeaderboardsDir(options.leaderboards, io),
    ...(options.paper ? { paperFile: resolve(io.cwd, options.paper) } : {}),
    warn,
  });

  const store = openStore(options.store, io, warn);
  const critiques: CritiqueLookup | undefined = store
    ? (key) => {
        const j = store.get(key);
        return j ? { text: j.text, finishReason: j.finishReason } : undefined;
      }
    : undefined;

  const files =
    options.files ??
    openSubmissions(options.source, [...input.alpacaeval, ...(input.otherRuns ?? [])], io, warn);
  const instructions = alpacaEvalInstructions().instructions;
  try {
    const summary = await buildSite(
      {
        ...input,
        instructions,
        ...(critiques ? { critiques } : {}),
        ...(files ? { outputs: sourceOutputs(files, instructions, warn) } : {}),
      },
      resolve(io.cwd, options.out),
      { log: (line) => io.stderr(`${line}\n`) },
    );
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

/**
 * The submissions for the model pages: --source when given; otherwise the local folder
 * the newest AlpacaEval run read (a URL is used only when given: the report never
 * downloads on its own).
 */
function openSubmissions(
  flag: string | undefined,
  runs: readonly { result: { manifest: { source: string; finishedAt: string } } }[],
  io: CliIO,
  warn: (m: string) => void,
): SourceFiles | undefined {
  if (flag !== undefined) {
    return openSourceFiles(resolveSource(flag, io), { cacheDir: httpCacheDir(io) });
  }
  const newest = [...runs].sort((a, b) =>
    b.result.manifest.finishedAt.localeCompare(a.result.manifest.finishedAt),
  )[0];
  if (!newest) return undefined;
  const source = newest.result.manifest.source;
  if (/^https?:\/\//i.test(source) || !existsSync(source) || !statSync(source).isDirectory()) {
    warn(`the runs read ${source}; pass --source DIR to show responses on the model pages`);
    return undefined;
  }
  return openSourceFiles(source, { cacheDir: httpCacheDir(io) });
}

export const reportCommand: CommandRegistrar = (cli, io) =>
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
        .option('store', { type: 'string', describe: 'judgment store with the critiques [env BENCH_STORE]' })
        .option('source', {
          type: 'string',
          describe: 'alpaca_eval tree with the submissions [default: the folder the latest run read]',
        })
        .option('paper', {
          type: 'string',
          describe: "the Auto-J paper's Table 24 CSV [default: bundled copy]",
        }),
    async (args) => {
      const summary = await renderReport(io, {
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
