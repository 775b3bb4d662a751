import { resolve } from 'node:path';
import {
  columnGroups,
  NOT_RUN,
  type JudgeFigure,
  type JudgeRow,
  type JudgeTable,
} from '../../leaderboard/judges.js';
import type { SuiteRegistry } from '../../suite/registry.js';
import { fixed, formatTable, pValue, toJson } from '../format.js';
import { warningsTo } from '../io.js';
import { loadJudgeTable } from '../judge-table.js';
import type { CommandRegistrar } from '../program.js';
import { resolveStorePath, runsDir } from '../settings.js';

/** `bench judges`: the judge leaderboard from stored runs. */
export const judgesCommand =
  (suites: SuiteRegistry): CommandRegistrar =>
  (cli, io) =>
    cli.command(
      'judges',
      'the judge leaderboard: every judge profile with stored runs, figure by figure',
      (y) =>
        y
          .option('runs', { type: 'string', describe: 'run archive [default: .bench/runs]' })
          .option('store', {
            type: 'string',
            describe: 'judgment store with the latencies [env BENCH_STORE; default .bench/judgments.sqlite]',
          })
          .option('json', {
            type: 'boolean',
            default: false,
            describe: 'print the table as one JSON document',
          }),
      async (args) => {
        const table = await loadJudgeTable(
          suites,
          args.runs !== undefined ? resolve(io.cwd, args.runs) : runsDir(io),
          {
            file: resolveStorePath(args.store, io),
            named: args.store !== undefined || io.env.BENCH_STORE !== undefined,
          },
          warningsTo(io),
        );
        io.stdout(args.json ? toJson(table) : judgesText(table));
      },
    );

/** A figure as the terminal shows it: value and interval; "not run" where the judge has none. */
export function figureText(f: JudgeFigure | undefined): string {
  if (!f) return NOT_RUN;
  const digits = f.kind === 'percent' ? 2 : 3;
  const value = f.kind === 'p' ? pValue(f.value) : fixed(f.value, digits);
  const ci = f.ci95 ? ` [${fixed(f.ci95[0], digits)}, ${fixed(f.ci95[1], digits)}]` : '';
  const percent = f.kind === 'percent' && f.value !== null ? '%' : '';
  return `${value}${percent}${ci}${f.warning ? ' !' : ''}`;
}

/** Judgments per second and GPU-seconds per 1,000 judgments, as printed. */
export function speedText(row: JudgeRow): { perSecond: string; gpuSeconds: string } {
  return row.speed
    ? { perSecond: fixed(row.speed.perSecond, 2), gpuSeconds: fixed(row.speed.gpuSecondsPer1000, 1) }
    : { perSecond: NOT_RUN, gpuSeconds: NOT_RUN };
}

/** One table per suite (a row per judge), then the runs, parse failures and speed of each. */
export function judgesText(table: JudgeTable): string {
  if (table.rows.length === 0) return 'no stored run summarises a judge yet (bench run <suite> first)\n';
  const parts: string[] = [];
  for (const { suite, table: subtable, columns } of columnGroups(table.columns)) {
    parts.push(
      `${subtable ? `${suite}: ${subtable}` : suite}\n` +
        formatTable(
          ['judge', ...columns.map((c) => c.label)],
          table.rows.map((r) => [r.judge, ...columns.map((c) => figureText(r.figures[c.key]))]),
        ),
    );
  }
  parts.push(
    'runs, parse failures, speed\n' +
      formatTable(
        ['judge', 'runs used', 'parse failures', 'judgments/s', 'GPU-s per 1k'],
        table.rows.map((r) => {
          const speed = speedText(r);
          return [
            r.judge,
            r.sources
              .map(
                (s) =>
                  `${s.suite} ${s.finishedAt.slice(0, 16)}${s.complete ? '' : ' partial'}${s.baselineOf ? ` (in ${s.baselineOf}'s run)` : ''}`,
              )
              .join('; '),
            r.parseFailure ? `${fixed(r.parseFailure.rate, 2)}%` : NOT_RUN,
            speed.perSecond,
            speed.gpuSeconds,
          ];
        }),
      ),
  );
  parts.push(
    'Per judge and suite: the newest complete run (a partial one only when there is no complete one). ' +
      '"!" marks a correlation on fewer than 10 models. Definitions: --json.\n',
  );
  return parts.join('\n');
}
