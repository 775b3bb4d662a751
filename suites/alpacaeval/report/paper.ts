import { scatterChart, type ScatterPoint } from '../../../harness/report/charts.js';
import {
  baseName,
  dateTime,
  int,
  isNumber,
  MISSING,
  num,
  plural,
  signed,
  sortKey,
} from '../../../harness/report/format.js';
import { link } from '../../../harness/report/paths.js';
import {
  chartView,
  fitDescription,
  NARROW_CHART,
  type ChartView,
} from '../../../harness/report/views/common.js';
import { cell, header, numCell, type HeaderView, type RowView } from '../../../harness/report/views/table.js';
import { comparePaperTable, type PaperCorrelation, type PaperTable } from '../paper-table.js';
import type { ModelFacts } from './leaderboard.js';
import type { AlpacaEvalRunInput } from './types.js';

export interface PaperCorrelationView {
  readonly label: string;
  readonly n: string;
  readonly spearman: string;
  readonly kendall: string;
  readonly pearson: string;
  readonly note: string;
}

export interface PaperView {
  readonly lede: string;
  readonly runNote: string;
  readonly hasRun: boolean;
  readonly headers: readonly HeaderView[];
  readonly rows: readonly RowView[];
  readonly rowCount: string;
  readonly correlations: readonly PaperCorrelationView[];
  readonly charts: readonly ChartView[];
  readonly file: string;
}

function correlations(label: string, c: PaperCorrelation, note: string): PaperCorrelationView {
  return {
    label,
    n: String(c.n),
    spearman: num(c.spearman, 3),
    kendall: num(c.kendall, 3),
    pearson: num(c.pearson, 3),
    note,
  };
}

/**
 * The paper's Table 24 (Auto-J's mean rating and GPT-4's AlpacaEval 1 win rate for 53
 * models) beside what this harness measured for the same models with the `autoj` judge.
 */
