/**
 * Scoring wiring of the pairwise suite: judgments (recorded or live) -> result document.
 * All arithmetic lives in harness/stats/agreement.ts; this file only groups pairs by
 * scenario and group and shapes the document.
 */
import { BenchError } from '../../harness/core/errors.js';
import {
  bootstrapAgreement,
  pairConsistent,
  pairwiseHits,
  singleHits,
  summarizePairwise,
  summarizeSingle,
  verdictFromRatings,
  type AgreementSummary,
  type BootstrapIntervals,
  type PairHits,
  type PairwiseJudged,
  type Rate,
  type SingleJudged,
} from '../../harness/stats/agreement.js';
import { cohenKappa, type Kappa } from '../../harness/stats/kappa.js';
import { mcnemar } from '../../harness/stats/mcnemar.js';
import { codePointLength } from '../../harness/judge/length.js';
import type { Verdict } from '../../harness/core/types.js';
import type { FileInfo } from '../../harness/source/autoj-pairwise.js';
import { REFERENCES, REFERENCE_SOURCE } from './references.js';
import type {
  BaselineRow,
  GroupRow,
  JudgeVersusRuler,
  MetricsRow,
  OverallRow,
  PairwiseResult,
  ScenarioRow,
} from './result.js';
import { PAIRWISE_DEFAULTS, type PairwiseData, type PairwiseJudgments } from './suite.js';

export interface ScoreOptions {
  readonly judge: {
    readonly name: string;
    readonly mode: 'recorded' | 'live';
    readonly description: string;
    readonly profile?: string;
  };
  /** resamples 0 = no intervals */
  readonly bootstrap?: { readonly resamples: number; readonly seed: number };
  /** files read besides the test set (verdict files), for provenance */
  readonly inputs?: readonly FileInfo[];
}

const CONSISTENCY_NOT_APPLICABLE =
  'not applicable: the single protocol rates each response on its own, so there is no swapped order to be consistent with';

export const DEFINITIONS: Readonly<Record<string, string>> = {
  agreement:
    'share of pairs where the verdict in the given order equals the human label and the verdict on the swapped order, mapped back (first<->second, tie stays), equals it too; single protocol: the verdict derived from the two ratings equals the label',
  consistency: 'share of pairs whose two verdicts (given order, swapped order mapped back) are the same',
  agreementNonTie: 'agreement over the pairs whose human label is not a tie (n = nNonTie)',
  firstRate:
    'position bias: share of the decisive (non-tie, parsed) verdicts of both orders that name the response shown first; every pair is shown both ways, so 50 = no position preference',
  tieRate:
    "share of the judge's parsed verdicts (both orders) that are ties; humanTieRate: share of tie labels",
  unparsed:
    'a missing verdict (unparsed or failed) counts as wrong for agreement and inconsistent for consistency',
  ci95: '95% percentile bootstrap interval: pairs resampled with replacement (within the group for group rows), seeded',
  kappa:
    "Cohen's kappa between the judge's verdict per pair and the human label, (p_o - p_e) / (1 - p_e), as scikit-learn's cohen_kappa_score; the judge's verdict per pair is the one both orders give (mapped back), a pair whose two orders differ counts as the label 'inconsistent' and one without a verdict as 'no verdict', so p_o is the agreement above; 0 = chance level, null when undefined",
  baselines:
    'trivial rulers scored on the same pairs with one verdict per pair in the given order (a position ruler judged in both orders would be inconsistent on every pair): length = the longer response (in characters) wins, equal lengths a tie; first = the response shown first always wins; tie = always a tie. Their kappa is 0 by construction for first and tie',
  versusLength:
    "McNemar's exact test (two-sided, binomial on the discordant pairs) of the judge's correctness per pair (as in agreement) against the length ruler's on the same pairs",
};

/** The longer response wins (code points, as the length judge counts), equal lengths a tie. */
export function lengthRulerVerdict(first: string, second: string): Verdict {
  return verdictFromRatings(codePointLength(first), codePointLength(second), 0)!;
}

const BASELINES: readonly {
  readonly name: BaselineRow['name'];
  readonly description: string;
  readonly verdict: (pair: PairwiseData['pairs'][number]) => Verdict;
}[] = [
  {
    name: 'length',
    description: 'the longer response wins (characters); equal lengths a tie',
    verdict: (p) => lengthRulerVerdict(p.task.first, p.task.second),
  },
  { name: 'first', description: 'the response shown first always wins', verdict: () => 'first' },
  { name: 'tie', description: 'always a tie', verdict: () => 'tie' },
];

/**
 * Scores judgments of the test set's pairs (aligned by index) into the result document.
 * This is the one entry point for both modes: recorded verdict files and a live judge
 * produce the same `PairwiseJudgments`.
 */
