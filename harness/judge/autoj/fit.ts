import type { Truncation } from '../../core/types.js';
import { fitsWithin, type TokenCounter } from './tokens.js';

/**
 * Fitting a prompt into the judge's context window by cutting the judged text, never the
 * template. Pure: the same input always gives the same prompt.
 *
 * Policy (recorded in the returned `Truncation`):
 * 1. If the full prompt fits, it is sent as is.
 * 2. Otherwise the response(s) are cut at the end (a prefix is kept, at a code point
 *    boundary, without any marker so the authors' template stays byte-exact).
 *    Pairwise: both responses are cut to a common length cap C, the largest that fits;
 *    the longer response loses characters first, the shorter one only once it is longer
 *    than C too, so neither is cut below the other's kept length.
 * 3. The instruction (query) is cut too only if, kept whole, it would leave the responses
 *    less than they need up to half of the content budget (context minus template).
 *    Then the responses get that room (cut to a common cap as in 2 if they need more),
 *    the instruction keeps the prefix that fits beside it, and the responses get
 *    whatever the kept instruction leaves. So a huge instruction with huge responses
 *    splits the budget about evenly, and a huge instruction with short responses leaves
 *    them whole. AlpacaEval's instructions are never cut; 20 of the 2,784 prompts of
 *    Auto-J's pairwise test data (both orders) cut a long post. Only whole-prompt counts
 *    are used, so this holds for any counter, additive or not.
 * 4. With empty responses (or none: a classifier's template judges the instruction alone),
 *    the instruction is cut to what fits.
 *
 * Token counts come from an injected counter, asked only "does this fit?" where that is
 * enough (`fitsWithin`): most prompts are decided by their byte length, never tokenized.
 * Lengths in `Truncation` are JavaScript string lengths (UTF-16 code units).
 */

export interface FitRequest {
  /** builds the full prompt from the instruction and the response(s) */
  readonly build: (instruction: string, responses: readonly string[]) => string;
  readonly instruction: string;
  /** one response (single protocol) or two (pairwise) */
  readonly responses: readonly string[];
  /** the largest prompt token count allowed */
  readonly limit: number;
  readonly counter: TokenCounter;
}

export interface FitResult {
  readonly prompt: string;
  /** absent when nothing was cut */
  readonly truncation?: Truncation;
}

/** Prompt tokens of the bare template (empty instruction and responses). */
export function templateTokens(
  build: FitRequest['build'],
  responseCount: number,
  counter: TokenCounter,
): number {
  return counter.count(build('', new Array<string>(responseCount).fill('')));
}

export function fitPrompt(req: FitRequest): FitResult {
  const { build, instruction, responses, limit, counter } = req;
  const fits = (prompt: string): boolean => fitsWithin(counter, prompt, limit);

  const full = build(instruction, responses);
  if (fits(full)) return { prompt: full };

  const base = counter.count(
    build(
      '',
      responses.map(() => ''),
    ),
  );
  if (base > limit) {
    throw new Error(
      `the bare template needs ${base} tokens, more than the ${limit} the context leaves for the prompt`,
    );
  }

  const longest = Math.max(...responses.map((r) => r.length));
  const commonCap = (instr: string, max: number): number =>
    largestFitting(longest, (c) => fitsWithin(counter, build(instr, capped(responses, c)), max));

  // 2. the responses, cut to a common cap beside the whole instruction
  let keptInstruction = instruction;
  let kept = capped(responses, commonCap(instruction, limit));

  // 3. unless that leaves them less than they need up to half of the content budget:
  //    then they get that much, the instruction what fits beside it, and the responses
  //    whatever the kept instruction leaves
  const half = base + Math.floor((limit - base) / 2);
  const whole = kept.every((k, i) => k.length === responses[i]!.length);
  if (!whole && fitsWithin(counter, build('', kept), half)) {
    const reserved = capped(responses, commonCap('', half));
    const k = largestFitting(instruction.length, (n) => fits(build(cut(instruction, n), reserved)));
    keptInstruction = cut(instruction, k);
    kept = capped(responses, commonCap(keptInstruction, limit));
  }
  // 4. empty responses (or none: a classifier's template) leave nothing but the instruction to cut
  if (kept.every((t) => t === '') && !fits(build(keptInstruction, kept))) {
    keptInstruction = cut(
      instruction,
      largestFitting(instruction.length, (n) => fits(build(cut(instruction, n), kept))),
    );
  }

  const prompt = build(keptInstruction, kept);
  const sum = (xs: readonly string[]) => xs.reduce((s, x) => s + x.length, 0);
  return {
    prompt,
    truncation: {
      keptChars: sum(kept),
      originalChars: sum(responses),
      ...(responses.length > 1
        ? { responses: responses.map((r, i) => ({ keptChars: kept[i]!.length, originalChars: r.length })) }
        : {}),
      ...(keptInstruction.length < instruction.length
        ? { instruction: { keptChars: keptInstruction.length, originalChars: instruction.length } }
        : {}),
    },
  };
}

function capped(texts: readonly string[], cap: number): string[] {
  return texts.map((t) => cut(t, cap));
}

/** The first `n` UTF-16 units of `text`, one less if that would split a surrogate pair. */
export function cut(text: string, n: number): string {
  if (n >= text.length) return text;
  if (n <= 0) return '';
  const last = text.charCodeAt(n - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? n - 1 : n);
}

/**
 * The largest n in [0, max] with ok(n), by bisection, taking ok(0) as given. Token counts
 * grow with the kept length almost monotonically (a merge can make a longer prefix one
 * token shorter), so the result is the end of the first fitting run, which is what counts:
 * the prompt built from it fits.
 */
function largestFitting(max: number, ok: (n: number) => boolean): number {
  let lo = 0;
  let hi = max + 1; // ok(hi) is taken as false
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
