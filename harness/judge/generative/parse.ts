import type { Verdict } from '../../core/types.js';
import type { Completion, ParsedCompletion } from '../judge.js';

/**
 * Reading a generative judge's answer by a parser spec from its profile. Pure, never
 * throws. The rules of Auto-J's parser (autoj/parse.ts), generalised:
 *
 * - rating: find the first or last `marker` (a literal, or a regular expression given as
 *   `pattern`). With `close`, the text up to the next `close`, trimmed, must be a plain
 *   decimal number (`7`, `6.5`, `7.`); without, the text after the marker must start
 *   with one, not followed by a letter or digit (`[RESULT] 4`, `[RESULT] 4/5`; `45` is
 *   forty-five, never 4). It must lie on the declared scale (and be whole if the scale
 *   says so). A missing marker, a non-numeric rating or one off the scale is `unparsed`
 *   with the reason, never a score: no fallback to an earlier marker.
 * - verdict: find the first or last `marker`; skip whitespace and the `skip` characters
 *   after it; the text (lower-cased with `fold_case`) must start with one of the
 *   declared choices (the longest that matches), followed by no letter or digit unless
 *   `word_boundary` is off. An `echo` pattern (the instruction's own list of choices,
 *   `Response 1 / Response 2 / Tie`) is not a verdict. With an empty marker, the first
 *   or last occurrence of any choice in the text is the verdict (`[[A]]`); with `unique`,
 *   the text must name one verdict only (`A:` and `B:` both present is ambiguous, a parse
 *   failure, as Auto-J's critique comparison reads its first line). `firstLine` reads
 *   only the text before the first line break.
 * - label: the answer, trimmed, must be one of a closed list of names (the scenario
 *   classifier's 58 scenarios or `default`); anything else is `unparsed`.
 * - a generation cut off by `max_tokens` (`finish_reason: length`) with no verdict is
 *   `cut off (finish_reason length)`; one that still holds a verdict keeps it.
 */

export const CUT_OFF_REASON = 'cut off (finish_reason length)';

export type Occurrence = 'first' | 'last';

export interface MarkerSpec {
  /** the marker as the template asks for it; matched literally unless `pattern` is set */
  readonly marker: string;
  /** a regular expression (source) matching every accepted form of the marker */
  readonly pattern?: string;
  readonly occurrence: Occurrence;
  /** characters skipped after the marker, besides whitespace */
  readonly skip: string;
}

export interface RatingSpec extends MarkerSpec {
  readonly kind: 'rating';
  /** what ends the rating (`]]`); absent: the number ends where the digits do */
  readonly close?: string;
  readonly scale: { readonly min: number; readonly max: number; readonly integer: boolean };
}

export interface VerdictSpec extends MarkerSpec {
  readonly kind: 'verdict';
  /** longest first when parsing; compared lower-cased with `foldCase` */
  readonly choices: readonly { readonly text: string; readonly verdict: Verdict }[];
  readonly foldCase: boolean;
  /** the choice must not run on into a letter or digit (`A` is not `Alright`) */
  readonly wordBoundary: boolean;
  /** text after the marker that echoes the instruction; `label` names it in the reason */
  readonly echo?: { readonly pattern: string; readonly label: string };
  /** only the text before the first line break is read */
  readonly firstLine?: boolean;
  /** empty marker only: an answer naming two different verdicts is ambiguous, not the first or last */
  readonly unique?: boolean;
}

/** An answer that is one name of a closed list (a classifier's). */
export interface LabelSpec {
  readonly kind: 'label';
  /** the names accepted, compared exactly with the answer trimmed of whitespace */
  readonly labels: readonly string[];
}

export type ParserSpec = RatingSpec | VerdictSpec | LabelSpec;

export type SpecParse =
  | { readonly ok: true; readonly rating: number }
  | { readonly ok: true; readonly verdict: Verdict }
  | { readonly ok: true; readonly label: string }
  | { readonly ok: false; readonly reason: string };

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
/** without a closing marker a final `.` ends the sentence: `[RESULT] 2.` is 2 */
const LEADING_DECIMAL = /^(?:\d+(?:\.\d+)?|\.\d+)/;
const WHOLE = /^\d+$/;
const WORD_CHAR = /^[\p{L}\p{N}]/u;

const regexCache = new Map<string, RegExp>();
function cachedRegex(source: string, flags: string): RegExp {
  const k = `${flags}/${source}`;
  let re = regexCache.get(k);
  if (!re) {
    re = new RegExp(source, flags);
    regexCache.set(k, re);
  }
  return re;
}

/** Where the chosen marker occurrence ends (the index after it), or -1 if there is none. */
export function markerEnd(text: string, spec: MarkerSpec): number {
  if (spec.pattern === undefined) {
    const at = spec.occurrence === 'last' ? text.lastIndexOf(spec.marker) : text.indexOf(spec.marker);
    return at < 0 ? -1 : at + spec.marker.length;
  }
  const re = cachedRegex(spec.pattern, 'g');
  re.lastIndex = 0;
  let end = -1;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    end = m.index + m[0].length;
    if (spec.occurrence === 'first') break;
    if (m[0].length === 0) re.lastIndex++;
  }
  return end;
}

function skipLeading(text: string, skip: string): string {
  let i = 0;
  while (i < text.length && (/\s/.test(text[i]!) || skip.includes(text[i]!))) i++;
  return text.slice(i);
}

