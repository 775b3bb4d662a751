import type { JudgeInfo, JudgeTask, Judgment, Sampling, Truncation } from '../core/types.js';

/**
 * A judge turns tasks into judgments. Two shapes go through the same runner:
 *
 * - `local`: an in-process baseline (response length). Answers synchronously, is cheap,
 *   and is never stored: recomputing is faster than looking up.
 * - `remote`: a model behind an OpenAI-compatible server (Auto-J on vLLM). The runner
 *   calls `prepare` to get the exact request and its store key, looks the key up in the
 *   store, sends only what is missing through a client, and hands the raw completion to
 *   `parse`. Parsing is pure and never throws, so stored raw text can be re-parsed later.
 */
export type Judge = LocalJudge | RemoteJudge;

export interface LocalJudge {
  readonly mode: 'local';
  readonly info: JudgeInfo;
  evaluate(task: JudgeTask): Judgment;
}

/** One message of a chat request (`/v1/chat/completions`). */
export interface ChatMessage {
  readonly role: 'system' | 'user';
  readonly content: string;
}

/** The exact request a remote judge sends; `key` identifies its answer in the store. */
export interface PreparedRequest {
  readonly key: string;
  readonly model: string;
  /**
   * The raw prompt for `/v1/completions`. For a chat request (`messages` set) it is the
   * canonical JSON of the messages: what the key hashes, and a stable sort order.
   */
  readonly prompt: string;
  /** set for judges served on the chat endpoint: the request goes as these messages */
  readonly messages?: readonly ChatMessage[];
  /** every field goes to the server (and into the key) */
  readonly sampling: Sampling;
  /**
   * set for a rating judge: the alternatives per generated token the server is asked to
   * return (completions `logprobs: k`; chat `logprobs: true, top_logprobs: k`), read for
   * the expected rating. Not part of the key: it does not change what the server generates.
   */
  readonly topLogprobs?: number;
  readonly truncation?: Truncation;
}

/**
 * Where a judgment's token counts come from: the server's `usage`, or the judge's own
 * tokenizer (`counted`; `estimated` when the judge only approximates its model's tokenizer).
 */
export type TokenSource = 'server' | 'counted' | 'estimated';

/** What a server said, before parsing. */
export interface Completion {
  readonly text: string;
  readonly finishReason: string | null;
  readonly promptTokens?: number;
  readonly completionTokens?: number;
  /** where the counts come from; default `server` when there are counts */
  readonly tokenSource?: TokenSource;
  /**
   * the choice's `logprobs` as the server sent it (unchecked), when the request asked for
   * them: read by the judge's parse for the expected rating, never stored
   */
  readonly logprobs?: unknown;
}

/** A prompt's and its completion's tokens, as the judge counts them. */
export interface TokenCounts {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly tokenSource: Exclude<TokenSource, 'server'>;
}

/** A parsed completion: `ok` with a rating or verdict, or `unparsed` with the reason. */
export type ParsedCompletion = Extract<Judgment, { kind: 'ok' | 'unparsed' }>;

export interface RemoteJudge {
  readonly mode: 'remote';
  readonly info: JudgeInfo;
  /** a rating judge's `topLogprobs` (PreparedRequest): its judgments carry an expected rating */
  readonly topLogprobs?: number;
  /** Builds the request; pure and deterministic (same task, same key). */
  prepare(task: JudgeTask): PreparedRequest;
  /**
   * A digest of everything besides the task that decides what `prepare` returns (model,
   * template, sampling, context fitting): two judges with the same identity prepare the
   * same request for the same task, so the store's task index (task digest -> key) holds
   * for it. A judge without one is looked up by key only.
   */
  readonly requestIdentity?: string;
  /** Never throws. */
  parse(completion: Completion, task: JudgeTask): ParsedCompletion;
  /**
   * Counts the tokens of a request and its completion with the judge's tokenizer, for an
   * answer without counts of its own (a prompt sent with others: vLLM reports usage per
   * request, not per prompt).
   */
  countTokens?(request: PreparedRequest, completion: Completion): TokenCounts;
}
