import { markerEnd, type RatingSpec } from './parse.js';

/**
 * The expected rating a judge's token probabilities imply at its rating position:
 * E = sum over valid ratings k of p(k) * k / sum of p(k), from the `top_logprobs` the
 * server returns (vLLM: `logprobs: k` on /v1/completions, `logprobs: true` with
 * `top_logprobs: k` on /v1/chat/completions). Pure; never throws on what a server sends.
 *
 * The rating position is where the profile's parser reads the rating: after the chosen
 * occurrence of its marker (`Rating: [[`, the last one for Auto-J), past whitespace and
 * the parser's `skip` characters. The token starting there is the rating's first token;
 * its top alternatives are the other ratings the judge weighed. Valid ratings are the
 * whole numbers of the parser's scale (1..10); other alternatives (words, 0, 11, 6.5)
 * take no part, and the rest is renormalised over the valid ones (`mass` says how much
 * probability the valid ratings had before that; with a small k, the unlisted tail is
 * simply missing).
 *
 * Llama-2's tokenizer writes every digit as its own token, so "10" is "1" then "0", and
 * the "1" alternative at the first digit is both 1 and the start of 10:
 * - when the greedy path went through "1" (the judge wrote 1 or 10), the next token's
 *   alternatives split it: p(10) = p("1") * p("0" | "1"), p(1) = p("1") * p(end | "1"),
 *   where "end" is any alternative that does not continue the number ("]]", a space);
 *   "1" followed by another digit (11..19) is off the scale and drops out;
 * - when it did not (the judge wrote 2..9), nothing tells how p("1") splits. The
 *   approximation: all of it goes to whichever of 1 and 10 is nearer to the rating the
 *   judge wrote (10 for 6..9, 1 for 2..5; in general the nearest valid rating that starts
 *   with the digit, the lower one on a tie). The ratings a judge hesitates between are
 *   the neighbours of the one it gives, so the other reading would put a 9's doubt on 1.
 *   Such results say `approximated: true`.
 * A tokenizer with a single "10" token needs none of this: "10" is then a rating of its
 * own, and "1" beside it is read by the same rules.
 *
 * Tokens are assumed to rebuild the text (as vLLM's and the simulator's do); positions
 * are taken from the tokens themselves, so `text_offset` is not needed.
 */

export interface ExpectedRating {
  /** E, on the rating's scale; null (with `reason`) when there is no rating position */
  readonly value: number | null;
  /** the rating the text shows (the greedy path), null if there is none */
  readonly greedy: number | null;
  /** p(k) over the valid ratings, renormalised to sum to 1 */
  readonly distribution: Readonly<Record<string, number>>;
  /** probability the alternatives put on valid ratings before renormalising, 0..1 (NaN without a rating position) */
  readonly mass: number;
  /** true when a "1" that may start "10" was split by the approximation above */
  readonly approximated: boolean;
  readonly reason?: string;
}

export type RatingPosition = Pick<RatingSpec, 'marker' | 'pattern' | 'occurrence' | 'skip' | 'scale'>;

/** The generated tokens, and the alternatives at one position (built on demand: only two are read). */
interface Steps {
  readonly tokens: readonly string[];
  /** probability of each alternative at position i, the chosen token included; null if none */
  top(i: number): ReadonlyMap<string, number> | null;
}

/** Reads the expected rating from a choice's `logprobs`, completions or chat shape. */
export function expectedRating(logprobs: unknown, spec: RatingPosition): ExpectedRating {
  const steps = readSteps(logprobs);
  if (typeof steps === 'string') return none(steps);
  const lo = Math.ceil(spec.scale.min);
  const hi = Math.floor(spec.scale.max);
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo >= 0 && lo <= hi && hi <= 99)) {
    return none(
      `rating scale ${spec.scale.min}..${spec.scale.max} is not a range of whole numbers within 0..99`,
    );
  }
  const valid = new Set<string>();
  for (let r = lo; r <= hi; r++) valid.add(String(r));

  const starts: number[] = [];
  let text = '';
  for (const token of steps.tokens) {
    starts.push(text.length);
    text += token;
  }
  const end = markerEnd(text, spec);
  if (end < 0) return none(`no rating marker ("${spec.marker}")`);
  let at = end;
  while (at < text.length && isSkipped(text[at]!, spec.skip)) at++;
  const written = /^\d+(?:\.\d+)?/.exec(text.slice(at));
  if (!written) return none('no number after the rating marker');
  const greedy = Number(written[0]);

  // the token holding the rating's first character
  let i = starts.length - 1;
  while (i > 0 && starts[i]! > at) i--;
  if (starts[i]! < end) return none('the rating shares a token with the marker');
  const chosen = steps.tokens[i]!;
  const top = steps.top(i);
  if (top === null || top.size === 0) return none('no top_logprobs at the rating position');

  const p = new Map<string, number>();
  const add = (rating: string, q: number) => p.set(rating, (p.get(rating) ?? 0) + q);
  let approximated = false;
  for (const [token, q] of top) {
    const read = readNumber(stripLeading(token, spec.skip));
    if (read === null || read.decimal) continue;
    if (read.complete) {
      const r = canonical(read.digits);
      if (valid.has(r)) add(r, q);
      continue;
    }
    const extensions = [...valid].filter((r) => r.startsWith(read.digits));
    if (extensions.length === 0) continue;
    if (extensions.length === 1 && extensions[0] === read.digits) {
      add(read.digits, q);
      continue;
    }
    // a prefix of a longer rating ("1" of "10")
    const next = token === chosen ? steps.top(i + 1) : null;
    if (next !== null && next.size > 0) {
      for (const [after, q2] of next) {
        if (/^\.\d/.test(after)) continue; // 1.5: not a whole rating
        const more = readNumber(after);
        if (more === null) {
          if (valid.has(read.digits)) add(read.digits, q * q2); // the number ends: 1
        } else if (!more.decimal) {
          const r = canonical(read.digits + more.digits);
          if (valid.has(r)) add(r, q * q2);
        }
      }
    } else {
      approximated = true;
      const nearest = extensions.reduce((best, r) =>
        Math.abs(Number(r) - greedy) < Math.abs(Number(best) - greedy) ? r : best,
      );
      add(nearest, q);
    }
  }

  let mass = 0;
  let weighted = 0;
  for (const [r, q] of p) {
    mass += q;
    weighted += Number(r) * q;
  }
  const onScale = greedy >= spec.scale.min && greedy <= spec.scale.max ? greedy : null;
  if (!(mass > 0)) {
    return {
      value: null,
      greedy: onScale,
      distribution: {},
      mass: 0,
      approximated,
      reason: 'no valid rating among the alternatives',
    };
  }
  const distribution: Record<string, number> = {};
  for (const r of [...p.keys()].sort((a, b) => Number(a) - Number(b))) distribution[r] = p.get(r)! / mass;
  return { value: weighted / mass, greedy: onScale, distribution, mass, approximated };
}