export function parseRatingSpec(text: string, spec: RatingSpec): SpecParse {
  const start = markerEnd(text, spec);
  if (start < 0) return { ok: false, reason: `no rating (no "${spec.marker}")` };
  let raw: string;
  if (spec.close !== undefined) {
    const end = text.indexOf(spec.close, start);
    if (end < 0) return { ok: false, reason: `rating not closed ("${spec.marker}" without "${spec.close}")` };
    raw = skipLeading(text.slice(start, end), spec.skip).trimEnd();
    if (!DECIMAL.test(raw))
      return { ok: false, reason: `rating is not a number: ${JSON.stringify(clip(raw))}` };
  } else {
    const rest = skipLeading(text.slice(start), spec.skip);
    const m = LEADING_DECIMAL.exec(rest);
    if (!m || WORD_CHAR.test(rest.slice(m[0].length))) {
      return { ok: false, reason: `rating is not a number: ${JSON.stringify(clip(rest.split('\n')[0]!))}` };
    }
    raw = m[0];
  }
  const { min, max, integer } = spec.scale;
  if (integer && !WHOLE.test(raw)) return { ok: false, reason: `rating ${raw} is not a whole number` };
  const rating = Number(raw);
  if (!(rating >= min && rating <= max))
    return { ok: false, reason: `rating ${raw} is outside ${min}..${max}` };
  return { ok: true, rating };
}

export function parseVerdictSpec(answer: string, spec: VerdictSpec): SpecParse {
  const text = spec.firstLine ? answer.split('\n')[0]! : answer;
  const where = spec.firstLine ? ' in the first line' : '';
  const fold = (s: string) => (spec.foldCase ? s.toLowerCase() : s);
  const choices = [...spec.choices]
    .map((c) => ({ text: fold(c.text), verdict: c.verdict }))
    .sort((a, b) => b.text.length - a.text.length);
  const bounded = (rest: string, choice: string) =>
    !spec.wordBoundary || !WORD_CHAR.test(rest.slice(choice.length));

  if (spec.marker === '' && spec.pattern === undefined) {
    // the verdict is a choice standing anywhere: the first or last one in the text
    const haystack = fold(text);
    let best: { at: number; verdict: Verdict } | undefined;
    const named = new Map<Verdict, string>();
    for (const c of choices) {
      let at = spec.occurrence === 'last' ? haystack.lastIndexOf(c.text) : haystack.indexOf(c.text);
      while (at >= 0 && !bounded(haystack.slice(at), c.text)) {
        at =
          spec.occurrence === 'last'
            ? at === 0
              ? -1
              : haystack.lastIndexOf(c.text, at - 1)
            : haystack.indexOf(c.text, at + 1);
      }
      if (at < 0) continue;
      if (!named.has(c.verdict)) named.set(c.verdict, c.text);
      if (!best || (spec.occurrence === 'last' ? at > best.at : at < best.at))
        best = { at, verdict: c.verdict };
    }
    if (spec.unique && named.size > 1) {
      const both = [...named.values()].map((t) => `"${t}"`).join(' and ');
      return { ok: false, reason: `ambiguous decision (${both}${where})` };
    }
    if (best) return { ok: true, verdict: best.verdict };
    return {
      ok: false,
      reason: `no decision (none of ${spec.choices.map((c) => `"${c.text}"`).join(', ')}${where})`,
    };
  }

  const start = markerEnd(text, spec);
  if (start < 0) return { ok: false, reason: `no decision (no "${spec.marker}")` };
  const rest = fold(skipLeading(text.slice(start), spec.skip));
  if (spec.echo && cachedRegex(spec.echo.pattern, '').test(rest)) {
    return { ok: false, reason: `decision echoes the instruction ("${spec.echo.label}")` };
  }
  for (const c of choices) {
    if (rest.startsWith(c.text) && bounded(rest, c.text)) return { ok: true, verdict: c.verdict };
  }
  return { ok: false, reason: `unknown decision: ${JSON.stringify(clip(rest))}` };
}

export function parseLabelSpec(text: string, spec: LabelSpec): SpecParse {
  const answer = text.trim();
  if (spec.labels.includes(answer)) return { ok: true, label: answer };
  if (answer === '') return { ok: false, reason: 'empty answer (no label)' };
  return { ok: false, reason: `not a known label: ${JSON.stringify(clip(answer))}` };
}

export function parseWithSpec(text: string, spec: ParserSpec): SpecParse {
  if (spec.kind === 'label') return parseLabelSpec(text, spec);
  return spec.kind === 'rating' ? parseRatingSpec(text, spec) : parseVerdictSpec(text, spec);
}

/** A completion as the runner needs it. Never throws. */
export function parseCompletionWithSpec(completion: Completion, spec: ParserSpec): ParsedCompletion {
  try {
    const text = typeof completion?.text === 'string' ? completion.text : '';
    const r = parseWithSpec(text, spec);
    if (r.ok) {
      if ('rating' in r) return { kind: 'ok', rating: r.rating };
      return 'verdict' in r ? { kind: 'ok', verdict: r.verdict } : { kind: 'ok', label: r.label };
    }
    return { kind: 'unparsed', reason: completion?.finishReason === 'length' ? CUT_OFF_REASON : r.reason };
  } catch (e) {
    return { kind: 'unparsed', reason: `parser error: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function clip(s: string, n = 40): string {
  return s.length <= n ? s : `${s.slice(0, n)}…`;
}
