/**
 * Agreement of a judge with human pairwise labels, as the Auto-J authors measure it
 * (GAIR-NLP/auto-j, codes/leaderboard), plus the figures that explain it.
 *
 * Pairwise protocol: every pair is judged twice, with the responses in the given order and
 * swapped. Single protocol: each response is rated on its own and the verdict comes from
 * comparing the two ratings, so there is nothing to swap and consistency does not apply.
 *
 * - agreement: a pair counts only when the verdict in the given order equals the human
 *   label AND the swapped verdict, mapped back (first <-> second, tie stays), equals it too.
 *   Single protocol: the derived verdict equals the label.
 * - consistency: share of pairs whose two verdicts agree after mapping back.
 * - a missing verdict (`null`: unparsed or failed) counts as wrong and inconsistent.
 *
 * Every function is pure. Rates are percentages in 0-100, unrounded, with their
 * denominator; an empty denominator gives NaN with a reason, never 0.
 */
import type { Verdict } from '../core/types.js';
import { bootstrapUnits, percentileInterval, type BootstrapOptions, type Interval } from './bootstrap.js';

export const VERDICTS: readonly Verdict[] = ['first', 'second', 'tie'];

/** A pair judged in both orders (pairwise protocol). */
export interface PairwiseJudged {
  /** the human label */
  readonly label: Verdict;
  /** the judge's verdict with the responses in the given order; null = no verdict */
  readonly given: Verdict | null;
  /**
   * The judge's verdict on the swapped prompt AS ANSWERED, i.e. 'first' means the response
   * shown first in the swapped prompt (the given second). Not mapped back. null = no verdict.
   */
  readonly swapped: Verdict | null;
}

/** A pair judged by rating each response on its own (single protocol). */
export interface SingleJudged {
  readonly label: Verdict;
  /** the verdict derived from the two ratings (see verdictFromRatings); null = no verdict */
  readonly verdict: Verdict | null;
}

/** A percentage with its denominator. `value` is NaN (with `reason`) when n is 0. */
export interface Rate {
  readonly value: number;
  /** pairs (or verdicts) counted as hits */
  readonly hits: number;
  readonly n: number;
  readonly reason?: string;
}

/** Human label (rows) x judge verdict in the given order (columns), both in VERDICTS order. */
export interface Confusion {
  readonly rows: 'human label';
  readonly columns: 'judge verdict (given order)';
  readonly order: readonly Verdict[];
  /** counts[i][j]: pairs labelled order[i] by humans and judged order[j] */
  readonly counts: readonly (readonly number[])[];
  /** per human label (same order): pairs without a judge verdict in the given order */
  readonly unparsed: readonly number[];
}

export interface PositionBias {
  /**
   * Rate of choosing the response shown first, among the decisive (non-tie, parsed)
   * verdicts of both orders, positions as shown to the judge. Every pair is shown both
   * ways, so the responses' quality cancels out: 50 means no position preference.
   */
  readonly firstRate: Rate;
  /** pairs where the judge chose the response shown first in both orders (a position-driven flip) */
  readonly firstBoth: number;
  /** pairs where the judge chose the response shown second in both orders */
  readonly secondBoth: number;
}

export interface AgreementSummary {
  readonly protocol: 'pairwise' | 'single';
  readonly n: number;
  readonly agreement: Rate;
  /** null: not applicable (single protocol has no swapped order) */
  readonly consistency: Rate | null;
  /** agreement over the pairs whose human label is not a tie */
  readonly agreementNonTie: Rate;
  /** null: not applicable (single protocol rates each response on its own) */
  readonly positionBias: PositionBias | null;
  /** share of the judge's parsed verdicts (both orders for pairwise) that are ties */
  readonly tieRate: Rate;
  /** share of pairs the humans labelled a tie */
  readonly humanTieRate: Rate;
  readonly confusion: Confusion;
  /** verdicts missing (unparsed or failed) per order, and pairs with any verdict missing */
  readonly unparsed: { readonly given: number; readonly swapped: number | null; readonly pairs: number };
}

