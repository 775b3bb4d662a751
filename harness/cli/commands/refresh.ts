import { isAbsolute, join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { BenchError, DRIFT_EXIT } from '../../core/errors.js';
import { isSnapshotDate, loadHistory } from '../../leaderboard/history.js';
import { lockLeaderboard } from '../../leaderboard/lock.js';
import { refreshLeaderboard, type RefreshOutcome, type SiteBuilder } from '../../leaderboard/refresh.js';
import { rankDrift, type RankDrift } from '../../leaderboard/run-diff.js';
import type { RankedRun } from '../../leaderboard/snapshot.js';
import type { LeaderboardSnapshot } from '../../leaderboard/types.js';
import type { Interval } from '../../stats/bootstrap.js';
import type { SourceFiles } from '../../source/files.js';
import { BUILT_IN_REFERENCES } from '../../source/references.js';
import { archiveRun, type RunEnvelope } from '../../store/run-archive.js';
import type { AnySuite, LeaderboardSuite } from '../../suite/contract.js';
import { executeSuite } from '../../suite/execute.js';
import { readOptions, type OptionDeclaration } from '../../suite/options.js';
import type { SuiteRegistry } from '../../suite/registry.js';
import { fixed, formatTable, interval, terminalText, toJson } from '../format.js';
import { warningsTo, type CliIO } from '../io.js';
import { sourceOptions, openSource } from '../source-options.js';
import { judgeOptions, openJudge, runOptionsFor } from '../judge-options.js';
import type { CommandRegistrar } from '../program.js';
import { renderReport } from './report.js';
import { yargsOption } from './run.js';
import { numberChecks, RESAMPLES, SEED } from '../number-options.js';
import { resolveLeaderboardsDir, resolveSiteDir, runsDir } from '../settings.js';

/**
 * `bench refresh`: the nightly job. Reads the reference leaderboard (or an `--as-of` CSV),
 * ranks its models that have outputs (judging only what the store lacks), and writes a
 * dated snapshot with the changes since the previous one, then rebuilds the site. With
 * nothing new it writes nothing and exits 0. See docs/refresh.md. It ranks with the suite
 * of the registry that keeps a leaderboard (alpacaeval), whose `leaderboard.flags` (its
 * --instructions and --min-coverage) are refresh's flags too.
 */
export function refreshCommand(suites: SuiteRegistry): CommandRegistrar {
  return (cli, io) => refresh(cli, io, suites);
}

const refresh = (cli: Argv, io: CliIO, suites: SuiteRegistry) =>
  cli.command(
    'refresh',
    'nightly: judge what is new, write a dated leaderboard snapshot, rebuild the site',
    (y) =>
      leaderboardFlags(sourceOptions(judgeOptions(y)), suites)
        .usage(
          '$0 refresh [--judge NAME|FILE] [--reference ae2] [--as-of FILE.csv] [--date YYYY-MM-DD]\n\n' +
            'Snapshots go to <leaderboards>/<judge>/<date>.json|.csv and latest.json|.csv; ' +
            'a refresh with nothing new (same models, outputs, reference values and judge) writes nothing.',
        )
        .option('reference', {
          type: 'string',
          default: 'ae2',
          choices: BUILT_IN_REFERENCES,
          describe: 'the reference leaderboard: its models (those with outputs) make the leaderboard',
        })
        .option('as-of', {
          type: 'string',
          describe: "a dated copy of the reference's CSV, used instead of the source's current one (replays)",
        })
        .option('date', {
          type: 'string',
          describe: 'the date the snapshot stands for, YYYY-MM-DD [default: today, UTC]',
        })
        .option('leaderboards', {
          type: 'string',
          describe:
            "snapshot folder; this judge's go to <folder>/<judge>/ [env BENCH_LEADERBOARDS; default leaderboards/]",
        })
        .option('site', {
          type: 'string',
          describe: 'the site folder rebuilt after a new snapshot [env BENCH_SITE; default site/]',
        })
        .option('seed', {
          type: 'number',
          default: 1,
          describe: 'seed of the bootstrap and of --instructions',
        })
        .option('bootstrap', {
          type: 'number',
          default: 1000,
          describe: 'bootstrap resamples for the 95% intervals (0: none)',
        })
        .option('force', {
          type: 'boolean',
          default: false,
          describe: 'write a snapshot even when nothing is new (e.g. after a judge template change)',
        })
        .option('fail-on-drift', {
          type: 'boolean',
          default: false,
          describe: `exit ${DRIFT_EXIT} when ranks moved beyond their 95% intervals (the snapshot is still written)`,
        })
        .option('json', {
          type: 'boolean',
          default: false,
          describe: 'print the outcome as one JSON document',
        })
        .check(numberChecks({ seed: SEED, bootstrap: RESAMPLES }))
        .check((a) => {
          if (a.date !== undefined && !isSnapshotDate(a.date)) {
            throw new BenchError(`--date must be a calendar date YYYY-MM-DD, not "${a.date}"`);
          }
          return true;
        }),
    async (args) => {
      const { suite, leaderboard, flags } = leaderboardSuite(suites);
      const request = {
        reference: args.reference,
        seed: args.seed,
        bootstrap: args.bootstrap,
        values: readOptions(flags, args),
      };
      const now = () => new Date();
      const date = args.date ?? now().toISOString().slice(0, 10);
      const leaderboards = resolveLeaderboardsDir(args.leaderboards, io);
      // A night with failed judgments is not published: stop at the first failure unless allowed.
      const maxFailures = args['max-failures'] ?? 0;
      const opened = openJudge({ ...args, 'max-failures': maxFailures }, io);
      // the judge's name, not the path of its profile file
      const dir = join(leaderboards, opened.name);
      const siteDir = resolveSiteDir(args.site, io);
      const warn = warningsTo(io);
      const log = (m: string) => io.stderr(`${terminalText(m)}\n`);

      /** the night's run: its rank intervals tell drift from noise */
      let night: (RunEnvelope & RankedRun) | undefined;
      let drift: RankDrift[] = [];
      const lock = await lockLeaderboard(dir, { command: 'bench refresh', warn, now });
      try {
        const files = openSource(args, io);
        log(`refresh ${opened.name} for ${date}: source ${files.location}, reference ${args.reference}`);
        // the judge closes (judgments kept, a --serve vLLM stopped) before the lock is released
        await opened.use(async () => {
          const site = siteBuilder(io, suites, { files, leaderboards, store: args.store });
          const outcome = await refreshLeaderboard({
            dir,
            judge: await opened.identify(),
            files,
            cwd: io.cwd,
            reference: args.reference,
            asOf: args['as-of'] === undefined ? undefined : absolute(args['as-of'], io),
            date,
            now,
            instructionSetSha256: leaderboard.selectionSha256(
              leaderboard.options({ ...request, models: [] }),
            ),
            force: args.force,
            maxFailures,
            evaluate: async ({ files: pinned, models }) => {
              const { result } = await executeSuite(suite, leaderboard.options({ ...request, models }), {
                cwd: io.cwd,
                signal: io.signal,
                now,
                warn,
                log,
                source: pinned,
                optionLabel: (name) => `--${name}`,
                judge: async () => {
                  const connected = await opened.connect();
                  return {
                    judge: connected.judge,
                    run: runOptionsFor(connected, io),
                    texts: connected.texts,
                  };
                },
              });
              night = leaderboard.ranked(result);
              return night;
            },
            archive: (run) => archiveRun(runsDir(io), run),
            site: { dir: siteDir, build: site },
            log,
            warn,
          });
          if (outcome.status === 'updated') drift = await driftOf(outcome.snapshot, night, dir);
          report(outcome, { io, json: args.json, dir, drift });
        });
      } finally {
        await lock.release();
      }
      if (args['fail-on-drift'] && drift.length > 0) {
        throw new BenchError(
          `${drift.length} rank move(s) beyond their 95% intervals (drift): ${drift
            .slice(0, 3)
            .map((d) => `${d.model} ${d.from}->${d.to}`)
            .join(', ')}${drift.length > 3 ? ', ...' : ''}; the snapshot is written`,
          { exitCode: DRIFT_EXIT },
        );
      }
    },
  );

/**
 * The new snapshot's rank moves beyond its run's intervals, against the snapshot it
 * follows (none for a first snapshot, or a run without rank intervals).
 */
async function driftOf(
  snapshot: LeaderboardSnapshot,
  run: RankedRun | undefined,
  dir: string,
): Promise<RankDrift[]> {
  const previousDate = snapshot.changes?.previousDate;
  if (!run || previousDate === undefined) return [];
  const previous = (await loadHistory(dir, snapshot.judge.name)).snapshots.find(
    (s) => s.date === previousDate,
  );
  if (!previous) return [];
  const intervals = new Map<string, Interval>();
  for (const m of run.models as readonly { model: string; rankCi95?: Interval }[])
    if (m.rankCi95) intervals.set(m.model, m.rankCi95);
  return rankDrift(previous, snapshot, intervals);
}

/**
 * The site exactly as `bench report` builds it: every judge's latest archived run (the
 * refresh archives its own), every leaderboard history, critiques from the store, the
 * responses from the source being refreshed.
 */
function siteBuilder(
  io: CliIO,
  suites: SuiteRegistry,
  context: { files: SourceFiles; leaderboards: string; store: string | undefined },
): SiteBuilder {
  return async (outDir) => {
    await renderReport(io, suites, {
      out: outDir,
      leaderboards: context.leaderboards,
      files: context.files,
      ...(context.store !== undefined ? { store: context.store } : {}),
    });
  };
}

function absolute(path: string, io: CliIO): string {
  return isAbsolute(path) ? path : resolve(io.cwd, path);
}

function report(
  outcome: RefreshOutcome,
  context: { io: CliIO; json: boolean; dir: string; drift: readonly RankDrift[] },
): void {
  const { io } = context;
  if (outcome.status === 'unchanged') {
    io.stderr(
      `nothing new since ${outcome.latest.date} (same models, outputs, reference values and judge): no snapshot written` +
        (outcome.repaired.length
          ? `; rewrote ${outcome.repaired.join(' and ')}, which lagged behind it`
          : '') +
        '\n',
    );
    if (context.json) {
      io.stdout(
        toJson({
          command: 'refresh',
          status: 'unchanged',
          judge: outcome.latest.judge.name,
          date: outcome.date,
          latest: { date: outcome.latest.date, file: join(context.dir, 'latest.json') },
          repaired: outcome.repaired,
        }),
      );
    }
    return;
  }
  const s = outcome.snapshot;
  io.stderr(
    `wrote ${outcome.files.json}${outcome.replaced ? ` (replacing the earlier snapshot of ${s.date})` : ''}, ${outcome.files.csv} and latest\n`,
  );
  if (outcome.site) io.stderr(`rebuilt the site in ${outcome.site}\n`);
  if (context.json) {
    io.stdout(
      toJson({
        command: 'refresh',
        status: 'updated',
        judge: s.judge.name,
        date: s.date,
        replaced: outcome.replaced,
        reasons: outcome.reasons,
        files: outcome.files,
        site: outcome.site,
        models: s.models.length,
        skipped: s.skipped.length,
        correlations: s.correlations,
        changes: s.changes,
        drift: context.drift,
        judgments: outcome.judgments,
      }),
    );
    return;
  }
  io.stdout(summary(s, context.drift));
}

const MOVES_SHOWN = 10;

/** The snapshot in a few lines: size, correlations with their change, what changed. */
export function summary(s: LeaderboardSnapshot, drift: readonly RankDrift[] = []): string {
  const lines: string[] = [];
  const c = s.changes;
  lines.push(
    `${s.judge.name} leaderboard, ${s.date}: ${s.models.length} models ranked, ${s.skipped.length} skipped` +
      (c
        ? ` (since ${c.previousDate}: +${c.added.length} new, -${c.removed.length} removed, ${c.changed.length} with new outputs)`
        : ' (first snapshot)'),
  );
  const delta = (ref: string, stat: 'spearman' | 'kendall' | 'pearson') => {
    const d = c?.correlationDeltas.find((x) => x.reference === ref && x.statistic === stat);
    if (!d || d.from === null || d.to === null) return '–';
    const v = d.to - d.from;
    return `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;
  };
  lines.push(
    formatTable(
      ['reference', 'n', 'spearman', 'change', 'kendall tau-b', 'change', 'pearson', 'change'],
      s.correlations.map((x) => [
        x.reference,
        String(x.n),
        fixed(x.spearman.value, 4),
        delta(x.reference, 'spearman'),
        fixed(x.kendall.value, 4),
        delta(x.reference, 'kendall'),
        fixed(x.pearson.value, 4),
        delta(x.reference, 'pearson'),
      ]),
    ).trimEnd(),
  );
  if (c) {
    const rank = new Map(s.models.map((m) => [m.model, m.rank]));
    if (c.added.length) lines.push(`new: ${c.added.map((m) => `${m} (#${rank.get(m) ?? '–'})`).join(', ')}`);
    if (c.removed.length) lines.push(`removed: ${c.removed.join(', ')}`);
    if (c.changed.length) lines.push(`new outputs: ${c.changed.join(', ')}`);
    if (c.rankMoves.length) {
      const shown = c.rankMoves.slice(0, MOVES_SHOWN);
      lines.push(
        `rank moves (${c.rankMoves.length}): ${shown.map((m) => `${m.model} ${m.from}->${m.to}`).join(', ')}` +
          (c.rankMoves.length > shown.length ? ', ...' : ''),
      );
    }
    const drifted = drift.slice(0, MOVES_SHOWN);
    lines.push(
      drift.length === 0
        ? 'drift: none (no rank moved beyond its 95% interval)'
        : `drift (${drift.length} rank moves beyond their 95% intervals): ${drifted
            .map(
              (d) => `${d.model} ${d.from}->${d.to} (expected ${d.expected}, 95% ${interval(d.rankCi95, 1)})`,
            )
            .join(', ')}${drift.length > drifted.length ? ', ...' : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The suite whose leaderboard a refresh keeps (the first of the registry that has one), and its flags. */
function leaderboardSuite(suites: SuiteRegistry): {
  suite: AnySuite;
  leaderboard: LeaderboardSuite<object, RunEnvelope>;
  flags: OptionDeclaration[];
} {
  for (const suite of suites.suites) {
    const { leaderboard } = suite;
    if (leaderboard) {
      const flags = suite.options.filter((o) => leaderboard.flags.includes(o.name));
      return { suite, leaderboard, flags };
    }
  }
  throw new BenchError(`no suite keeps a leaderboard (suites: ${suites.names.join(', ')})`);
}

/** The leaderboard suite's flags that refresh offers, checked before it starts (none without such a suite). */
function leaderboardFlags<T>(y: Argv<T>, suites: SuiteRegistry): Argv<T> {
  if (!suites.suites.some((s) => s.leaderboard)) return y;
  const { flags } = leaderboardSuite(suites);
  let b = y;
  for (const option of flags) b = b.option(option.name, yargsOption(option));
  return b.check((a) => {
    readOptions(flags, a as Record<string, unknown>);
    return true;
  });
}
