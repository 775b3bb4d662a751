import type { ExpectedRatingOutcome, JudgeInfo, Truncation, Verdict } from '../core/types.js';
import type { Completion, ParsedCompletion, PreparedRequest, TokenSource } from '../judge/judge.js';

/** Only completions the server actually returned are stored; errors never are. */
export type ParseStatus = 'ok' | 'unparsed';

/**
 * One stored judgment: what the server said (raw text, finish reason, tokens), what the
 * parser made of it, and who/where/when. Missing values are `null`, never 0 or NaN.
 */
export interface StoredJudgment {
  /** sha256 hex of judge model, template version, full prompt and sampling (from the judge) */
  readonly key: string;
  /** judge profile name: `autoj`, `autoj-bilingual`, ... */
  readonly judge: string;
  /** served model id */
  readonly model: string;
  readonly templateVersion: string;
  readonly protocol: 'single' | 'pairwise';
  /**
   * the raw completion text, kept so a newer parser can be applied later; one longer than
   * MAX_STORED_TEXT_CHARS is kept capped (see `capText`), `textOriginalChars` says so
   */
  readonly text: string;
  /** the length of the completion as the server returned it, when `text` is capped; else null */
  readonly textOriginalChars: number | null;
  readonly status: ParseStatus;
  /** the rating of a parsed single-protocol judgment */
  readonly rating: number | null;
  /** the verdict of a parsed pairwise judgment */
  readonly verdict: Verdict | null;
  /** the label of a parsed judgment of a label judge (the scenario classifier); absent otherwise */
  readonly label?: string;
  /**
   * the expected rating from the judge's logprobs, for a judge that asked for them;
   * absent: not asked (a judgment stored before they were, a judge that does not rate)
   */
  readonly expected?: ExpectedRatingOutcome;
  /** why the parser gave up (status `unparsed` only) */
  readonly unparsedReason: string | null;
  /** `stop`, `length`, ... as the server said */
  readonly finishReason: string | null;
  /** set when the response(s) were cut to fit the context window */
  readonly truncation: Truncation | null;
  readonly promptTokens: number | null;
  readonly completionTokens: number | null;
  /** where the token counts come from (the server, or the judge's tokenizer); null without counts */
  readonly tokenSource: TokenSource | null;
  readonly latencyMs: number | null;
  /** the endpoint that answered, without credentials, query or fragment */
  readonly endpoint: string | null;
  /** ISO 8601 */
  readonly createdAt: string;
}

/** What `put` accepts: a full record. `judgmentRecord` builds one from a judge's pieces. */
export type JudgmentRecord = StoredJudgment;

/**
 * What a run needs of a stored judgment to skip its request and count it: the parsed
 * outcome without raw text, tokens or provenance (judge, model and template are part of
 * the key anyway). Reading only these keeps a lookup of a whole run's keys fast.
 */
export type StoredOutcome = Pick<
  StoredJudgment,
  | 'key'
  | 'status'
  | 'rating'
  | 'verdict'
  | 'label'
  | 'expected'
  | 'unparsedReason'
  | 'finishReason'
  | 'truncation'
>;

/** A judgment used by a subject of a suite: ('alpacaeval', model id), ('pairwise', 'pair 17 swapped'). */
export interface Usage {
  readonly key: string;
  readonly suite: string;
  readonly subject: string;
}

/** A row of the task index: under a judge's request identity, a task's digest -> its judgment's key. */
export interface TaskIndexEntry {
  readonly identity: string;
  readonly digest: string;
  readonly key: string;
}

/** The result of applying a parser to stored raw text (see `JudgmentStore.reparse`). */
export type Reparsed =
  | {
      readonly status: 'ok';
      readonly rating?: number | null;
      readonly verdict?: Verdict | null;
      readonly label?: string | null;
    }
  | { readonly status: 'unparsed'; readonly reason: string };

/**
 * The longest raw completion stored, in UTF-16 units: 4,096 tokens x 16 characters, the
 * most a 4,096-token Llama-2 context can generate (its longest pieces, runs of spaces or
 * `-`, are 16 characters), so no answer of Auto-J is ever capped (its critiques run ~4
 * characters a token, a few thousand characters at max_tokens 1,024). A longer answer
 * comes from a server that did not honour max_tokens (60 MB ones were seen): it is kept
 * capped, as the store would otherwise grow without bound, and so would a page showing it.
 */
