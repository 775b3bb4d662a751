import type { JudgeInfo } from '../../harness/core/types.js';
import type { AlignmentReport } from '../../harness/source/align.js';
import type { Interval } from '../../harness/stats/bootstrap.js';
import type { RunManifest as SharedManifest } from '../../harness/store/run-archive.js';
import type { Placement } from './place.js';
import type { AlpacaEvalScenarios } from './scenarios.js';

/** A statistic in a result document: null value (with the reason) where undefined. */
export interface StatisticResult {
  readonly value: number | null;
  readonly ci95: Interval;
  readonly reason?: string;
}

/** One judged instruction, kept in the result for reports (best, worst, failures). */
export interface ItemRef {
  /** index into the AlpacaEval instruction set */
  readonly index: number;
  readonly rating?: number;
  readonly reason?: string;
  /** judgment key in the store (remote judges) */
  readonly key?: string;
  /**
   * sha256 of the response as the source gave it when it was judged (best and worst
   * items): a report shows a response beside its critique only while the source still
   * has this one.
   */
  readonly responseSha256?: string;
}

/**
 * How much of the instruction set a submission answers: the alignment report over the
 * whole set, and the share of the instructions judged in this run that have an output
 * (an empty output counts as an answer: it is judged).
 */
export interface Coverage extends AlignmentReport {
  /** instructions judged in this run that the submission has an output for */
  readonly answered: number;
  /** instructions judged in this run */
  readonly instructions: number;
  /** answered / instructions */
  readonly share: number;
}

export interface ModelResult {
  readonly model: string;
  readonly score: number | null;
  readonly se: number | null;
  /** judgments asked for */
  readonly n: number;
  readonly parsed: number;
  readonly unparsed: number;
  readonly errors: number;
  readonly truncated: number;
  readonly rank: number | null;
  /** mean output length in characters over the selected instructions (missing ones excluded) */
  readonly meanLength: number;
  readonly coverage: Coverage;
  /** sha256 of the submission file */
  readonly contentHash: string;
  /** reference values (win rates) by reference name, where the reference has the model */
  readonly references: Readonly<Record<string, number>>;
  /** rating -> count, for judges that rate on a 1-10 scale */
  readonly histogram?: Readonly<Record<string, number>>;
  readonly best?: readonly ItemRef[];
  readonly worst?: readonly ItemRef[];
  readonly failures?: readonly ItemRef[];
  /** bootstrap intervals and tier (significance.ts); absent in results archived before them */
  readonly scoreCi95?: Interval;
  readonly rankCi95?: Interval;
  readonly tier?: number | null;
  /** the length-controlled score (length-controlled.ts); absent without the baseline's outputs */
  readonly lengthControlled?: ModelLengthControlled;
  /**
   * both scores and their ranks (expected-score.ts); `score` and `rank` are the ones
   * `settings.score` chose. Absent in results archived before them.
   */
  readonly ratingScore?: number | null;
  readonly ratingRank?: number | null;
  /** mean expected rating from the judge's logprobs; null without any */
  readonly expectedScore?: number | null;
  readonly expectedRank?: number | null;
  /** judgments with an expected rating */
  readonly expectedRatings?: number;
  /** parsed ratings without an expected rating (the answer had no usable logprobs) */
  readonly expectedMissing?: number;
  /** expected ratings that needed the approximation for a "1" that may start "10" */
  readonly expectedApproximated?: number;
}

/** Both rankings' correlations with every reference, side by side (`--score`). */
export interface ScoreComparison {
  /** the score that ranks the models (and `correlations`) */
  readonly score: 'rating' | 'expected';
  readonly rating: readonly CorrelationResult[];
  /** null when no model has an expected score (`reason`) */
  readonly expected: readonly CorrelationResult[] | null;
  /** models with an expected score */
  readonly modelsWithExpected: number;
  /** parsed ratings without an expected rating, over all models */
  readonly expectedMissing: number;
  readonly reason?: string;
}

/** A model's rating fitted at zero length difference to the baseline (harness/stats/length-control.ts). */
export interface ModelLengthControlled {
  readonly value: number | null;
  /** OLS standard error of the intercept */
  readonly standardError: number | null;
  /** bootstrap over the model's items, refitting in each replicate */
  readonly ci95: Interval;
  /** change in rating from tanh(z) = 0 to 1 */
  readonly slope: number | null;
  readonly n: number;
  readonly note?: string;
  readonly reason?: string;
}

