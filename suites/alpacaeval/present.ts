import { fixed, formatShare, formatTable, interval } from '../../harness/core/text-table.js';
import { terminalText } from '../../harness/core/terminal-text.js';
import { toCsv } from '../../harness/core/serialize.js';
import type { AlpacaEvalResult } from './result.js';

/** Correlations with the references and their intervals, one row per reference. */
function correlationTable(correlations: AlpacaEvalResult['correlations']): string {
  return formatTable(
    ['reference', 'n', 'spearman', '95% CI', 'kendall tau-b', '95% CI', 'pearson', '95% CI'],
    correlations.map((c) => [
      c.reference,
      String(c.n),
      fixed(c.spearman.value, 4),
      interval(c.spearman.ci95, 3),
      fixed(c.kendall.value, 4),
      interval(c.kendall.ci95, 3),
      fixed(c.pearson.value, 4),
      interval(c.pearson.ci95, 3),
    ]),
  );
}

/** The result as terminal tables: correlations first (the headline), then the ranking. */
export function renderAlpacaEvalTable(result: AlpacaEvalResult): string {
  const { judge, settings } = result;
  const compared = result.models.filter((m) => m.score !== null).length;
  const lines: string[] = [];
  lines.push(
    terminalText(
      `AlpacaEval re-ranked by ${judge.name} (${judge.description}): ${compared} models x ${settings.instructions} instructions` +
        (result.scoreComparison ? `, ranked by the mean ${scoreName(settings.score)}` : ''),
    ),
    '',
    `Correlation with the reference leaderboards (95% intervals: ${settings.bootstrap} bootstrap resamples over instructions, seed ${settings.seed})`,
  );
  lines.push(correlationTable(result.correlations));
  for (const c of result.correlations) {
    if (c.warning) lines.push(terminalText(`warning: ${c.reference} correlation ${c.warning}`));
  }
  const ruler = result.lengthRuler;
  if (ruler && ruler.correlations.length > 0) {
    lines.push(
      '',
      'Beside it, the length ruler (mean output length) on the same models, instructions and resamples',
      correlationTable(ruler.correlations),
    );
  }
  const comparison = scoreComparisonLines(result);
  // a table already ends in a blank line: no second one before the next section
  if (lines.at(-1)?.endsWith('\n') && comparison[0] === '') comparison.shift();
  lines.push(...comparison);
  const sep = result.significance?.separability;
  if (sep) {
    lines.push(
      `Separability: ${fixed(sep.value === null ? null : 100 * sep.value, 1)}% of ${sep.pairs} model pairs have disjoint score intervals (tier: 1 + models whose interval lies above)`,
    );
  }
  if (result.referenceAgreement && result.referenceAgreement.length > 0) {
    lines.push(
      '',
      'Pair-by-pair agreement with the references (Arena-Hard): share of model pairs, 0-1',
      formatTable(
        ['reference', 'n', 'agreement w/ confidence', 'pairs', 'Brier (lower better)', 'strict pairs'],
        result.referenceAgreement.map((a) => [
          a.reference,
          String(a.n),
          fixed(a.agreementWithConfidence.value, 4),
          String(a.agreementWithConfidence.pairs),
          fixed(a.brier.value, 4),
          fixed(a.strictPairs.value, 4),
        ]),
      ),
    );
  }
  const lc = result.lengthControlled;
  if (lc && lc.correlations.length > 0) {
    lines.push(
      `Length-controlled score (rating at zero length difference to ${lc.baseline}'s output): correlations beside the raw score's`,
      formatTable(
        ['reference', 'n', 'spearman LC', 'spearman raw', 'kendall LC', 'kendall raw'],
        lc.correlations.map((c) => [
          c.reference,
          String(c.n),
          fixed(c.spearman.lengthControlled, 4),
          fixed(c.spearman.raw, 4),
          fixed(c.kendall.lengthControlled, 4),
          fixed(c.kendall.raw, 4),
        ]),
      ),
    );
  } else if (lc?.reason) {
    lines.push('', terminalText(`Length-controlled score: not computed (${lc.reason})`));
  }
  const instances = result.instanceAgreement;
  if (instances && instances.annotators.some((a) => a.annotated > 0)) {
    lines.push(
      '',
      terminalText(
        `Instance-level agreement with the GPT-4 annotators: the judge's verdict on (baseline's output, model's output) from its ratings (tie: ratings within ${instances.tieMargin}), against the annotator's; pooled over models, 95% intervals over instructions`,
      ),
      formatTable(
        ['annotator', 'baseline', 'models', 'pairs', 'agreement %', '95% CI', 'kappa', '95% CI'],
        instances.annotators.map((a) => [
          a.annotator,
          a.baseline,
          `${a.overall?.models ?? 0}/${a.annotated}`,
          String(a.overall?.n ?? 0),
          fixed(a.overall?.agreement, 1),
          interval(a.overall?.agreementCi95, 1),
          fixed(a.overall?.kappa, 3),
          interval(a.overall?.kappaCi95, 3),
        ]),
      ),
    );
    for (const a of instances.annotators) {
      if (a.reason) lines.push(terminalText(`  ${a.annotator}: ${a.reason}`));
      for (const m of a.models.filter((x) => !x.pooled && x.reason)) {
        lines.push(terminalText(`  ${a.annotator}: ${m.model} not pooled: ${m.reason}`));
      }
    }
  }
  const refNames = settings.references;
  const withLc = result.models.some((m) => m.lengthControlled !== undefined);
  const withIntervals = result.models.some((m) => m.scoreCi95 !== undefined);
  const bothScores = result.scoreComparison !== undefined;
  lines.push(
    formatTable(
      [
        'rank',
        'model',
        'score',
        'se',
        'n',
        'coverage',
        'parsed',
        'failed',
        'mean length',
        ...refNames,
        ...(withIntervals ? ['score 95% CI', 'rank 95% CI', 'tier'] : []),
        ...(withLc ? ['LC score'] : []),
        ...(bothScores ? ['rating', 'rating rank', 'expected', 'expected rank'] : []),
      ],
      result.models.map((m) => [
        m.rank === null ? '–' : String(m.rank),
        m.model,
        fixed(m.score, 3),
        fixed(m.se, 3),
        String(m.n),
        formatShare(m.coverage.share),
        String(m.parsed),
        String(m.unparsed + m.errors),
        m.meanLength.toFixed(0),
        ...refNames.map((r) => fixed(m.references[r], 2)),
        ...(withIntervals
          ? [interval(m.scoreCi95, 3), interval(m.rankCi95, 1), m.tier == null ? '–' : String(m.tier)]
          : []),
        ...(withLc ? [fixed(m.lengthControlled?.value, 3)] : []),
        ...(bothScores
          ? [
              fixed(m.ratingScore, 3),
              rankText(m.ratingRank),
              fixed(m.expectedScore, 3),
              rankText(m.expectedRank),
            ]
          : []),
      ]),
    ),
  );
  if (result.skipped.length > 0) {
    const shown = result.skipped.slice(0, 20);
    lines.push(`Skipped (${result.skipped.length}):`);
    for (const s of shown) {
      const refs = s.references ? ` [${s.references.join(', ')}]` : '';
      lines.push(`  ${terminalText(`${s.model}${refs}: ${s.reason}`)}`);
    }
    if (result.skipped.length > shown.length)
      lines.push(`  ... ${result.skipped.length - shown.length} more (see --json)`);
  }
  return `${lines.join('\n')}\n`;
}

