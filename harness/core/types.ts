/**
 * Domain types shared by every stage of the flow
 * (source -> judge -> store -> aggregate -> statistics -> leaderboard -> report).
 * Closed unions, no magic numbers: a missing score is a variant, never NaN or 0.
 */

/** A pairwise verdict. The authors' 0/1/2 codes exist only at file boundaries. */
export type Verdict = 'first' | 'second' | 'tie';

/** Rate one response to one instruction (Auto-J's "single" protocol). */
export interface SingleTask {
  readonly protocol: 'single';
  readonly instruction: string;
  /** null when the submission has no usable output (empty, null, missing). */
  readonly response: string | null;
}

/** Compare two responses to one instruction (Auto-J's "pairwise" protocol). */
export interface PairTask {
  readonly protocol: 'pairwise';
  readonly instruction: string;
  readonly first: string;
  readonly second: string;
  /**
   * The response that `first` and `second` criticise, when they are two critiques of it
   * rather than two responses (Auto-J's critique comparison); absent otherwise.
   */
  readonly critiqued?: string;
}

export type JudgeTask = SingleTask | PairTask;

/** How a prompt was made to fit the judge's context window, recorded with the judgment. */
export interface Truncation {
  /** characters (UTF-16 units) of the response(s) kept / originally present, summed */
  readonly keptChars: number;
  readonly originalChars: number;
  /** pairwise only: the same per response, in prompt order */
  readonly responses?: readonly { readonly keptChars: number; readonly originalChars: number }[];
  /** set only when the instruction had to be cut as well (it alone crowded the context) */
  readonly instruction?: { readonly keptChars: number; readonly originalChars: number };
}

/** The outcome of one judgment. Failures are data: counted and reported, never scores. */
export type Judgment =
  | {
      readonly kind: 'ok';
      /** 1-10 rating for single tasks; the length judge puts its character count here. */
      readonly rating?: number;
      readonly verdict?: Verdict;
      /** one of a closed list of names (the scenario classifier's scenario) */
      readonly label?: string;
      /**
       * the expected rating the judge's logprobs imply at its rating position, for a judge
       * that asks for them (absent: not asked, or stored before they were)
       */
      readonly expected?: ExpectedRatingOutcome;
      readonly truncated?: boolean;
      /** store key of the judgment, when it came from or went to the store */
      readonly key?: string;
    }
  | {
      readonly kind: 'unparsed';
      readonly reason: string;
      readonly truncated?: boolean;
      readonly key?: string;
    }
  | { readonly kind: 'error'; readonly message: string; readonly key?: string };

export type JudgmentKind = Judgment['kind'];

/**
 * E = sum of p(k) x k over the valid ratings at the rating position
 * (harness/judge/generative/expected-rating.ts). `value` null: the answer had no usable
 * logprobs there (none returned, no valid rating among the alternatives); `approximated`:
 * a "1" that may start "10" was split by the documented approximation.
 */
export interface ExpectedRatingOutcome {
  readonly value: number | null;
  readonly approximated: boolean;
}

/** Sampling parameters sent with a request; part of the judgment key. */
export interface Sampling {
  readonly temperature: number;
  readonly top_p: number;
  readonly max_tokens: number;
}

/** Identity of a judge, written into results and manifests. */
export interface JudgeInfo {
  /** profile name as given on the command line: `length`, `autoj`, ... */
  readonly name: string;
  /** served model id for remote judges; the judge name for in-process baselines */
  readonly model: string;
  readonly protocol: 'single' | 'pairwise';
  /** sha256 (hex, first 16) of the prompt template, or a version tag for baselines */
  readonly templateVersion: string;
  readonly sampling?: Sampling;
  /** the rating scale, for judges that rate (Auto-J: 1-10); baselines have none */
  readonly scale?: { readonly min: number; readonly max: number };
  readonly description: string;
}