export function scorePairwiseSuite(
  data: PairwiseData,
  judgments: PairwiseJudgments,
  options: ScoreOptions,
): PairwiseResult {
  const n = data.pairs.length;
  const lengths =
    judgments.protocol === 'pairwise'
      ? [judgments.given.length, judgments.swapped.length]
      : [judgments.ratings.length];
  if (lengths.some((len) => len !== n)) {
    throw new BenchError(
      `pairwise: ${lengths.join('/')} judgments for ${n} pairs; they must be aligned one to one`,
    );
  }
  const resamples = options.bootstrap?.resamples ?? PAIRWISE_DEFAULTS.resamples;
  const seed = options.bootstrap?.seed ?? PAIRWISE_DEFAULTS.seed;
  const tieMargin =
    judgments.protocol === 'single' ? (judgments.tieMargin ?? PAIRWISE_DEFAULTS.tieMargin) : undefined;
  const score = scorer(data, judgments);

  const groupOf = new Map<string, string>();
  for (const { group, scenarios } of data.catalog.groups) for (const s of scenarios) groupOf.set(s, group);
  const byScenario = new Map<string, number[]>();
  for (const pair of data.pairs) {
    if (!groupOf.has(pair.scenario)) {
      throw new BenchError(`pairwise: scenario "${pair.scenario}" (pair ${pair.index + 1}) is in no group`);
    }
    const list = byScenario.get(pair.scenario) ?? [];
    list.push(pair.index);
    byScenario.set(pair.scenario, list);
  }

  const all = data.pairs.map((p) => p.index);
  const overallSummary = score.summarize(all);
  const overallCi = bootstrapAgreement(score.hits(all), { resamples, seed });
  const humans = data.pairs.map((p) => p.label);
  const kappaOver = (indices: readonly number[], bootstrapSeed: number | null): Kappa =>
    cohenKappa(
      indices.map((i) => humans[i]!),
      indices.map((i) => score.labels[i]!),
      bootstrapSeed === null ? {} : { bootstrap: { resamples, seed: bootstrapSeed } },
    );
  const groups: GroupRow[] = data.catalog.groups.map(({ group, scenarios }, g) => {
    const indices = scenarios.flatMap((s) => byScenario.get(s) ?? []);
    // One stream per group, independent of the others: seed + 1 + group position.
    const ci = bootstrapAgreement(score.hits(indices), { resamples, seed: seed + 1 + g });
    return {
      group,
      scenarios,
      ...metricsRow(score.summarize(indices), kappaOver(indices, null)),
      ...intervals(ci, kappaOver(indices, seed + 1 + g)),
    };
  });
  const scenarioRows: ScenarioRow[] = data.catalog.groups.flatMap(({ group, scenarios }) =>
    scenarios.map((scenario) => ({
      scenario,
      group,
      description: data.catalog.descriptions[scenario] ?? null,
      ...metricsRow(
        score.summarize(byScenario.get(scenario) ?? []),
        kappaOver(byScenario.get(scenario) ?? [], null),
      ),
    })),
  );

  // Baselines on the same pairs, resampled with the overall stream (the same resamples).
  const judgeCorrect = all.map((i) => score.labels[i] === humans[i]);
  const baselines: BaselineRow[] = BASELINES.map(({ name, description, verdict }) => {
    const verdicts = data.pairs.map(verdict);
    const judged: SingleJudged[] = data.pairs.map((p, i) => ({ label: p.label, verdict: verdicts[i]! }));
    const ci = bootstrapAgreement(singleHits(judged), { resamples, seed });
    const k = cohenKappa(humans, verdicts, { bootstrap: { resamples, seed } });
    return {
      name,
      description,
      n,
      agreement: pct(summarizeSingle(judged).agreement),
      agreementCi95: ci.agreement,
      kappa: finite(k.value),
      kappaCi95: k.ci95,
    };
  });
  const rulerCorrect = data.pairs.map((p) => BASELINES[0]!.verdict(p) === p.label);
  const test = mcnemar(judgeCorrect, rulerCorrect);
  const versusLength: JudgeVersusRuler = {
    ruler: 'length',
    n: test.n,
    judgeOnly: test.firstOnly,
    rulerOnly: test.secondOnly,
    p: finite(test.p),
    chiSquare: finite(test.chiSquare),
    chiSquareP: finite(test.chiSquareP),
    method: 'exact two-sided McNemar (binomial on the discordant pairs), as statsmodels mcnemar(exact=True)',
  };

  const notes: string[] = [];
  if (judgments.protocol === 'single') notes.push(`consistency ${CONSISTENCY_NOT_APPLICABLE}`);
  if (overallSummary.unparsed.pairs > 0) {
    notes.push(
      `${overallSummary.unparsed.pairs} pairs lack a verdict (unparsed or failed); they count as wrong and inconsistent`,
    );
  }

  return {
    suite: 'pairwise',
    protocol: judgments.protocol,
    judge: { ...options.judge, ...(tieMargin === undefined ? {} : { tieMargin }) },
    dataset: {
      name: 'Auto-J pairwise test set (GAIR-NLP/auto-j, data/test/testdata_pairwise.jsonl)',
      pairs: n,
      scenarios: byScenario.size,
      groups: data.catalog.groups.length,
    },
    overall: overallRow(overallSummary, overallCi, kappaOver(all, null), kappaOver(all, seed)),
    groups,
    scenarios: scenarioRows,
    baselines,
    versusLength,
    references: REFERENCES,
    referenceSource: REFERENCE_SOURCE,
    bootstrap: {
      resamples,
      seed,
      method:
        'percentile (2.5th, 97.5th) over resamples of pairs with replacement; group rows resample within the group',
    },
    inputs: [...data.inputs, ...(options.inputs ?? [])],
    definitions: DEFINITIONS,
    notes,
  };
}

