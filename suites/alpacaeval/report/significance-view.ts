import { int, isNumber, num, plural } from '../../../harness/report/format.js';
import { fact, type Fact } from '../../../harness/report/views/page.js';
import type { AlpacaEvalResult, PairShareResult } from '../result.js';
import { referenceShort } from './common.js';

/**
 * What the leaderboard page shows of a run's uncertainty (issue 12): separability, the
 * pair-by-pair agreement with each reference, the length-controlled score's correlations
 * beside the raw score's, and the warnings of correlations on fewer than 10 models. Every
 * value is in the result document; absent in results archived before them.
 */
export interface SignificanceView {
  /** separability and the resamples it rests on; [] without it */
  readonly facts: readonly Fact[];
  readonly pairs: readonly {
    readonly reference: string;
    readonly n: string;
    readonly confidence: string;
    readonly confidenceNote: string;
    readonly brier: string;
    readonly brierNote: string;
    readonly strict: string;
    readonly strictNote: string;
  }[];
  readonly lengthControlled: readonly {
    readonly reference: string;
    readonly n: string;
    readonly spearman: string;
    readonly spearmanRaw: string;
    readonly kendall: string;
    readonly kendallRaw: string;
    readonly pearson: string;
    readonly pearsonRaw: string;
  }[];
  /** the baseline and, when no model has one, why */
  readonly lengthControlledNote: string;
  /** the references whose correlation rests on fewer than 10 models, with their counts */
  readonly warnings: readonly string[];
  readonly definitions: readonly Fact[];
}

const share = (s: PairShareResult) => (isNumber(s.value) ? `${num(100 * s.value, 1)}%` : '–');
const shareNote = (s: PairShareResult) =>
  s.reason ?? `${int(s.hits)} of ${plural(s.pairs, 'pair')}, ${plural(s.n, 'model')}`;

export function significanceView(result: AlpacaEvalResult): SignificanceView {
  const sig = result.significance;
  const facts: Fact[] = sig
    ? [
        fact('Separability', share(sig.separability), shareNote(sig.separability)),
        fact('Resamples', int(sig.resamples), `seed ${sig.seed}, the same for every model`),
      ]
    : [];
  const pairs = (result.referenceAgreement ?? []).map((a) => ({
    reference: referenceShort(a.reference),
    n: String(a.n),
    confidence: share(a.agreementWithConfidence),
    confidenceNote: shareNote(a.agreementWithConfidence),
    brier: num(a.brier.value, 3),
    brierNote:
      a.brier.reason ?? `${plural(a.brier.pairs, 'pair')}${a.errorColumn ? `, ${a.errorColumn}` : ''}`,
    strict: share(a.strictPairs),
    strictNote: shareNote(a.strictPairs),
  }));
  const lc = result.lengthControlled;
  const lengthControlled = (lc?.correlations ?? []).map((c) => ({
    reference: referenceShort(c.reference),
    n: String(c.n),
    spearman: num(c.spearman.lengthControlled, 3),
    spearmanRaw: num(c.spearman.raw, 3),
    kendall: num(c.kendall.lengthControlled, 3),
    kendallRaw: num(c.kendall.raw, 3),
    pearson: num(c.pearson.lengthControlled, 3),
    pearsonRaw: num(c.pearson.raw, 3),
  }));
  const definitions = sig
    ? Object.entries(sig.definitions).map(([k, v]) => fact(DEFINITION_LABELS[k] ?? k, v))
    : [];
  return {
    facts,
    pairs,
    lengthControlled,
    lengthControlledNote: lc
      ? `Length-controlled score: each model's rating regressed on the standardised length difference to ${lc.baseline}'s output for the same instruction, read off at zero difference.${lc.reason ? ` ${lc.reason}.` : ''}`
      : '',
    warnings: result.correlations.flatMap((c) =>
      c.warning ? [`${referenceShort(c.reference)} (${plural(c.n, 'model')})`] : [],
    ),
    definitions,
  };
}

const DEFINITION_LABELS: Readonly<Record<string, string>> = {
  scoreCi95: 'Score CI',
  rankCi95: 'Rank CI',
  tier: 'Tier',
  separability: 'Separability',
  agreementWithConfidence: 'Agreement with confidence',
  brier: 'Brier',
  strictPairs: 'Strict pairs',
};

/** A model's rank interval as printed: `2 – 5`, `4 – 11.03` (percentiles of ranks may fall between two). */
export function rankInterval(ci: readonly [number, number] | null | undefined): string {
  if (!ci || !isNumber(ci[0]) || !isNumber(ci[1])) return '–';
  // each end as it is: a whole rank without decimals, an interpolated one (between tied or
  // neighbouring ranks) to two at most, so 4 – 11.03 is not shown as 4.0 – 11.0
  const end = (x: number) => (Number.isInteger(x) ? String(x) : String(Number(x.toFixed(2))));
  return `${end(ci[0])} – ${end(ci[1])}`;
}
