import { rankScores } from '../../../harness/aggregate/model-aggregate.js';
import type { AlpacaEvalResult, ModelResult } from '../result.js';
import { lengthJudgeInfo } from '../../../harness/judge/length.js';
import { scatterChart, type ScatterPoint } from '../../../harness/report/charts.js';
import {
  baseName,
  publicLocation,
  dateTime,
  duration,
  int,
  interval,
  isNumber,
  MISSING,
  num,
  percent,
  plural,
  scoreDigits,
  shortHash,
  sortKey,
} from '../../../harness/report/format.js';
import { link } from '../../../harness/report/paths.js';
import type { AlpacaEvalRunInput } from './types.js';
import {
  chartView,
  fitDescription,
  NARROW_CHART,
  type ChartView,
} from '../../../harness/report/views/common.js';
import { correlationView, primaryReference, referenceShort, type CorrelationView } from './common.js';
import { SIGNIFICANCE_DEFINITIONS } from '../significance.js';
import { rankInterval, significanceView, type SignificanceView } from './significance-view.js';
import { fact, type Fact } from '../../../harness/report/views/page.js';
import { cell, header, numCell, type HeaderView, type RowView } from '../../../harness/report/views/table.js';

/** 95% normal interval half-width from a standard error. */
export const Z95 = 1.959964;

export interface LeaderboardView {
  readonly judge: JudgeView;
  readonly heading: string;
  /** set on the page of a run that is not the judge's published leaderboard */
  readonly status: RunStatusView | null;
  readonly lede: string;
  readonly facts: readonly Fact[];
  readonly correlations: readonly CorrelationView[];
  /** the length ruler's correlations on the same models, instructions and resamples */
  readonly lengthRuler: readonly CorrelationView[];
  readonly correlationNote: string;
  readonly headers: readonly HeaderView[];
  readonly rows: readonly RowView[];
  readonly rowCount: string;
  readonly changeNote: string;
  /** what the ± after a score is, said on the page (the CLI prints the standard error itself) */
  readonly intervalNote: string;
  readonly charts: readonly ChartView[];
  /** why a chart is left out, '' when none is */
  readonly chartsNote: string;
  readonly skipped: readonly { model: string; reason: string; references: string }[];
  readonly skippedCount: string;
  /** separability, agreement with confidence, Brier, strict pairs, length control, warnings */
  readonly significance: SignificanceView;
}

export interface RunStatusView {
  /** `partial run: 2 models, 5 of 805 instructions, <date>` */
  readonly label: string;
  readonly note: string;
  /** the judge's published leaderboard, relative to the page; '' when it has none */
  readonly publishedHref: string;
}

export interface JudgeView {
  readonly name: string;
  readonly description: string;
  readonly model: string;
  readonly templateVersion: string;
}

/** Per model, what the leaderboard and the model page share. */
export interface ModelFacts {
  readonly model: ModelResult;
  readonly page: string;
  /** rank among the models the reference lists and the judge scored, by reference */
  readonly referenceRanks: ReadonlyMap<string, number>;
  /** previous rank - this rank (positive: moved up); 'new' when absent before; null without a previous run */
  readonly change: number | 'new' | null;
}

export function judgeView(j: AlpacaEvalResult['judge']): JudgeView {
  return { name: j.name, description: j.description, model: j.model, templateVersion: j.templateVersion };
}

/** Reference ranks and rank changes for every model of a run. */
export function modelFacts(run: AlpacaEvalRunInput, pageOf: (model: string) => string): ModelFacts[] {
  const { result, previous } = run;
  const ranksByRef = new Map<string, Map<string, number>>();
  for (const ref of result.settings.references) {
    const compared = result.models.filter((m) => m.score !== null && isNumber(m.references[ref]));
    const ranks = rankScores(compared.map((m) => m.references[ref]!));
    ranksByRef.set(ref, new Map(compared.map((m, i) => [m.model, ranks[i]!])));
  }
  const before = previous ? new Map(previous.models.map((m) => [m.model, m.rank])) : null;
  return result.models.map((model) => {
    const referenceRanks = new Map<string, number>();
    for (const [ref, ranks] of ranksByRef) {
      const r = ranks.get(model.model);
      if (r !== undefined) referenceRanks.set(ref, r);
    }
    let change: ModelFacts['change'] = null;
    if (before) {
      const prev = before.get(model.model);
      change = prev === undefined || prev === null ? 'new' : model.rank === null ? null : prev - model.rank;
    }
    return { model, page: pageOf(model.model), referenceRanks, change };
  });
}