/** A verdict on the swapped prompt in the given order's terms: first <-> second, tie stays. */
export function mapBack(verdict: Verdict): Verdict {
  return verdict === 'first' ? 'second' : verdict === 'second' ? 'first' : 'tie';
}

/** The authors' agreement for one pair: both orders equal the label (missing = wrong). */
export function pairAgrees(pair: PairwiseJudged): boolean {
  return (
    pair.given !== null &&
    pair.swapped !== null &&
    pair.given === pair.label &&
    mapBack(pair.swapped) === pair.label
  );
}

/** The authors' consistency for one pair: both orders agree after mapping back (missing = inconsistent). */
export function pairConsistent(pair: PairwiseJudged): boolean {
  return pair.given !== null && pair.swapped !== null && pair.given === mapBack(pair.swapped);
}

/**
 * Single protocol: the verdict from the ratings of response 1 and response 2.
 * |first - second| <= tieMargin is a tie (default 0: only equal ratings); a missing or
 * non-finite rating gives no verdict. A tolerance of 1e-9 absorbs decimal rounding
 * (8.3 - 8.2 is 0.10000000000000142 in binary).
 */
export function verdictFromRatings(
  first: number | null,
  second: number | null,
  tieMargin = 0,
): Verdict | null {
  if (first === null || second === null || !Number.isFinite(first) || !Number.isFinite(second)) return null;
  const margin = Number.isFinite(tieMargin) && tieMargin > 0 ? tieMargin : 0;
  const diff = first - second;
  if (Math.abs(diff) <= margin + 1e-9) return 'tie';
  return diff > 0 ? 'first' : 'second';
}

export function rate(hits: number, n: number, emptyReason = 'no pairs'): Rate {
  return n > 0 ? { value: (100 * hits) / n, hits, n } : { value: Number.NaN, hits, n, reason: emptyReason };
}

/** Every figure for pairs judged under the pairwise protocol. */
export function summarizePairwise(pairs: readonly PairwiseJudged[]): AgreementSummary {
  let agree = 0;
  let consistent = 0;
  let nonTie = 0;
  let agreeNonTie = 0;
  let decisive = 0;
  let chosenFirst = 0;
  let parsed = 0;
  let ties = 0;
  let firstBoth = 0;
  let secondBoth = 0;
  let missingGiven = 0;
  let missingSwapped = 0;
  let missingPairs = 0;
  for (const pair of pairs) {
    const agrees = pairAgrees(pair);
    if (agrees) agree++;
    if (pairConsistent(pair)) consistent++;
    if (pair.label !== 'tie') {
      nonTie++;
      if (agrees) agreeNonTie++;
    }
    for (const verdict of [pair.given, pair.swapped]) {
      if (verdict === null) continue;
      parsed++;
      if (verdict === 'tie') ties++;
      else {
        decisive++;
        if (verdict === 'first') chosenFirst++;
      }
    }
    if (pair.given === 'first' && pair.swapped === 'first') firstBoth++;
    if (pair.given === 'second' && pair.swapped === 'second') secondBoth++;
    if (pair.given === null) missingGiven++;
    if (pair.swapped === null) missingSwapped++;
    if (pair.given === null || pair.swapped === null) missingPairs++;
  }
  const n = pairs.length;
  return {
    protocol: 'pairwise',
    n,
    agreement: rate(agree, n),
    consistency: rate(consistent, n),
    agreementNonTie: rate(agreeNonTie, nonTie, 'no pairs with a non-tie label'),
    positionBias: {
      firstRate: rate(chosenFirst, decisive, 'no decisive verdicts'),
      firstBoth,
      secondBoth,
    },
    tieRate: rate(ties, parsed, 'no parsed verdicts'),
    humanTieRate: rate(n - nonTie, n),
    confusion: confusion(pairs.map((p) => ({ label: p.label, verdict: p.given }))),
    unparsed: { given: missingGiven, swapped: missingSwapped, pairs: missingPairs },
  };
}

