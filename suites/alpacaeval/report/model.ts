import type { AlpacaEvalResult, ItemRef } from '../result.js';
import { columnChart } from '../../../harness/report/charts.js';
import {
  int,
  isNumber,
  MISSING,
  num,
  percent,
  plural,
  scoreDigits,
  shortHash,
} from '../../../harness/report/format.js';
import { link } from '../../../harness/report/paths.js';
import type { CritiqueLookup, ItemText } from '../../../harness/report/types.js';
import type { ChartView } from '../../../harness/report/views/common.js';
import { referenceShort } from './common.js';
import { changeText, Z95, type ModelFacts } from './leaderboard.js';
import { fact, type Fact } from '../../../harness/report/views/page.js';

export interface ItemView {
  readonly index: string;
  readonly rating: string;
  readonly instruction: string;
  readonly instructionNote: string;
  readonly response: string;
  readonly responseNote: string;
  readonly critique: string;
  readonly critiqueNote: string;
}

export interface FailureView {
  readonly index: string;
  readonly reason: string;
  readonly instruction: string;
  readonly raw: string;
  readonly rawNote: string;
}

export interface ModelView {
  readonly model: string;
  readonly judgeName: string;
  readonly leaderboardHref: string;
  /** the run's label when it is not the judge's published leaderboard, else '' */
  readonly runLabel: string;
  readonly headline: readonly Fact[];
  readonly facts: readonly Fact[];
  readonly references: readonly { name: string; value: string; rank: string }[];
  /** set when the source's outputs file differs from the one judged */
  readonly sourceNote: string;
  readonly histogram: ChartView | null;
  readonly histogramNote: string;
  readonly best: readonly ItemView[];
  readonly worst: readonly ItemView[];
  readonly itemsNote: string;
  readonly hasItems: boolean;
  readonly failures: readonly FailureView[];
  readonly failuresNote: string;
}

/** The instruction indices a model page shows text for (best, worst, failures). */
export function itemIndices(m: AlpacaEvalResult['models'][number]): number[] {
  return [...new Set([...(m.best ?? []), ...(m.worst ?? []), ...(m.failures ?? [])].map((i) => i.index))];
}