export function changeText(change: ModelFacts['change']): { text: string; cls: string; sort: string } {
  if (change === null) return { text: MISSING, cls: '', sort: '' };
  if (change === 'new') return { text: 'new', cls: 'new', sort: '' };
  if (change === 0) return { text: '=', cls: 'same', sort: '0' };
  return change > 0
    ? { text: `▲ ${change}`, cls: 'up', sort: String(change) }
    : { text: `▼ ${-change}`, cls: 'down', sort: String(change) };
}

export function leaderboardView(
  run: AlpacaEvalRunInput,
  page: string,
  facts: readonly ModelFacts[],
  other: { label: string; publishedHref: string } | null = null,
): LeaderboardView {
  const { result, previous } = run;
  const refs = result.settings.references;
  const digits = scoreDigits(result.models.map((m) => m.score));
  const rated = result.judge.scale !== undefined;
  const scored = result.models.filter((m) => m.score !== null).length;
  // columns of results that have them (issue 12); older archived results have none
  const intervals = result.models.some((m) => m.scoreCi95 !== undefined);
  const lengthControlled = result.models.some((m) => m.lengthControlled !== undefined);
  // The other ranking of a rating judge (`--score`): the expected rating beside the mean
  // rating that ranks, or the mean rating beside the expected one.
  const byExpected = result.settings.score === 'expected';
  const otherScore =
    result.scoreComparison !== undefined &&
    result.models.some((m) => isNumber(byExpected ? m.ratingScore : m.expectedScore));

  const headers: HeaderView[] = [
    header('Rank', 'num', "the judge's rank (ties share a rank)", { first: 'ascending', sorted: true }),
    header('Model', 'text', 'AlpacaEval submission (model id)'),
    header(
      !rated ? 'Score' : byExpected ? 'Expected rating' : 'Mean rating',
      'num',
      `${!rated ? result.judge.description : byExpected ? "mean expected rating from the judge's logprobs, which ranks this run" : 'mean rating over parsed judgments'}; ± is the 95% normal interval (1.96 × standard error)`,
    ),
    ...(intervals
      ? [
          header('Score CI', 'num', SIGNIFICANCE_DEFINITIONS.scoreCi95),
          header('Rank CI', 'num', SIGNIFICANCE_DEFINITIONS.rankCi95, { first: 'ascending' }),
          header('Tier', 'num', SIGNIFICANCE_DEFINITIONS.tier, { first: 'ascending' }),
        ]
      : []),
    ...(lengthControlled
      ? [
          header(
            'LC score',
            'num',
            "length-controlled score: the model's rating at zero length difference to the baseline's output; the small numbers are its 95% bootstrap interval",
          ),
        ]
      : []),
    ...(otherScore
      ? [
          header(
            byExpected ? 'By rating' : 'Expected',
            'num',
            byExpected
              ? 'mean rating (the small number: the rank by it); this run ranks by the expected rating'
              : "mean expected rating from the judge's logprobs (the small number: the rank by it); this run ranks by the mean rating",
          ),
        ]
      : []),
    ...refs.map((r) =>
      header(
        `${referenceShort(r)} rank`,
        'num',
        `rank on ${r} among the models it shares with this judge; the small number is its win rate`,
        { first: 'ascending' },
      ),
    ),
    header(
      'Change',
      'num',
      previous
        ? `rank change since the run of ${dateTime(previous.manifest.finishedAt)}`
        : 'rank change since the previous run (none yet)',
    ),
    header('Parsed', 'num', 'judgments with a verdict'),
    header('Failed', 'num', 'judgments unparsed or failed'),
    header('Avg length', 'num', 'mean output length in characters'),
  ];

  const rows: RowView[] = facts.map((f) => {
    const m = f.model;
    const failed = m.unparsed + m.errors;
    const change = changeText(f.change);
    return {
      filter: m.model.toLowerCase(),
      cls: m.score === null ? 'unscored' : '',
      cells: [
        numCell(m.rank === null ? MISSING : String(m.rank), sortKey(m.rank)),
        cell(m.model, m.model.toLowerCase(), { href: link(page, f.page), cls: 'model' }),
        numCell(num(m.score, digits), sortKey(m.score), {
          note: isNumber(m.se) ? `± ${num(Z95 * m.se, digits)}` : '',
          title: isNumber(m.se) ? `standard error ${num(m.se, digits + 1)}` : '',
        }),
        ...(intervals
          ? [
              numCell(interval(m.scoreCi95, digits), sortKey(m.scoreCi95?.[0])),
              numCell(rankInterval(m.rankCi95), sortKey(m.rankCi95?.[0])),
              numCell(m.tier === null || m.tier === undefined ? MISSING : String(m.tier), sortKey(m.tier)),
            ]
          : []),
        ...(lengthControlled
          ? [
              numCell(num(m.lengthControlled?.value, digits), sortKey(m.lengthControlled?.value), {
                note: m.lengthControlled?.ci95 ? interval(m.lengthControlled.ci95, digits) : '',
                title: m.lengthControlled?.reason ?? m.lengthControlled?.note ?? '',
              }),
            ]
          : []),
        ...(otherScore
          ? [
              byExpected
                ? numCell(num(m.ratingScore, digits), sortKey(m.ratingScore), {
                    note: isNumber(m.ratingRank) ? `#${m.ratingRank}` : '',
                  })
                : numCell(num(m.expectedScore, digits), sortKey(m.expectedScore), {
                    note: isNumber(m.expectedRank) ? `#${m.expectedRank}` : '',
                  }),
            ]
          : []),
        ...refs.map((r) => {
          const rank = f.referenceRanks.get(r);
          const value = m.references[r];
          return numCell(rank === undefined ? MISSING : String(rank), sortKey(rank), {
            note: isNumber(value) ? num(value, 1) : '',
            title: isNumber(value) ? `${r} win rate ${percent(value)}` : `not on ${r}`,
          });
        }),
        numCell(change.text, change.sort, { cls: change.cls }),
        numCell(int(m.parsed), String(m.parsed), { title: `${int(m.n)} judgments asked for` }),
        numCell(int(failed), String(failed), {
          cls: failed > 0 ? 'bad' : 'zero',
          title: `${int(m.unparsed)} unparsed, ${int(m.errors)} errors`,
        }),
        numCell(int(m.meanLength), String(m.meanLength)),
      ],
    };
  });

  const m = result.manifest;
  const factsList: Fact[] = [
    fact('Judge', result.judge.name, result.judge.description),
    fact('Judge model', result.judge.model, `template ${result.judge.templateVersion}`),
    fact('Finished', dateTime(m.finishedAt), `took ${duration(m.durationMs)}`),
    fact(
      'Instructions',
      `${int(result.settings.instructions)} of ${int(result.settings.instructionSetSize)}`,
      `instruction set ${shortHash(m.instructionSetSha256)}`,
    ),
    fact(
      'Models',
      `${int(scored)} ranked`,
      `${int(result.models.length)} judged, ${int(result.skipped.length)} skipped`,
    ),
    fact(
      'Judgments',
      int(m.judgments.requested),
      `${int(m.judgments.cached)} from the store, ${int(m.judgments.sent)} sent, ${int(m.judgments.unparsed)} unparsed, ${int(m.judgments.errors)} errors`,
    ),
    fact(
      'Source',
      publicLocation(m.source),
      /^https?:/i.test(m.source) ? '' : 'local copy of the alpaca_eval repository',
    ),
    ...Object.entries(m.referenceFiles).map(([name, file]) =>
      fact(`Reference ${referenceShort(name)}`, baseName(file), name),
    ),
    fact(
      'Harness',
      m.harnessVersion,
      m.gitCommit ? `commit ${shortHash(m.gitCommit)}` : 'no git commit recorded',
    ),
  ];
  if (run.publishedAs) {
    factsList.push(
      fact(
        'Published as',
        run.publishedAs.kind === 'snapshot'
          ? `the refresh snapshot of ${run.publishedAs.date}`
          : 'the newest complete run',
        run.publishedAs.kind === 'snapshot'
          ? 'the run of the newest leaderboard snapshot'
          : 'every model of the source, every instruction',
      ),
    );
  }
  if (run.file) factsList.push(fact('Result file', baseName(run.file), ''));

  const skipped = result.skipped.map((s) => ({
    model: s.model,
    reason: s.reason,
    references: s.references ? s.references.map(referenceShort).join(', ') : '',
  }));

  const judge = result.judge.name;
  const charts = leaderboardCharts(run, page, facts);
  return {
    judge: judgeView(result.judge),
    heading: other ? `AlpacaEval run: ${judge}` : `AlpacaEval leaderboard: ${judge}`,
    status: other
      ? {
          label: other.label,
          note: `Not the published leaderboard of ${judge}${other.publishedHref ? '' : ', which has none yet'}: a judge’s leaderboard is its newest complete run (every model of the source, every instruction) or its newest refresh snapshot.`,
          publishedHref: other.publishedHref,
        }
      : null,
    lede: `${int(scored)} AlpacaEval models ranked by ${result.judge.name} over ${plural(result.settings.instructions, 'instruction')}, compared with ${refs.map(referenceShort).join(', ') || 'no reference'}.`,
    facts: factsList,
    correlations: result.correlations.map(correlationView),
    lengthRuler: result.lengthRuler?.correlations.map(correlationView) ?? [],
    correlationNote: `95% intervals: ${int(result.settings.bootstrap)} bootstrap resamples over instructions, seed ${result.settings.seed}.`,
    headers,
    rows,
    rowCount: plural(rows.length, 'model'),
    changeNote: previous
      ? `Change: rank moved since the previous run of this judge (${dateTime(previous.manifest.finishedAt)}); “new” marks models that run did not rank.`
      : 'Change: this is the first stored run of this judge with these settings, so there are no rank changes yet.',
    intervalNote: `± after a score is its 95% interval: 1.96 × the standard error. The standard error itself is the “se” of bench run --json and result.json, and shows when you point at a score.`,
    charts: charts.charts,
    chartsNote: charts.note,
    skipped,
    skippedCount: plural(skipped.length, 'model'),
    significance: significanceView(result),
  };
}