function scoreName(score: 'rating' | 'expected' | undefined): string {
  return score === 'expected' ? 'expected rating (from the logprobs)' : 'rating';
}

function rankText(rank: number | null | undefined): string {
  return rank === null || rank === undefined ? '–' : String(rank);
}

/** Both rankings' correlations with each reference, side by side (`--score`). */
function scoreComparisonLines(result: AlpacaEvalResult): string[] {
  const sc = result.scoreComparison;
  if (!sc) return [];
  const lines = [''];
  const chosen = (s: 'rating' | 'expected') => (sc.score === s ? ' (ranks)' : '');
  if (sc.expected === null) {
    lines.push(terminalText(`Expected rating: not computed (${sc.reason ?? 'no expected ratings'})`));
    return lines;
  }
  const expected = new Map(sc.expected.map((c) => [c.reference, c]));
  lines.push(
    `Correlations by score: rating${chosen('rating')} beside expected rating${chosen('expected')} (from the judge's logprobs, ${sc.modelsWithExpected} models)`,
    formatTable(
      ['reference', 'n', 'spearman rating', 'spearman expected', 'kendall rating', 'kendall expected'],
      sc.rating.map((c) => [
        c.reference,
        String(c.n),
        fixed(c.spearman.value, 4),
        fixed(expected.get(c.reference)?.spearman.value, 4),
        fixed(c.kendall.value, 4),
        fixed(expected.get(c.reference)?.kendall.value, 4),
      ]),
    ),
  );
  if (sc.expectedMissing > 0)
    lines.push(
      `${sc.expectedMissing} parsed ratings have no expected rating (see expectedMissing per model)`,
    );
  return lines;
}

export function modelsCsv(result: AlpacaEvalResult): string {
  const refs = result.settings.references;
  // a rating judge's two scores and ranks (`score`/`rank` are the chosen ones)
  const both = result.scoreComparison !== undefined;
  const header = [
    'model',
    'rank',
    'score',
    'se',
    'n',
    'coverage',
    'parsed',
    'unparsed',
    'errors',
    'mean_length',
    ...refs,
    // bootstrap intervals, tier and length-controlled score (issue 12); empty where a result has none
    'score_low',
    'score_high',
    'rank_low',
    'rank_high',
    'tier',
    'length_controlled',
    'length_controlled_low',
    'length_controlled_high',
    ...(both ? ['rating_score', 'rating_rank', 'expected_score', 'expected_rank'] : []),
  ];
  const rows = result.models.map((m) => [
    m.model,
    m.rank ?? '',
    m.score ?? '',
    m.se ?? '',
    m.n,
    m.coverage.share,
    m.parsed,
    m.unparsed,
    m.errors,
    m.meanLength,
    ...refs.map((r) => m.references[r] ?? ''),
    m.scoreCi95?.[0] ?? '',
    m.scoreCi95?.[1] ?? '',
    m.rankCi95?.[0] ?? '',
    m.rankCi95?.[1] ?? '',
    m.tier ?? '',
    m.lengthControlled?.value ?? '',
    m.lengthControlled?.ci95?.[0] ?? '',
    m.lengthControlled?.ci95?.[1] ?? '',
    ...(both ? [m.ratingScore ?? '', m.ratingRank ?? '', m.expectedScore ?? '', m.expectedRank ?? ''] : []),
  ]);
  return toCsv(header, rows);
}

export function correlationsCsv(result: AlpacaEvalResult): string {
  const header = ['reference', 'n', 'statistic', 'value', 'ci95_low', 'ci95_high'];
  const rows = result.correlations.flatMap((c) =>
    (['spearman', 'kendall', 'pearson'] as const).map((s) => [
      c.reference,
      c.n,
      s,
      c[s].value ?? '',
      c[s].ci95?.[0] ?? '',
      c[s].ci95?.[1] ?? '',
    ]),
  );
  return toCsv(header, rows);
}