export function modelView(
  result: AlpacaEvalResult,
  f: ModelFacts,
  page: string,
  leaderboardPage: string,
  texts: ReadonlyMap<number, ItemText> | null,
  instructions: readonly string[] | undefined,
  critiques: CritiqueLookup | undefined,
  runLabel = '',
): ModelView {
  const m = f.model;
  const digits = scoreDigits(result.models.map((x) => x.score));
  const rated = result.judge.scale !== undefined;
  const total = result.models.filter((x) => x.rank !== null).length;
  const change = changeText(f.change);
  const failed = m.unparsed + m.errors;

  const instructionOf = (i: number): { text: string; note: string } => {
    const t = texts?.get(i)?.instruction ?? instructions?.[i];
    return t === undefined
      ? { text: '', note: `instruction #${i} (text not available)` }
      : { text: t, note: '' };
  };
  // The source may have changed since the run: a response is shown beside its critique
  // only if it is the one judged (its hash, or else the whole file's, is the judged one).
  const current = texts ? [...texts.values()][0]?.submissionSha256 : undefined;
  const fileChanged = current !== undefined && current !== m.contentHash;
  const responseOf = (ref: ItemRef): { text: string; note: string } => {
    if (!texts)
      return { text: '', note: 'response not available (the report was built without the submissions)' };
    const t = texts.get(ref.index);
    if (!t) return { text: '', note: 'response not found in the submission' };
    if (ref.responseSha256 !== undefined ? t.outputSha256 !== ref.responseSha256 : fileChanged) {
      return {
        text: '',
        note:
          ref.responseSha256 !== undefined
            ? `the source’s output changed since it was judged, and the judged response is not kept: not shown (sha256 ${shortHash(ref.responseSha256)} judged, ${shortHash(t.outputSha256)} now)`
            : 'the submission file changed since this run, which did not record the judged response: not shown',
      };
    }
    if (t.output === null || t.output.trim() === '') return { text: '', note: 'empty response' };
    return { text: t.output, note: '' };
  };
  const critiqueOf = (key: string | undefined): { text: string; note: string } => {
    if (key === undefined) return { text: '', note: 'no judgment key in the result' };
    const c = critiques?.(key);
    if (!c) return { text: '', note: 'critique not stored' };
    return { text: c.text, note: c.finishReason === 'length' ? 'cut off at the token limit' : '' };
  };
  const item = (ref: ItemRef): ItemView => {
    const ins = instructionOf(ref.index);
    const res = responseOf(ref);
    const cri = critiqueOf(ref.key);
    return {
      index: `#${ref.index}`,
      rating: isNumber(ref.rating) ? num(ref.rating, Number.isInteger(ref.rating) ? 0 : 1) : MISSING,
      instruction: ins.text,
      instructionNote: ins.note,
      response: res.text,
      responseNote: res.note,
      critique: cri.text,
      critiqueNote: cri.note,
    };
  };

  const failures = (m.failures ?? []).map<FailureView>((ref) => {
    const raw = critiqueOf(ref.key);
    const ins = instructionOf(ref.index);
    return {
      index: `#${ref.index}`,
      reason: ref.reason ?? 'no rating',
      instruction: ins.text || ins.note,
      raw: raw.text,
      rawNote: raw.note,
    };
  });

  const coverage = m.coverage;
  const histogram = ratingHistogram(result, m.histogram);

  return {
    model: m.model,
    judgeName: result.judge.name,
    leaderboardHref: link(page, leaderboardPage),
    runLabel,
    headline: [
      fact('Rank', m.rank === null ? MISSING : `${m.rank}`, `of ${int(total)}`),
      fact(
        rated ? 'Mean rating' : 'Score',
        num(m.score, digits),
        isNumber(m.se) ? `± ${num(Z95 * m.se, digits)}: 95% interval, 1.96 × SE` : '',
      ),
      fact('Change', change.text, 'since the previous run'),
      fact('Avg length', int(m.meanLength), 'characters'),
    ],
    facts: [
      fact(
        'Judgments',
        int(m.n),
        `${int(m.parsed)} parsed, ${int(m.unparsed)} unparsed, ${int(m.errors)} errors`,
      ),
      fact('Truncated', int(m.truncated), 'responses cut to fit the judge’s context'),
      fact('Standard error', num(m.se, digits + 1), 'of the mean: the “se” the CLI prints'),
      fact(
        'Coverage',
        `${int(coverage.missing)} missing`,
        `${int(coverage.duplicated)} duplicated, ${int(coverage.extra)} extra, ${int(coverage.empty)} empty outputs`,
      ),
      fact(
        'Submission',
        shortHash(m.contentHash),
        fileChanged
          ? `sha256 of the outputs file judged; the source now has ${shortHash(current)}`
          : 'sha256 of the outputs file',
      ),
    ],
    references: result.settings.references.map((r) => ({
      name: referenceShort(r),
      value: percent(m.references[r]),
      rank: f.referenceRanks.has(r) ? String(f.referenceRanks.get(r)) : MISSING,
    })),
    sourceNote: fileChanged
      ? `The source’s outputs file for ${m.model} has changed since this run (sha256 ${shortHash(m.contentHash)} judged, ${shortHash(current)} now): ratings and critiques are those of the judged outputs, and a response that changed is not shown beside them.`
      : '',
    histogram,
    histogramNote: histogram
      ? ''
      : rated
        ? 'No parsed ratings to show.'
        : `${result.judge.name} does not rate on a scale, so there is no rating distribution.`,
    hasItems: (m.best ?? []).length + (m.worst ?? []).length > 0,
    best: (m.best ?? []).map(item),
    worst: (m.worst ?? []).map(item),
    itemsNote:
      m.best === undefined
        ? `${result.judge.name} keeps no per-instruction ratings, so there are no best or worst instructions.`
        : `The ${plural((m.best ?? []).length, 'instruction')} rated highest and lowest, with ${result.judge.name}’s critique beside the response.`,
    failures,
    failuresNote:
      failed === 0
        ? 'No parse failures.'
        : `${plural(failed, 'judgment')} without a usable verdict${failures.length < failed ? ` (the first ${int(failures.length)} are listed)` : ''}.`,
  };
}

function ratingHistogram(
  result: AlpacaEvalResult,
  histogram: Readonly<Record<string, number>> | undefined,
): ChartView | null {
  if (!histogram) return null;
  const entries = Object.entries(histogram)
    .map(([k, v]) => ({ rating: Number(k), count: v }))
    .filter((e) => Number.isFinite(e.rating));
  if (entries.length === 0) return null;
  const scale = result.judge.scale;
  const ratings = new Set(entries.map((e) => e.rating));
  if (scale) for (let r = Math.ceil(scale.min); r <= scale.max; r++) ratings.add(r);
  const counts = new Map(entries.map((e) => [e.rating, e.count]));
  const total = entries.reduce((s, e) => s + e.count, 0);
  const bars = [...ratings]
    .sort((a, b) => a - b)
    .map((r) => {
      const count = counts.get(r) ?? 0;
      return {
        label: String(r),
        value: count,
        title: `rating ${r}: ${int(count)} (${percent((100 * count) / total, 1)})`,
      };
    });
  return {
    title: 'Rating distribution',
    caption: `${plural(total, 'parsed rating')}${scale ? ` on the ${scale.min}–${scale.max} scale` : ''}.`,
    // Drawn small enough to stay legible on a phone without a second, narrow copy.
    svg: columnChart(bars, {
      xLabel: 'rating',
      yLabel: 'judgments',
      description: `Histogram of ${result.judge.name} ratings`,
      width: 400,
    }),
    narrow: '',
  };
}