export const MAX_STORED_TEXT_CHARS = 65_536;

/** What a capped text keeps of its beginning; the rest of the cap goes to its end. */
const CAPPED_HEAD_CHARS = MAX_STORED_TEXT_CHARS / 4;

/**
 * A text of at most MAX_STORED_TEXT_CHARS as it is; a longer one as its beginning and its
 * end (three quarters of the cap: Auto-J's verdict is at the end, and parsers take the
 * last marker) around a line that says how much was cut. Never splits a surrogate pair.
 */
export function capText(text: string): { readonly text: string; readonly originalChars: number | null } {
  if (text.length <= MAX_STORED_TEXT_CHARS) return { text, originalChars: null };
  // neither end of the cut may fall inside a surrogate pair
  const head = text.slice(0, CAPPED_HEAD_CHARS).replace(/[\uD800-\uDBFF]$/, '');
  const tail = text.slice(head.length - MAX_STORED_TEXT_CHARS).replace(/^[\uDC00-\uDFFF]/, '');
  const removed = text.length - head.length - tail.length;
  return {
    text: `${head}\n[autoj-bench: ${removed} characters of this answer cut here]\n${tail}`,
    originalChars: text.length,
  };
}

/**
 * Builds the record for a completion the server returned and the judge parsed (from the
 * whole text: the stored one may be capped, see `capText`). `parsed` may only be `ok` or
 * `unparsed`: an error is not a judgment and is never stored.
 */
export function judgmentRecord(input: {
  readonly judge: JudgeInfo;
  /** what the record needs of the request: its key, the model name sent, the cut */
  readonly request: Pick<PreparedRequest, 'key' | 'model' | 'truncation'>;
  readonly completion: Completion;
  readonly parsed: ParsedCompletion;
  /** null: not known (an answer from a batch engine's output file) */
  readonly latencyMs: number | null;
  readonly endpoint: string;
  readonly createdAt: Date;
}): JudgmentRecord {
  const { judge, request, completion, parsed } = input;
  const kind: string = parsed.kind;
  if (kind !== 'ok' && kind !== 'unparsed') {
    throw new TypeError(`judgment ${request.key}: only ok/unparsed completions are stored, not '${kind}'`);
  }
  const stored = capText(completion.text);
  const hasCounts = completion.promptTokens !== undefined || completion.completionTokens !== undefined;
  return {
    key: request.key,
    judge: judge.name,
    model: request.model,
    templateVersion: judge.templateVersion,
    protocol: judge.protocol,
    text: stored.text,
    textOriginalChars: stored.originalChars,
    status: parsed.kind,
    rating: parsed.kind === 'ok' ? (parsed.rating ?? null) : null,
    verdict: parsed.kind === 'ok' ? (parsed.verdict ?? null) : null,
    ...(parsed.kind === 'ok' && parsed.label !== undefined ? { label: parsed.label } : {}),
    ...(parsed.kind === 'ok' && parsed.expected !== undefined ? { expected: parsed.expected } : {}),
    unparsedReason: parsed.kind === 'unparsed' ? parsed.reason : null,
    finishReason: completion.finishReason,
    truncation: request.truncation ?? null,
    promptTokens: completion.promptTokens ?? null,
    completionTokens: completion.completionTokens ?? null,
    tokenSource: hasCounts ? (completion.tokenSource ?? 'server') : null,
    latencyMs: input.latencyMs,
    endpoint: publicEndpoint(input.endpoint),
    createdAt: input.createdAt.toISOString(),
  };
}

/** The stored judgment as the rest of the flow sees it (aggregation, results). */
export function storedJudgment(stored: StoredOutcome): ParsedCompletion {
  const truncated = stored.truncation !== null;
  if (stored.status === 'unparsed') {
    return { kind: 'unparsed', reason: stored.unparsedReason ?? 'unparsed', truncated, key: stored.key };
  }
  return {
    kind: 'ok',
    ...(stored.rating !== null ? { rating: stored.rating } : {}),
    ...(stored.verdict !== null ? { verdict: stored.verdict } : {}),
    ...(stored.label !== undefined ? { label: stored.label } : {}),
    ...(stored.expected !== undefined ? { expected: stored.expected } : {}),
    truncated,
    key: stored.key,
  };
}

/** How the store writes an expected rating: its status column (null: none asked). */
export function expectedStatus(expected: ExpectedRatingOutcome | undefined): string | null {
  if (expected === undefined) return null;
  if (expected.value === null) return 'missing';
  return expected.approximated ? 'approximated' : 'exact';
}