const LABELS_PER_SIDE = 5;

/** The length baseline's score is the output length: a score-against-length chart would be y = x. */
function isLengthBaseline(judge: AlpacaEvalResult['judge']): boolean {
  return judge.model === lengthJudgeInfo.model && judge.templateVersion === lengthJudgeInfo.templateVersion;
}

function leaderboardCharts(
  run: AlpacaEvalRunInput,
  page: string,
  facts: readonly ModelFacts[],
): { charts: ChartView[]; note: string } {
  const { result } = run;
  const charts: ChartView[] = [];
  const judge = result.judge.name;
  const rated = result.judge.scale !== undefined;
  const digits = scoreDigits(result.models.map((m) => m.score));
  const scoreLabel = rated ? `${judge} mean rating` : `${judge} score`;
  const scoredFacts = facts.filter((f) => isNumber(f.model.score));
  const primary = primaryReference(result.settings.references);
  const references = [
    ...(primary === undefined ? [] : [primary]),
    ...result.settings.references.filter((r) => r !== primary),
  ];

  // One pair of charts per reference: score against its win rate, rank against its rank.
  for (const ref of references) {
    const compared = scoredFacts.filter(
      (f) => f.referenceRanks.has(ref) && isNumber(f.model.references[ref]),
    );
    if (compared.length < 2) continue;
    const judgeRanks = rankScores(compared.map((f) => f.model.score));
    const rows = compared.map((f, i) => ({
      f,
      judgeRank: judgeRanks[i]!,
      refRank: f.referenceRanks.get(ref)!,
      refValue: f.model.references[ref]!,
    }));
    const labelled = labelSet(rows, [
      (r) => -r.f.model.score!,
      (r) => -r.refValue,
      (r) => r.f.model.score!,
      (r) => -Math.abs(r.judgeRank - r.refRank),
    ]);
    const corr = result.correlations.find((c) => c.reference === ref);
    const refName = referenceShort(ref);
    charts.push(
      chartView(
        `${judge}: score against the ${refName} win rate`,
        `Each point is a model (${int(rows.length)} on both); ${fitDescription(rows.length)}. Labelled: the highest and lowest on each side and the largest rank disagreements.${corr ? ` Pearson ${num(corr.pearson.value, 3)}, Spearman ${num(corr.spearman.value, 3)}.` : ''}`,
        (size) =>
          scatterChart(
            rows.map<ScatterPoint>((r) => ({
              x: r.refValue,
              y: r.f.model.score!,
              label: r.f.model.model,
              title: `${r.f.model.model}: ${num(r.f.model.score, digits)} vs ${percent(r.refValue, 1)}`,
              labelled: labelled.has(r.f.model.model),
              href: link(page, r.f.page),
            })),
            {
              xLabel: `${refName} win rate (%)`,
              yLabel: scoreLabel,
              trend: true,
              description: `Scatter plot of ${scoreLabel} against the ${refName} win rate for ${rows.length} models`,
              ...size,
            },
          ),
        NARROW_CHART,
      ),
    );
    charts.push(
      chartView(
        `${judge}: rank against ${refName} rank`,
        `Rank 1 at the top left. Points on the dashed diagonal are ranked alike by ${judge} and ${refName}; above it the judge ranks a model better than the reference does, below it worse.`,
        (size) =>
          scatterChart(
            rows.map<ScatterPoint>((r) => ({
              x: r.refRank,
              y: r.judgeRank,
              label: r.f.model.model,
              title: `${r.f.model.model}: rank ${r.judgeRank} by ${judge}, ${r.refRank} on ${refName}`,
              labelled: labelled.has(r.f.model.model),
              href: link(page, r.f.page),
            })),
            {
              xLabel: `${refName} rank`,
              yLabel: `${judge} rank`,
              diagonal: true,
              reverse: true,
              integerTicks: true,
              xDomain: [1, Math.max(...rows.map((r) => r.refRank), 2)],
              yDomain: [1, Math.max(...rows.map((r) => r.judgeRank), 2)],
              height: 460,
              width: 560,
              description: `Scatter plot of ${judge} rank against ${refName} rank`,
              ...size,
            },
          ),
        { ...NARROW_CHART, height: NARROW_CHART.width },
      ),
    );
  }

  let note = '';
  if (isLengthBaseline(result.judge)) {
    note = `${judge} scores each answer by its length, so a chart of its score against the output length would only be the diagonal: it is left out.`;
  } else if (scoredFacts.length >= 2) {
    const labelled = labelSet(scoredFacts, [
      (f) => -f.model.meanLength,
      (f) => -f.model.score!,
      (f) => f.model.meanLength,
    ]);
    charts.push(
      chartView(
        `${judge}: score against output length`,
        `Judges tend to prefer longer answers. Each point is a model; x is its mean output length in characters; ${fitDescription(scoredFacts.length)}.`,
        (size) =>
          scatterChart(
            scoredFacts.map<ScatterPoint>((f) => ({
              x: f.model.meanLength,
              y: f.model.score!,
              label: f.model.model,
              labelled: labelled.has(f.model.model),
              href: link(page, f.page),
            })),
            {
              xLabel: 'mean output length (characters)',
              yLabel: scoreLabel,
              trend: true,
              description: `Scatter plot of ${scoreLabel} against mean output length`,
              ...size,
            },
          ),
        NARROW_CHART,
      ),
    );
  }
  return { charts, note };
}

/** The models to label on a scatter: the first few by each ordering. */
function labelSet<T extends { model: ModelResult } | { f: ModelFacts }>(
  rows: readonly T[],
  orders: readonly ((r: T) => number)[],
): Set<string> {
  const name = (r: T) => ('f' in r ? r.f.model.model : r.model.model);
  const out = new Set<string>();
  for (const order of orders) {
    const sorted = [...rows].sort((a, b) => order(a) - order(b));
    for (const r of sorted.slice(0, LABELS_PER_SIDE)) out.add(name(r));
  }
  return out;
}