/** The length-controlled score's correlations with each reference, beside the raw score's. */
export interface LengthControlledResult {
  readonly baseline: string;
  /** why no model has a length-controlled score */
  readonly reason?: string;
  readonly correlations: readonly {
    readonly reference: string;
    /** models with a length-controlled score and a reference value */
    readonly n: number;
    readonly spearman: { readonly lengthControlled: number | null; readonly raw: number | null };
    readonly kendall: { readonly lengthControlled: number | null; readonly raw: number | null };
    readonly pearson: { readonly lengthControlled: number | null; readonly raw: number | null };
  }[];
}

/** A model's score and rank intervals and its significance tier. */
export interface ModelInterval {
  readonly scoreCi95: Interval;
  readonly rankCi95: Interval;
  /** 1 + models statistically better (Arena-Hard's Rank UB); null without an interval */
  readonly tier: number | null;
}

/** A share of model pairs, 0..1; null (with the reason) where undefined. */
export interface PairShareResult {
  readonly value: number | null;
  /** models taking part */
  readonly n: number;
  readonly pairs: number;
  readonly hits: number;
  readonly reason?: string;
}

export interface SignificanceResult {
  readonly resamples: number;
  readonly seed: number;
  /** share of model pairs whose score intervals are disjoint */
  readonly separability: PairShareResult;
  readonly definitions: Readonly<Record<string, string>>;
}

/** The judge's ranking against a reference's, pair by pair (Arena-Hard's statistics). */
export interface ReferenceAgreementResult {
  readonly reference: string;
  /** models scored by the judge and listed by the reference */
  readonly n: number;
  /** the reference's standard-error column; null when it has none */
  readonly errorColumn: string | null;
  readonly agreementWithConfidence: PairShareResult;
  readonly brier: {
    readonly value: number | null;
    readonly n: number;
    readonly pairs: number;
    readonly reason?: string;
  };
  readonly strictPairs: PairShareResult;
}

/**
 * Instance-level agreement (instance-agreement.ts): the judge's verdict on each model's
 * output against the baseline's output for the same instruction, from its two single
 * ratings, against the GPT-4 annotator's own verdict on that pair.
 */
export interface InstanceAgreementResult {
  /** |baseline rating - model rating| <= tieMargin is a tie */
  readonly tieMargin: number;
  readonly resamples: number;
  readonly seed: number;
  readonly annotators: readonly AnnotatorAgreementResult[];
  readonly definitions: Readonly<Record<string, string>>;
}

/** Agreement and kappa over the verdict pairs compared, with bootstrap intervals over instructions. */
export interface InstanceFigures {
  /** (model, instruction) pairs with a verdict from both the judge and the annotator */
  readonly n: number;
  /** distinct instructions among them: the units of the bootstrap */
  readonly instructions: number;
  /** percent, 0-100 */
  readonly agreement: number | null;
  readonly agreementCi95: Interval;
  readonly kappa: number | null;
  readonly kappaCi95: Interval;
  /** the annotator has a verdict but the judge none (an output missing or unrated on either side) */
  readonly noJudgeVerdict: number;
  /** the judge has a verdict but the annotator none (null preference, or the instruction not annotated) */
  readonly noAnnotatorVerdict: number;
  /** counts of the compared verdicts: first = the baseline's output preferred, second = the model's */
  readonly verdicts: {
    readonly judge: Readonly<Record<'first' | 'second' | 'tie', number>>;
    readonly annotator: Readonly<Record<'first' | 'second' | 'tie', number>>;
  };
  readonly reason?: string;
}

export interface ModelInstanceAgreement extends Partial<InstanceFigures> {
  readonly model: string;
  /** counted in the annotator's overall figures */
  readonly pooled: boolean;
  /** the annotation file's generator_2, where it is not the model id */
  readonly annotatedGenerator?: string;
  /** why the model has no figures, or why they are not pooled */
  readonly reason?: string;
}

export interface AnnotatorAgreementResult {
  /** the annotations' folder name upstream: weighted_alpaca_eval_gpt4_turbo, alpaca_eval_gpt4 */
  readonly annotator: string;
  readonly label: string;
  /** generator_1 of the annotations: the model whose outputs the others are compared with */
  readonly baseline: string;
  /** judged models with the annotator's annotations */
  readonly annotated: number;
  /** pooled over the models with `pooled` set; null when none is */
  readonly overall: (InstanceFigures & { readonly models: number }) | null;
  readonly models: readonly ModelInstanceAgreement[];
  readonly reason?: string;
}