/** The expected rating back from its two columns; undefined for a judgment stored without. */
export function expectedFromColumns(value: unknown, status: unknown): ExpectedRatingOutcome | undefined {
  if (status === 'exact' || status === 'approximated')
    return { value: typeof value === 'number' ? value : null, approximated: status === 'approximated' };
  if (status === 'missing') return { value: null, approximated: false };
  return undefined;
}

/**
 * The endpoint URL as it may be written down: user name, password, query and fragment
 * removed (a key can hide in any of them). Something that is not a URL keeps only what
 * follows an `@`.
 */
export function publicEndpoint(endpoint: string): string {
  const url = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
  // `user:pass@host` parses as a URL of scheme `user:`: only a URL with a host is one here.
  if (url && url.host !== '') {
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.toString();
  }
  const at = endpoint.lastIndexOf('@');
  return (at >= 0 ? endpoint.slice(at + 1) : endpoint).replace(/[?#].*$/s, '');
}

const VERDICTS: ReadonlySet<string> = new Set(['first', 'second', 'tie']);
const TOKEN_SOURCES: ReadonlySet<string> = new Set<TokenSource>(['server', 'counted', 'estimated']);

/** Checks a record before it is written; throws a TypeError naming the key and the field. */
export function validateRecord(r: JudgmentRecord): void {
  const fail = (problem: string): never => {
    throw new TypeError(`judgment ${String(r.key)}: ${problem}`);
  };
  if (typeof r.key !== 'string' || r.key.length === 0) fail('empty key');
  const status: string = r.status;
  if (status !== 'ok' && status !== 'unparsed') {
    fail(`status '${status}' cannot be stored (only ok/unparsed; errors are never stored)`);
  }
  if (typeof r.text !== 'string') fail('no raw completion text');
  if (r.textOriginalChars !== null) {
    if (!(Number.isSafeInteger(r.textOriginalChars) && r.textOriginalChars > MAX_STORED_TEXT_CHARS))
      fail(`textOriginalChars ${r.textOriginalChars} is not the length of a capped text`);
  } else if (r.text.length > MAX_STORED_TEXT_CHARS) {
    fail(`a text of ${r.text.length} characters is stored capped (see capText)`);
  }
  if (r.protocol !== 'single' && r.protocol !== 'pairwise') fail(`unknown protocol '${String(r.protocol)}'`);
  if (r.rating !== null && !Number.isFinite(r.rating)) fail(`rating ${r.rating} is not a finite number`);
  if (r.verdict !== null && !VERDICTS.has(r.verdict)) fail(`unknown verdict '${String(r.verdict)}'`);
  if (r.label !== undefined && (typeof r.label !== 'string' || r.label === ''))
    fail(`label ${JSON.stringify(r.label)} is not a name`);
  if (r.expected !== undefined) {
    const { value, approximated } = r.expected;
    if (value !== null && !Number.isFinite(value)) fail(`expected rating ${value} is not a finite number`);
    if (typeof approximated !== 'boolean') fail('expected rating without its approximated flag');
    if (r.status !== 'ok' || r.rating === null) fail('an expected rating goes with a parsed rating');
  }
  if (r.status === 'unparsed' && (r.rating !== null || r.verdict !== null || r.label !== undefined)) {
    fail('an unparsed judgment has no rating or verdict (or label)');
  }
  if (r.status === 'ok' && r.rating === null && r.verdict === null && r.label === undefined)
    fail('a parsed judgment needs a rating or a verdict (or a label)');
  if (Number.isNaN(Date.parse(r.createdAt))) fail(`createdAt '${r.createdAt}' is not a date`);
  for (const [name, value] of [
    ['promptTokens', r.promptTokens],
    ['completionTokens', r.completionTokens],
    ['latencyMs', r.latencyMs],
  ] as const) {
    if (value !== null && !(Number.isFinite(value) && value >= 0)) fail(`${name} ${value} is not a count`);
  }
  const hasCounts = r.promptTokens !== null || r.completionTokens !== null;
  if (r.tokenSource !== null && !TOKEN_SOURCES.has(r.tokenSource))
    fail(`unknown tokenSource '${String(r.tokenSource)}'`);
  if (hasCounts !== (r.tokenSource !== null)) fail('token counts and their tokenSource go together');
}