function none(reason: string): ExpectedRating {
  return { value: null, greedy: null, distribution: {}, mass: NaN, approximated: false, reason };
}

function isSkipped(ch: string, skip: string): boolean {
  return /\s/.test(ch) || skip.includes(ch);
}

function stripLeading(token: string, skip: string): string {
  let k = 0;
  while (k < token.length && isSkipped(token[k]!, skip)) k++;
  return token.slice(k);
}

/**
 * Leading digits of a token; whether the number certainly ends inside the token, and
 * whether it goes on as a decimal (6.5: not a whole rating). null without a leading digit.
 */
function readNumber(token: string): { digits: string; complete: boolean; decimal: boolean } | null {
  const m = /^\d+/.exec(token);
  if (!m) return null;
  const rest = token.slice(m[0].length);
  return { digits: m[0], complete: rest.length > 0, decimal: /^\.\d/.test(rest) };
}

/** "07" is 7, as the parser reads it. */
function canonical(digits: string): string {
  return String(Number(digits));
}

/** The completions shape or the chat shape as steps, or the reason it is neither. */
function readSteps(logprobs: unknown): Steps | string {
  if (typeof logprobs !== 'object' || logprobs === null) return 'no logprobs in the answer';
  const o = logprobs as Record<string, unknown>;
  if (Array.isArray(o.content)) {
    const content = o.content as unknown[];
    const tokens: string[] = [];
    for (const entry of content) {
      const token =
        typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>).token : undefined;
      if (typeof token !== 'string') return 'malformed logprobs: a content entry has no token';
      tokens.push(token);
    }
    return {
      tokens,
      top(i) {
        const e = content[i] as Record<string, unknown> | undefined;
        if (e === undefined || !Array.isArray(e.top_logprobs)) return null;
        const top = new Map<string, number>();
        for (const alt of e.top_logprobs as unknown[]) {
          if (typeof alt !== 'object' || alt === null) continue;
          const a = alt as Record<string, unknown>;
          // two token ids may decode to the same text: their probabilities add up
          if (typeof a.token === 'string' && typeof a.logprob === 'number')
            addProbability(top, a.token, a.logprob);
        }
        addChosen(top, tokens[i]!, e.logprob);
        return top;
      },
    };
  }
  if (Array.isArray(o.tokens)) {
    const tokens = o.tokens as unknown[];
    if (!tokens.every((t): t is string => typeof t === 'string'))
      return 'malformed logprobs: a token is not a string';
    const chosen = Array.isArray(o.token_logprobs) ? (o.token_logprobs as unknown[]) : [];
    const tops = Array.isArray(o.top_logprobs) ? (o.top_logprobs as unknown[]) : [];
    return {
      tokens,
      top(i) {
        const alts = tops[i];
        if (typeof alts !== 'object' || alts === null || Array.isArray(alts) || i >= tokens.length)
          return null;
        const top = new Map<string, number>();
        for (const [t, lp] of Object.entries(alts as Record<string, unknown>)) {
          if (typeof lp === 'number') addProbability(top, t, lp);
        }
        addChosen(top, tokens[i]!, chosen[i]);
        return top;
      },
    };
  }
  return 'malformed logprobs: neither tokens nor content';
}

function addProbability(top: Map<string, number>, token: string, logprob: number): void {
  const q = Math.exp(logprob);
  if (Number.isFinite(q) && q > 0) top.set(token, (top.get(token) ?? 0) + Math.min(q, 1));
}

/** vLLM lists the chosen token among the alternatives; a server that does not still chose it. */
function addChosen(top: Map<string, number>, token: string, logprob: unknown): void {
  if (!top.has(token) && typeof logprob === 'number') addProbability(top, token, logprob);
}