export interface CorrelationResult {
  readonly reference: string;
  readonly label: string;
  readonly file: string;
  readonly column: string;
  /** models with both a judge score and a reference value */
  readonly n: number;
  readonly spearman: StatisticResult;
  readonly kendall: StatisticResult;
  readonly pearson: StatisticResult;
  /** set when the correlation rests on fewer than MIN_CORRELATION_MODELS models */
  readonly warning?: string;
}

/** Below this many models a correlation is flagged: its interval is wide and its value fragile. */
export const MIN_CORRELATION_MODELS = 10;

export interface SkippedModel {
  readonly model: string;
  readonly reason: string;
  /** the references that list the model, when it is skipped from their comparison */
  readonly references?: readonly string[];
}

/** The shared manifest of every run, then what an AlpacaEval run read and judged. */
export interface RunManifest extends SharedManifest {
  readonly source: string;
  readonly instructionSetSha256: string;
  readonly referenceFiles: Readonly<Record<string, string>>;
  readonly judgments: {
    readonly requested: number;
    readonly cached: number;
    readonly sent: number;
    readonly unparsed: number;
    readonly errors: number;
  };
}

/** The version of AlpacaEval result documents: the report skips others. */
export const ALPACAEVAL_SCHEMA_VERSION = 1;

export interface AlpacaEvalResult {
  readonly suite: 'alpacaeval';
  readonly schemaVersion: typeof ALPACAEVAL_SCHEMA_VERSION;
  readonly judge: JudgeInfo;
  readonly settings: {
    readonly instructions: number;
    readonly instructionSetSize: number;
    /**
     * The models the run was asked for: `all` (every submission of the source and every
     * model of its references) or the given list (`--models`, a refresh's reference
     * models). Absent in results archived before it was recorded: those count as partial.
     */
    readonly models?: 'all' | readonly string[];
    readonly seed: number;
    readonly bootstrap: number;
    readonly references: readonly string[];
    /** what ranks the models: the mean rating, or the mean expected rating; absent: rating */
    readonly score?: 'rating' | 'expected';
  };
  /** indices into the instruction set that were judged, in order */
  readonly instructionIndices: readonly number[];
  readonly models: readonly ModelResult[];
  readonly correlations: readonly CorrelationResult[];
  readonly skipped: readonly SkippedModel[];
  /** separability of the models' intervals; absent in results archived before it */
  readonly significance?: SignificanceResult;
  /** per reference, the pair-by-pair agreement statistics; absent in results archived before them */
  readonly referenceAgreement?: readonly ReferenceAgreementResult[];
  /** length-controlled scores' correlations; absent in results archived before them */
  readonly lengthControlled?: LengthControlledResult;
  /**
   * The length ruler (mean output length) on the same models, instructions and resamples,
   * correlated with the same references: a trivial judge beside this one. Absent when the
   * judge is the ruler, and in results archived before it.
   */
  readonly lengthRuler?: { readonly judge: string; readonly correlations: readonly CorrelationResult[] };
  /** where the model of `--model-outputs` landed in the stored leaderboard (place.ts); absent otherwise */
  readonly placement?: Placement;
  /** a rating judge's two rankings' correlations side by side; absent for other judges and archived results */
  readonly scoreComparison?: ScoreComparison;
  /** agreement with the GPT-4 annotators instruction by instruction; absent in results archived before it */
  readonly instanceAgreement?: InstanceAgreementResult;
  /** scores and correlations per scenario group (`--scenarios`) */
  readonly scenarios?: AlpacaEvalScenarios;
  readonly manifest: RunManifest;
}

/**
 * A complete run judged every model of its source and every instruction of the set;
 * anything else (`--models`, `--instructions`, or a result that does not say which
 * models it was asked for) is partial, and never stands in for a judge's leaderboard.
 */
export function isCompleteRun(result: Pick<AlpacaEvalResult, 'settings' | 'instructionIndices'>): boolean {
  const s = result.settings;
  return (
    s.models === 'all' &&
    s.instructions === s.instructionSetSize &&
    result.instructionIndices.length === s.instructionSetSize
  );
}