export function paperView(
  table: PaperTable,
  run: AlpacaEvalRunInput | undefined,
  facts: readonly ModelFacts[] | undefined,
  page: string,
): PaperView {
  const byModel = new Map((facts ?? []).map((f) => [f.model.model, f]));
  const comparison = comparePaperTable(
    table,
    run ? new Map((facts ?? []).map((f) => [f.model.model, f.model.score])) : undefined,
  );
  const rows = comparison.rows;
  const measured = rows.map((r, i) =>
    comparison.scores[i] !== null ? byModel.get(r.alpacaEvalId) : undefined,
  );
  const harnessRanks = comparison.ranks;
  const digits = 3;

  const headers: HeaderView[] = [
    header('GPT-4 rank', 'num', 'rank by GPT-4 win rate in the paper', { first: 'ascending', sorted: true }),
    header('Model', 'text', 'name in the paper, with the AlpacaEval id'),
    header('GPT-4 win %', 'num', 'AlpacaEval 1 win rate (GPT-4 judge) as in the paper'),
    header('Auto-J (paper)', 'num', "Auto-J's mean rating in the paper"),
    header('Auto-J rank', 'num', 'rank by that rating in the paper', { first: 'ascending' }),
    ...(run
      ? [
          header('Harness', 'num', `mean rating measured by this harness (${run.result.judge.name})`),
          header('Harness rank', 'num', 'rank of the harness rating among these models', {
            first: 'ascending',
          }),
          header('Δ', 'num', 'harness rating − paper rating'),
        ]
      : []),
  ];

  const tableRows: RowView[] = rows.map((r, i) => {
    const f = measured[i];
    const score = f?.model.score ?? null;
    const rank = harnessRanks[i] ?? null;
    return {
      filter: `${r.paperName} ${r.alpacaEvalId}`.toLowerCase(),
      cls: '',
      cells: [
        numCell(String(r.rankGpt4), String(r.rankGpt4)),
        cell(r.paperName, r.paperName.toLowerCase(), {
          note: r.alpacaEvalId,
          href: f ? link(page, f.page) : '',
          cls: 'model',
        }),
        numCell(num(r.gpt4WinRate, 2), String(r.gpt4WinRate)),
        numCell(num(r.autojMeanRating, 3), String(r.autojMeanRating)),
        numCell(String(r.rankAutoj), String(r.rankAutoj)),
        ...(run
          ? [
              numCell(num(score, digits), sortKey(score), { cls: f ? '' : 'missing' }),
              numCell(rank === null ? MISSING : String(rank), sortKey(rank)),
              numCell(
                isNumber(score) ? signed(score - r.autojMeanRating, digits) : MISSING,
                isNumber(score) ? String(score - r.autojMeanRating) : '',
              ),
            ]
          : []),
      ],
    };
  });

  const corr: PaperCorrelationView[] = [
    correlations(
      'Paper: Auto-J rating vs GPT-4 win rate',
      comparison.paper,
      'the paper states Spearman 0.97, Pearson 0.96',
    ),
  ];
  const matched = rows.flatMap((r, i) => {
    const score = comparison.scores[i];
    return score !== null && score !== undefined ? [{ r, score }] : [];
  });
  if (run && comparison.run) {
    corr.push(
      correlations(
        `Harness: ${run.result.judge.name} rating vs GPT-4 win rate`,
        comparison.run.gpt4,
        `over the ${plural(matched.length, 'model')} of the table the run rated`,
      ),
      correlations('Harness rating vs paper rating', comparison.run.paper, 'do the two Auto-J runs agree?'),
    );
  }

  const charts: ChartView[] = [
    chartView(
      'Paper: Auto-J rating against GPT-4 win rate',
      `The ${int(rows.length)} models of Table 24 as published; ${fitDescription(rows.length)}.`,
      (size) =>
        scatterChart(
          rows.map<ScatterPoint>((r) => ({
            x: r.gpt4WinRate,
            y: r.autojMeanRating,
            label: r.paperName,
            labelled: r.rankGpt4 <= 4 || r.rankGpt4 > rows.length - 3,
          })),
          {
            xLabel: 'GPT-4 win rate (%)',
            yLabel: 'Auto-J mean rating (paper)',
            trend: true,
            description: 'Scatter plot of the paper’s Auto-J rating against the GPT-4 win rate',
            ...size,
          },
        ),
      NARROW_CHART,
    ),
  ];
  if (run && matched.length >= 2) {
    charts.push(
      chartView(
        'Harness rating against the paper’s rating',
        'Each point is a model of Table 24 that this run rated; the dashed line is equality (the same rating in both), the solid one the least-squares fit.',
        (size) =>
          scatterChart(
            matched.map<ScatterPoint>((m) => ({
              x: m.r.autojMeanRating,
              y: m.score,
              label: m.r.paperName,
              labelled: false,
            })),
            {
              xLabel: 'Auto-J mean rating (paper)',
              yLabel: `${run.result.judge.name} mean rating (harness)`,
              trend: true,
              diagonal: true,
              description: 'Scatter plot of the harness rating against the paper rating',
              ...size,
            },
          ),
        NARROW_CHART,
      ),
    );
  }

  return {
    lede: `Table 24 of “Generative Judge for Evaluating Alignment” (Auto-J, ICLR 2024): Auto-J’s mean single-response rating on AlpacaEval for ${int(rows.length)} open-source models, and GPT-4’s AlpacaEval 1 win rate for each.`,
    runNote: run
      ? `Harness columns: the latest AlpacaEval run of the ${run.result.judge.name} judge (${dateTime(run.result.manifest.finishedAt)}, ${plural(run.result.settings.instructions, 'instruction')}); ${int(matched.length)} of the ${int(rows.length)} models were rated.`
      : 'No Auto-J run exists yet: the table shows the paper’s own numbers only. Run `bench run alpacaeval --judge autoj` to measure them here.',
    hasRun: run !== undefined,
    headers,
    rows: tableRows,
    rowCount: plural(tableRows.length, 'model'),
    correlations: corr,
    charts,
    file: baseName(table.file),
  };
}
