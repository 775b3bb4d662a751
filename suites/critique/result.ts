/**
 * The result document of the critique suite (what `bench run critique --json` prints).
 * Keys from the architecture contract: suite, overall.{win, tie, lose, n},
 * groups[].{group, win, tie, lose, n}; everything else is additional.
 *
 * Percentages are unrounded numbers in 0-100 of the votes (`n`): a comparison whose
 * decision could not be read, or an item not compared, is no vote; both are counted
 * (`unparsed`, `missing`). `null` means "cannot be computed" (no votes), never 0.
 */
import type { FileInfo } from '../../harness/source/autoj-pairwise.js';
import type { CritiqueLanguage } from './data.js';

export type Interval = readonly [number, number];

/** The figures of every row (overall, each group, each scenario). */
export interface OutcomeRates {
  /** share of the votes where the judge's critique was found better than the reference */
  readonly win: number | null;
  /** share of the votes where neither was (`C:`) */
  readonly tie: number | null;
  /** share of the votes where the reference was found better */
  readonly lose: number | null;
  /** votes: comparisons with a decision */
  readonly n: number;
  readonly wins: number;
  readonly ties: number;
  readonly losses: number;
  /** comparisons whose answer had no readable decision (none or two of A:/B:/C: on its first line) */
  readonly unparsed: number;
  /** items not compared: no critique from the judge, or the comparator's request failed */
  readonly missing: number;
  /** items of the row: n + unparsed + missing */
  readonly items: number;
}

export interface RateIntervals {
  /** 95% bootstrap intervals (votes resampled); null without bootstrap or votes */
  readonly winCi95: Interval | null;
  readonly tieCi95: Interval | null;
  readonly loseCi95: Interval | null;
}

export interface CritiqueGroupRow extends OutcomeRates, RateIntervals {
  readonly group: string;
  readonly scenarios: readonly string[];
}

export interface CritiqueScenarioRow extends OutcomeRates {
  readonly scenario: string;
  readonly group: string;
  readonly description: string | null;
}

/** One item: the two critiques, the order they were shown in, and what the comparator said. */
export interface CritiqueItemRow {
  readonly index: number;
  readonly scenario: string;
  readonly group: string;
  /** true: the reference was Feedback 1 and the judge's critique Feedback 2 */
  readonly exchange: boolean;
  /** the comparator's decision as answered: A = Feedback 1, B = Feedback 2, C = neither; null: none */
  readonly decision: 'A' | 'B' | 'C' | null;
  /** the decision mapped back through the order; null: no vote */
  readonly outcome: 'win' | 'tie' | 'lose' | null;
  /** why there is no vote */
  readonly problem: string | null;
  /** the comparator's whole answer (decision and reason); null: not compared */
  readonly answer: string | null;
  /** the judge's critique; null when not known (recorded mode without the critiques file) or none */
  readonly critique: string | null;
  /** the reference critique (ChatGPT) */
  readonly reference: string;
}

/** Published win / tie / lose against the same references, as the authors report them. */
export interface PublishedCritiqueRow {
  readonly critic: string;
  readonly language: CritiqueLanguage;
  readonly win: number;
  readonly tie: number | null;
  readonly lose: number | null;
  /** the win rate per group, where published */
  readonly groups?: Readonly<Record<string, number>>;
}

export interface CritiqueResult {
  readonly suite: 'critique';
  readonly language: CritiqueLanguage;
  /** whose critiques are compared */
  readonly judge: {
    readonly name: string;
    /** recorded: a comparison file scored as given; live: written and compared in this run */
    readonly mode: 'recorded' | 'live';
    readonly description: string;
    /** recorded mode: the judge profile whose critiques were compared (`--recorded-judge`) */
    readonly profile?: string;
  };
  /** who compared them */
  readonly comparator: { readonly name: string; readonly model: string | null; readonly description: string };
  readonly dataset: {
    readonly name: string;
    readonly items: number;
    readonly scenarios: number;
    readonly groups: number;
  };
  readonly overall: OutcomeRates & RateIntervals;
  /** the authors' 8 groups, in their order */
  readonly groups: readonly CritiqueGroupRow[];
  readonly scenarios: readonly CritiqueScenarioRow[];
  /** how the order of each item's two critiques was set */
  readonly order: {
    /** recorded: the comparison file's `meta.exchange`; seeded: drawn from `seed` */
    readonly source: 'recorded' | 'seeded';
    readonly seed: number | null;
    /** items shown with the reference as Feedback 1 */
    readonly exchanged: number;
    readonly method: string;
  };
  readonly items: readonly CritiqueItemRow[];
  readonly published: readonly PublishedCritiqueRow[];
  readonly publishedSource: string;
  readonly bootstrap: { readonly resamples: number; readonly seed: number; readonly method: string };
  readonly inputs: readonly FileInfo[];
  readonly definitions: Readonly<Record<string, string>>;
  readonly notes: readonly string[];
}