/** Summaries and bootstrap hits over any subset of the pairs, for either protocol. */
interface Scorer {
  summarize(indices: readonly number[]): AgreementSummary;
  hits(indices: readonly number[]): PairHits;
  /** per pair: the judge's verdict for kappa; equal to the human label exactly when the pair agrees */
  readonly labels: readonly JudgeLabel[];
}

/** a verdict, or what stands in for one: the two orders differ, or a verdict is missing */
type JudgeLabel = Verdict | 'inconsistent' | 'no verdict';

function scorer(data: PairwiseData, judgments: PairwiseJudgments): Scorer {
  if (judgments.protocol === 'pairwise') {
    const judged: PairwiseJudged[] = data.pairs.map((p, i) => ({
      label: p.label,
      given: judgments.given[i] ?? null,
      swapped: judgments.swapped[i] ?? null,
    }));
    const pick = (indices: readonly number[]) => indices.map((i) => judged[i]!);
    const labels = judged.map((p): JudgeLabel => {
      if (p.given === null || p.swapped === null) return 'no verdict';
      return pairConsistent(p) ? p.given : 'inconsistent';
    });
    return {
      summarize: (ix) => summarizePairwise(pick(ix)),
      hits: (ix) => pairwiseHits(pick(ix)),
      labels,
    };
  }
  const margin = judgments.tieMargin ?? PAIRWISE_DEFAULTS.tieMargin;
  const judged: SingleJudged[] = data.pairs.map((p, i) => {
    const r = judgments.ratings[i];
    return { label: p.label, verdict: r ? verdictFromRatings(r.first, r.second, margin) : null };
  });
  const pick = (indices: readonly number[]) => indices.map((i) => judged[i]!);
  return {
    summarize: (ix) => summarizeSingle(pick(ix)),
    hits: (ix) => singleHits(pick(ix)),
    labels: judged.map((p) => p.verdict ?? 'no verdict'),
  };
}

function metricsRow(s: AgreementSummary, kappa: Kappa): MetricsRow {
  return {
    agreement: pct(s.agreement),
    kappa: finite(kappa.value),
    consistency: s.consistency ? pct(s.consistency) : null,
    n: s.n,
    agreementNonTie: pct(s.agreementNonTie),
    nNonTie: s.agreementNonTie.n,
    firstRate: s.positionBias ? pct(s.positionBias.firstRate) : null,
    tieRate: pct(s.tieRate),
    unparsedPairs: s.unparsed.pairs,
  };
}

function overallRow(s: AgreementSummary, ci: BootstrapIntervals, kappa: Kappa, kappaCi: Kappa): OverallRow {
  return {
    ...metricsRow(s, kappa),
    ...(s.consistency ? {} : { consistencyNote: CONSISTENCY_NOT_APPLICABLE }),
    ...intervals(ci, kappaCi),
    humanTieRate: pct(s.humanTieRate),
    positionBias: s.positionBias
      ? {
          firstRate: pct(s.positionBias.firstRate),
          nDecisive: s.positionBias.firstRate.n,
          firstBoth: s.positionBias.firstBoth,
          secondBoth: s.positionBias.secondBoth,
        }
      : null,
    confusion: s.confusion,
    unparsed: s.unparsed,
  };
}

function intervals(
  ci: BootstrapIntervals,
  kappa: Kappa,
): {
  agreementCi95: GroupRow['agreementCi95'];
  consistencyCi95: GroupRow['consistencyCi95'];
  kappaCi95: GroupRow['kappaCi95'];
} {
  return { agreementCi95: ci.agreement, consistencyCi95: ci.consistency, kappaCi95: kappa.ci95 };
}

/** A statistic as a JSON number; null when undefined (never NaN in the document). */
function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** A rate as a JSON number; null when it has no denominator (never NaN in the document). */
function pct(r: Rate): number | null {
  return Number.isNaN(r.value) ? null : r.value;
}
