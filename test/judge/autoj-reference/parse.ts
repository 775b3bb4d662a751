import type { Verdict } from '../../../harness/core/types.js';
import type { Completion, ParsedCompletion } from '../../../harness/judge/judge.js';
import type { AutojTemplateSet } from './profiles.js';

/**
 * Reading Auto-J's answers: pure functions that never throw.
 *
 * As the authors (`extract_single_rating`, `extract_pariwise_result` in
 * codes/usage/example.py and bilingual_example.py), but stricter: the authors turn a
 * missing rating into 0.0 and crash on a non-numeric one; here both are `unparsed` with a
 * reason, counted and reported, never a score.
 *
 * - single: the text between the LAST rating marker (`Rating: [[`; in Chinese `评分: [[`
 *   and the forms the authors' parser accepts, see profiles.ts) and the next `]]`,
 *   trimmed, must be a plain decimal number (`7`, `6.5`, `7.`) in 1..10. The authors parse it
 *   with Python's `float`, so decimals are accepted; exotic float forms (`1e1`, `nan`,
 *   `inf`, `7_0`) are not.
 * - pairwise: the text after the LAST `final decision is ` (or `final decision is:`;
 *   Chinese `最终决定是`), trimmed and lower-cased, must start with `response 1` /
 *   `response 2` / `tie` (`回应1` / `回应2` / `平局`). Leading quotes, asterisks and
 *   colons are skipped (`is "Response 1"`, `is **Response 2**`, `is: Tie`); an echo of
 *   the instruction's `Response 1 / Response 2 / Tie` is not a decision.
 * - a generation cut off by `max_tokens` (`finish_reason: length`) with no verdict is
 *   `cut off (finish_reason length)`; one that still holds a verdict keeps it.
 */

export const CUT_OFF_REASON = 'cut off (finish_reason length)';

export const MIN_RATING = 1;
export const MAX_RATING = 10;

export type RatingParse =
  { readonly ok: true; readonly rating: number } | { readonly ok: false; readonly reason: string };
export type VerdictParse =
  { readonly ok: true; readonly verdict: Verdict } | { readonly ok: false; readonly reason: string };

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

function lastMatch(text: string, pattern: RegExp): { index: number; length: number } | null {
  let last: { index: number; length: number } | null = null;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    last = { index: m.index, length: m[0].length };
    if (m[0].length === 0) pattern.lastIndex++;
  }
  return last;
}

const patternCache = new Map<string, RegExp>();
function globalPattern(source: string): RegExp {
  let re = patternCache.get(source);
  if (!re) {
    re = new RegExp(source, 'g');
    patternCache.set(source, re);
  }
  return re;
}

/** The rating after the last rating marker of `templates` (English `Rating: [[`). */
export function parseRating(
  text: string,
  templates: Pick<AutojTemplateSet, 'ratingPattern' | 'ratingMarker'>,
): RatingParse {
  const marker = lastMatch(text, globalPattern(templates.ratingPattern));
  if (!marker) return { ok: false, reason: `no rating (no "${templates.ratingMarker}")` };
  const start = marker.index + marker.length;
  const end = text.indexOf(']]', start);
  if (end < 0) return { ok: false, reason: `rating not closed ("${templates.ratingMarker}" without "]]")` };
  const raw = text.slice(start, end).trim();
  if (!DECIMAL.test(raw))
    return { ok: false, reason: `rating is not a number: ${JSON.stringify(clip(raw))}` };
  const rating = Number(raw);
  if (!(rating >= MIN_RATING && rating <= MAX_RATING)) {
    return { ok: false, reason: `rating ${raw} is outside ${MIN_RATING}..${MAX_RATING}` };
  }
  return { ok: true, rating };
}

const SEPARATOR = /^[\s:：]$/;
const LEADING_NOISE = /^[\s"'“”‘’`*:：_]+/;
const ECHO = /^response 1\s*\/\s*response 2/;
const ZH_ECHO = /^回应1\s*\/\s*回应2/;

/** The verdict after the last decision marker of `templates` (English `final decision is `). */
export function parseVerdict(
  text: string,
  templates: Pick<AutojTemplateSet, 'decisionMarker' | 'verdicts' | 'language'>,
): VerdictParse {
  // `final decision is ` also matches `final decision is:` (the separator may be a colon)
  const marker = templates.decisionMarker.trimEnd();
  const needsSeparator = marker.length < templates.decisionMarker.length;
  let pos = text.lastIndexOf(marker);
  while (pos >= 0 && needsSeparator && !SEPARATOR.test(text.charAt(pos + marker.length))) {
    pos = pos === 0 ? -1 : text.lastIndexOf(marker, pos - 1);
  }
  if (pos < 0) return { ok: false, reason: `no decision (no "${marker}")` };
  let rest = text.slice(pos + marker.length).replace(LEADING_NOISE, '');
  if (templates.language === 'en') rest = rest.toLowerCase();
  if ((templates.language === 'en' ? ECHO : ZH_ECHO).test(rest)) {
    return { ok: false, reason: 'decision echoes the instruction ("Response 1 / Response 2 / Tie")' };
  }
  const { first, second, tie } = templates.verdicts;
  if (rest.startsWith(first)) return { ok: true, verdict: 'first' };
  if (rest.startsWith(second)) return { ok: true, verdict: 'second' };
  if (rest.startsWith(tie)) return { ok: true, verdict: 'tie' };
  return { ok: false, reason: `unknown decision: ${JSON.stringify(clip(rest))}` };
}

/** A completion of the given protocol, as the runner needs it. Never throws. */
export function parseCompletion(
  completion: Completion,
  protocol: 'single' | 'pairwise',
  templates: AutojTemplateSet,
): ParsedCompletion {
  try {
    const text = typeof completion.text === 'string' ? completion.text : '';
    const cutOff = completion.finishReason === 'length';
    if (protocol === 'single') {
      const r = parseRating(text, templates);
      if (r.ok) return { kind: 'ok', rating: r.rating };
      return { kind: 'unparsed', reason: cutOff ? CUT_OFF_REASON : r.reason };
    }
    const v = parseVerdict(text, templates);
    if (v.ok) return { kind: 'ok', verdict: v.verdict };
    return { kind: 'unparsed', reason: cutOff ? CUT_OFF_REASON : v.reason };
  } catch (e) {
    return { kind: 'unparsed', reason: `parser error: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function clip(s: string, n = 40): string {
  return s.length <= n ? s : `${s.slice(0, n)}…`;
}
