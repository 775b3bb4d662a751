/**
 * The comparison protocol of Auto-J's critique-generation task, as the authors run it
 * (GAIR-NLP/auto-j, codes/leaderboard/pairwise_critique_openai_eval.py and critique_eval.py):
 *
 * - the comparator sees the query, the response, and two critiques of it: Feedback 1 is the
 *   judge's critique and Feedback 2 the reference (ChatGPT's), or the other way round when
 *   the item is exchanged. The authors draw the exchange with an unseeded
 *   `random.choice([True, False])` and record it (`meta.exchange`); here it is drawn from a
 *   seed (`seededExchanges`) and recorded in every item of the result.
 * - the decision is read from the first line of the answer: it must hold exactly one of
 *   `A:` (Feedback 1 is better), `B:` (Feedback 2) or `C:` (neither); none, or two, is a
 *   parse failure (the authors' code raises), counted and never a vote. The parser is the
 *   `critique-comparator` profile's (judges/critique-comparator.yaml), for recorded
 *   comparisons as for live ones.
 * - the decision is mapped back through the exchange: the judge's critique wins when it
 *   was the one found better, loses when the reference was, and `C:` is a tie.
 */
import type { Judgment, PairTask, Verdict } from '../../harness/core/types.js';
import { parseCompletionWithSpec, type VerdictSpec } from '../../harness/judge/generative/parse.js';
import { loadJudgeProfile } from '../../harness/judge/generative/load.js';
import type { Completion } from '../../harness/judge/judge.js';
import { createRng } from '../../harness/stats/rng.js';
import type { CritiqueItem, CritiqueLanguage } from './data.js';

/** The built-in profile of the comparison prompt. */
export const COMPARATOR_PROFILE = 'critique-comparator';

/** How the judge's critique fared against the reference. */
export type CritiqueOutcome = 'win' | 'tie' | 'lose';
export const OUTCOMES: readonly CritiqueOutcome[] = ['win', 'tie', 'lose'];

/** The authors' letters for a comparator's verdict (first = Feedback 1). */
export const DECISION_LETTER: Readonly<Record<Verdict, 'A' | 'B' | 'C'>> = {
  first: 'A',
  second: 'B',
  tie: 'C',
};

/**
 * The order of each item's two critiques, drawn from `seed`: `exchanges[i]` true puts the
 * reference first (Feedback 1) and the judge's critique second. One draw per item, in
 * item order, from the harness's seeded generator (stats/rng.ts): the same seed gives the
 * same orders whatever the judge, so that judges are compared on the same positions.
 */
export function seededExchanges(n: number, seed: number): boolean[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng() < 0.5);
}

/** The comparison of one item: the judge's critique and the reference in the item's order. */
export function comparisonTask(item: CritiqueItem, critique: string, exchange: boolean): PairTask {
  const [first, second] = exchange ? [item.reference, critique] : [critique, item.reference];
  return { protocol: 'pairwise', instruction: item.prompt, critiqued: item.response, first, second };
}

/** A comparator's verdict (first = Feedback 1) mapped back through the exchange. */
export function outcomeOf(verdict: Verdict, exchange: boolean): CritiqueOutcome {
  if (verdict === 'tie') return 'tie';
  // the judge's critique is Feedback 1 unless the item is exchanged
  return (verdict === 'first') !== exchange ? 'win' : 'lose';
}

/** One item's comparison, read. */
export interface JudgedComparison {
  /** vote: a decision was read; unparsed: an answer without one; missing: not compared */
  readonly status: 'vote' | 'unparsed' | 'missing';
  /** the reference was Feedback 1 (see `seededExchanges`) */
  readonly exchange: boolean;
  /** the comparator's answer as it gave it; null when there is none (not compared, or not at hand) */
  readonly answer: string | null;
  /** the decision as answered (first = Feedback 1 = `A:`); null: none */
  readonly verdict: Verdict | null;
  /** the decision mapped back; null: no vote */
  readonly outcome: CritiqueOutcome | null;
  /** why there is no vote: the parse failure, or why there was nothing to compare */
  readonly problem?: string;
}

/** The parser of the comparison prompt's answers in `language` (the built-in profile's). */
export function comparatorParser(language: CritiqueLanguage): VerdictSpec {
  const variant = loadJudgeProfile(COMPARATOR_PROFILE).protocols.pairwise?.[language];
  if (!variant) throw new Error(`judges/${COMPARATOR_PROFILE}.yaml has no pairwise ${language} template`);
  return variant.parser;
}

/** Reads one answer of the comparator (recorded or live) and maps it back. Never throws. */
export function readComparison(
  completion: Completion,
  exchange: boolean,
  parser: VerdictSpec,
): JudgedComparison {
  return judgedComparison(parseCompletionWithSpec(completion, parser), exchange, completion.text);
}

/** A comparison from its parsed judgment (the runner's, or the parser's) and the answer's text. */
export function judgedComparison(
  judgment: Judgment,
  exchange: boolean,
  answer: string | null,
): JudgedComparison {
  if (judgment.kind === 'ok' && judgment.verdict !== undefined) {
    const { verdict } = judgment;
    return { status: 'vote', exchange, answer, verdict, outcome: outcomeOf(verdict, exchange) };
  }
  if (judgment.kind === 'error') return notCompared(exchange, `the comparison failed: ${judgment.message}`);
  const problem = judgment.kind === 'unparsed' ? judgment.reason : 'no decision';
  return { status: 'unparsed', exchange, answer, verdict: null, outcome: null, problem };
}

/** An item that was not compared (no critique to compare, or the comparator's request failed). */
export function notCompared(exchange: boolean, problem: string): JudgedComparison {
  return { status: 'missing', exchange, answer: null, verdict: null, outcome: null, problem };
}