/** Every figure that applies to pairs judged under the single protocol (no consistency, no position). */
export function summarizeSingle(pairs: readonly SingleJudged[]): AgreementSummary {
  let agree = 0;
  let nonTie = 0;
  let agreeNonTie = 0;
  let parsed = 0;
  let ties = 0;
  let missing = 0;
  for (const pair of pairs) {
    const agrees = pair.verdict !== null && pair.verdict === pair.label;
    if (agrees) agree++;
    if (pair.label !== 'tie') {
      nonTie++;
      if (agrees) agreeNonTie++;
    }
    if (pair.verdict === null) missing++;
    else {
      parsed++;
      if (pair.verdict === 'tie') ties++;
    }
  }
  const n = pairs.length;
  return {
    protocol: 'single',
    n,
    agreement: rate(agree, n),
    consistency: null,
    agreementNonTie: rate(agreeNonTie, nonTie, 'no pairs with a non-tie label'),
    positionBias: null,
    tieRate: rate(ties, parsed, 'no parsed verdicts'),
    humanTieRate: rate(n - nonTie, n),
    confusion: confusion(pairs),
    unparsed: { given: missing, swapped: null, pairs: missing },
  };
}

/** Human label x judge verdict; pairs without a verdict are counted per label in `unparsed`. */
export function confusion(
  pairs: readonly { readonly label: Verdict; readonly verdict: Verdict | null }[],
): Confusion {
  const counts = VERDICTS.map(() => VERDICTS.map(() => 0));
  const unparsed = VERDICTS.map(() => 0);
  for (const { label, verdict } of pairs) {
    const i = VERDICTS.indexOf(label);
    if (verdict === null) unparsed[i]!++;
    else counts[i]![VERDICTS.indexOf(verdict)]!++;
  }
  return { rows: 'human label', columns: 'judge verdict (given order)', order: VERDICTS, counts, unparsed };
}

/** Per-pair hits of the two headline metrics, the input of the bootstrap. */
export interface PairHits {
  readonly agreement: readonly boolean[];
  /** null: not applicable (single protocol) */
  readonly consistency: readonly boolean[] | null;
}

export function pairwiseHits(pairs: readonly PairwiseJudged[]): PairHits {
  return { agreement: pairs.map(pairAgrees), consistency: pairs.map(pairConsistent) };
}

export function singleHits(pairs: readonly SingleJudged[]): PairHits {
  return { agreement: pairs.map((p) => p.verdict !== null && p.verdict === p.label), consistency: null };
}

export interface BootstrapIntervals {
  readonly agreement: Interval;
  /** null when consistency does not apply or there is nothing to resample */
  readonly consistency: Interval;
}

/**
 * 95% percentile bootstrap intervals for agreement and consistency: `resamples` times,
 * draw n pairs with replacement (the same draws for both metrics) and recompute; the
 * interval is the 2.5th and 97.5th percentile of the resampled rates (linear
 * interpolation). Null when there are no pairs or no resamples.
 */
export function bootstrapAgreement(hits: PairHits, options: BootstrapOptions): BootstrapIntervals {
  const n = hits.agreement.length;
  if (n === 0 || options.resamples < 1) return { agreement: null, consistency: null };
  const agree = Uint8Array.from(hits.agreement, Number);
  const consistent = hits.consistency ? Uint8Array.from(hits.consistency, Number) : null;
  // Both rates from the same draws: the statistic returns agreement and records consistency.
  const consistencyReplicates: number[] = [];
  const agreementReplicates = bootstrapUnits(
    n,
    (indices) => {
      let a = 0;
      let c = 0;
      for (const i of indices) {
        a += agree[i]!;
        if (consistent) c += consistent[i]!;
      }
      if (consistent) consistencyReplicates.push((100 * c) / n);
      return (100 * a) / n;
    },
    options,
  );
  return {
    agreement: percentileInterval(agreementReplicates),
    consistency: consistent ? percentileInterval(consistencyReplicates) : null,
  };
}
