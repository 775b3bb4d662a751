import type { JudgeInfo, JudgeTask } from '../../core/types.js';
import { fitPrompt, templateTokens } from '../autoj/fit.js';
import { autojTokenCounter, bilingualEstimateCounter, type TokenCounter } from '../autoj/tokens.js';
import type {
  ChatMessage,
  Completion,
  ParsedCompletion,
  PreparedRequest,
  RemoteJudge,
  TokenCounts,
} from '../judge.js';
import { canonicalJson, judgmentKey, sha256Hex, templateVersion, type OpenSampling } from '../key.js';
import { expectedRating } from './expected-rating.js';
import { parseCompletionWithSpec } from './parse.js';
import type { JudgeProfile, Protocol, TemplateVariant, TokenizerSpec } from './profile.js';
import { bindSlots, fillSlots, planSlots, planText, type SlotPlan } from './template.js';

/**
 * One generative judge for any profile: fills the profile's template, fits it into the
 * context (autoj/fit.ts: the judged texts are cut, never the template), keys it, sends it
 * as a raw prompt or as chat messages, and reads the answer by the profile's parser spec.
 * For the Auto-J profiles it builds exactly the prompts, template versions and keys of
 * the Auto-J judge the harness had before profiles (kept frozen as a reference in
 * test/judge/autoj-reference/, compared in test/judge/generative-identity.test.ts), so
 * stored judgments stay valid.
 */

/**
 * Tokens kept free besides the prompt and `max_tokens`, for differences between the
 * counter and the server's tokenizer (the Llama-2 count is exact; the margin covers the
 * server's own quirks, e.g. a newer tokenizer version).
 */
export const DEFAULT_SAFETY_MARGIN = 16;

/**
 * The version of how a task becomes a prompt (slots filled, fitPrompt's cutting policy),
 * part of `requestIdentity`: change it with either, so that the store's task index is not
 * trusted for requests this code would now prepare differently.
 */
const FIT_VERSION = 'fit-v1';

export interface GenerativeJudgeOptions {
  /** `single` (default) or `pairwise` */
  readonly protocol?: Protocol;
  /** default: the profile's first language */
  readonly language?: string;
  /**
   * The judge model's identity, for a profile that leaves it open (`model: null`): the one
   * model /v1/models lists, or the one the user names (see `resolveJudgeModel`).
   */
  readonly model?: string;
  /** the model name the server answers to (vLLM `--served-model-name`); default the model */
  readonly servedModelName?: string;
  /** the served context length (`max_model_len` from /v1/models); default the profile's */
  readonly maxModelLen?: number;
  /** `max_tokens` to generate; default the profile's */
  readonly maxTokens?: number;
  /** default: by the profile's tokenizer (exact Llama-2, or the declared estimate) */
  readonly tokenCounter?: TokenCounter;
  /** tokens kept free besides prompt and max_tokens; default 16 */
  readonly safetyMargin?: number;
  /**
   * alternatives per token to ask for, for the expected rating (rating templates only);
   * default the profile's `top_logprobs`, 0: none
   */
  readonly topLogprobs?: number;
}

export interface GenerativeJudge extends RemoteJudge {
  readonly profile: JudgeProfile;
  readonly protocol: Protocol;
  readonly language: string;
  readonly variant: TemplateVariant;
  /** the model's identity, as keys use it */
  readonly model: string;
  readonly tokenCounter: TokenCounter;
  readonly maxModelLen: number;
  /** the largest prompt (in counted tokens) a request may carry */
  readonly promptTokenLimit: number;
}

/** The counter a tokenizer spec names. */
export function profileTokenCounter(spec: TokenizerSpec): TokenCounter {
  // the same counters the Auto-J judge always used, so that prompts fit as they did
  return spec.kind === 'llama2' ? autojTokenCounter() : bilingualEstimateCounter();
}

export function createGenerativeJudge(
  profile: JudgeProfile,
  options: GenerativeJudgeOptions = {},
): GenerativeJudge {
  const protocol: Protocol = options.protocol ?? 'single';
  if (protocol !== 'single' && protocol !== 'pairwise')
    throw new Error(`unknown protocol "${String(protocol)}"`);
  const byLanguage = profile.protocols[protocol];
  if (!byLanguage) throw new Error(`judge ${profile.name} has no ${protocol} protocol`);
  const language = options.language ?? profile.languages[0]!;
  const variant: TemplateVariant | undefined = byLanguage[language];
  if (!variant) {
    throw new Error(
      `judge ${profile.name} has no "${language}" templates (it has: ${profile.languages.join(', ')})`,
    );
  }

  const model = judgeModel(profile, options.model);
  const servedModelName = options.servedModelName ?? model;
  if (servedModelName.trim() === '') throw new Error('servedModelName must not be empty');
  const contextLength = options.maxModelLen ?? profile.contextLength;
  if (contextLength === null) {
    throw new Error(
      `judge ${profile.name} takes the served model's context length: give it (max_model_len from /v1/models)`,
    );
  }
  const maxModelLen = positiveInteger('maxModelLen', contextLength);
  const maxTokens = positiveInteger('maxTokens', options.maxTokens ?? profile.sampling.max_tokens);
  const margin = nonNegativeInteger('safetyMargin', options.safetyMargin ?? DEFAULT_SAFETY_MARGIN);
  const sampling: OpenSampling = Object.freeze({ ...profile.sampling, max_tokens: maxTokens });
  const counter = options.tokenCounter ?? profileTokenCounter(profile.tokenizer);

  const shape = compileVariant(profile, variant);
  const roles = variant.slots;
  // The texts fitted into the context, in this order: the critiqued response (a template
  // comparing two critiques of it), then the response(s); a label template (a classifier
  // of the instruction) may have none.
  const order = [
    ...(roles.critiqued_response === undefined ? [] : [roles.critiqued_response]),
    ...(roles.response === undefined ? [] : [roles.response]),
    ...(roles.response_another === undefined ? [] : [roles.response_another]),
  ];
  const values = (instruction: string, texts: readonly string[]): Record<string, string> => {
    const v: Record<string, string> = { [roles.instruction!]: instruction };
    order.forEach((slot, i) => (v[slot] = texts[i] ?? ''));
    return v;
  };
  const build = (instruction: string, texts: readonly string[]) => shape.build(values(instruction, texts));
  const critiques = roles.critiqued_response !== undefined;
  // Only a rating has an expected value; a verdict's or a label's logprobs go unread.
  const ratingParser = variant.parser.kind === 'rating' ? variant.parser : undefined;
  const topLogprobs = ratingParser ? (options.topLogprobs ?? profile.topLogprobs ?? 0) : 0;
  if (!Number.isInteger(topLogprobs) || topLogprobs < 0)
    throw new Error(`topLogprobs must be a non-negative integer, got ${topLogprobs}`);

  const responseCount = Math.max(order.length, 1);
  const promptTokenLimit = maxModelLen - maxTokens - margin;
  const bare = templateTokens(build, responseCount, counter);
  if (bare > promptTokenLimit) {
    throw new Error(
      `${profile.name}: the ${variant.id} template alone needs ${bare} prompt tokens, but a ` +
        `${maxModelLen}-token context with max_tokens ${maxTokens} (+${margin} margin) leaves ${promptTokenLimit}`,
    );
  }

  const info: JudgeInfo = Object.freeze({
    name: profile.name,
    model: servedModelName,
    protocol,
    templateVersion: shape.version,
    sampling,
    ...(variant.parser.kind === 'rating'
      ? { scale: { min: variant.parser.scale.min, max: variant.parser.scale.max } }
      : {}),
    description: `${profile.description}; ${variant.id} template (${language}), ${protocol} protocol`,
  });

  return {
    mode: 'remote',
    info,
    ...(topLogprobs > 0 ? { topLogprobs } : {}),
    profile,
    protocol,
    language,
    variant,
    model,
    tokenCounter: counter,
    maxModelLen,
    promptTokenLimit,
    requestIdentity: sha256Hex(
      canonicalJson({
        fit: FIT_VERSION,
        model,
        servedModelName,
        templateVersion: shape.version,
        protocol,
        chat: shape.chat,
        critiques,
        sampling,
        promptTokenLimit,
        counter: counter.name,
      }),
    ),

    prepare(task: JudgeTask): PreparedRequest {
      if (task.protocol !== protocol)
        throw new Error(`a ${protocol} ${profile.name} judge was given a ${task.protocol} task`);
      if (task.protocol === 'pairwise' && critiques !== (task.critiqued !== undefined)) {
        throw new Error(
          critiques
            ? `judge ${profile.name} compares two critiques of a response: the task has no critiqued response`
            : `judge ${profile.name} compares two responses: it has no slot for a critiqued response`,
        );
      }
      // A null (missing) response goes as an empty one; the caller decides whether to skip it.
      const texts =
        task.protocol === 'single'
          ? [task.response ?? '']
          : [...(task.critiqued === undefined ? [] : [task.critiqued]), task.first, task.second];
      const fitted = fitPrompt({
        build,
        instruction: task.instruction,
        responses: order.length === 0 ? [''] : texts,
        limit: promptTokenLimit,
        counter,
      });
      const key = judgmentKey({ model, templateVersion: shape.version, prompt: fitted.prompt, sampling });
      return {
        key,
        model: servedModelName,
        prompt: fitted.prompt,
        ...(shape.chat ? { messages: chatMessages(fitted.prompt) } : {}),
        sampling,
        ...(topLogprobs > 0 ? { topLogprobs } : {}),
        ...(fitted.truncation ? { truncation: fitted.truncation } : {}),
      };
    },

    parse(completion: Completion, task: JudgeTask): ParsedCompletion {
      if (task?.protocol !== protocol) {
        return {
          kind: 'unparsed',
          reason: `a ${protocol} judge cannot parse a ${String(task?.protocol)} task`,
        };
      }
      const parsed = parseCompletionWithSpec(completion, variant.parser);
      if (topLogprobs === 0 || !ratingParser || parsed.kind !== 'ok') return parsed;
      // what the server's logprobs say at the rating position; none sent: value null
      const e = expectedRating(completion.logprobs, ratingParser);
      return { ...parsed, expected: { value: e.value, approximated: e.approximated } };
    },

    // Counts for prompts sent with others (usage is per request). Not for chat requests:
    // the server wraps their messages in a chat template this judge does not know.
    ...(shape.chat
      ? {}
      : {
          countTokens: tokenCounting(
            counter,
            options.tokenCounter || profile.tokenizer.kind === 'llama2' ? 'counted' : 'estimated',
          ),
        }),
  };
}

/**
 * The judge model a run uses: the profile's, or for an open profile the one asked for,
 * else the only one the server lists. `listed` are the ids of /v1/models.
 */
export function resolveJudgeModel(
  profile: JudgeProfile,
  listed: readonly string[],
  requested?: string,
): string {
  if (profile.model !== null) return judgeModel(profile, requested);
  if (requested !== undefined) return requested;
  if (listed.length === 1) return listed[0]!;
  const ids = listed.length === 0 ? 'none' : listed.map((m) => `"${m}"`).join(', ');
  throw new Error(
    `judge ${profile.name} leaves the model open and the server lists ${ids}: name the model to use`,
  );
}

function judgeModel(profile: JudgeProfile, requested: string | undefined): string {
  if (profile.model === null) {
    if (requested === undefined || requested.trim() === '') {
      throw new Error(
        `judge ${profile.name} leaves the model open: name the model (the one /v1/models lists)`,
      );
    }
    return requested;
  }
  if (requested !== undefined && requested !== profile.model) {
    throw new Error(
      `judge ${profile.name} is the model ${profile.model}, not ${requested} (the server's name for it is the served model name)`,
    );
  }
  return profile.model;
}

/**
 * A judge's `countTokens` by its counter, as vLLM counts a raw-prompt request: the prompt
 * with its BOS token; the generated tokens, which are the text's (without a BOS) and the
 * end-of-sequence token that a finished (`stop`) generation ends with.
 */
function tokenCounting(
  counter: TokenCounter,
  tokenSource: TokenCounts['tokenSource'],
): (request: PreparedRequest, completion: Completion) => TokenCounts {
  return (request, completion) => ({
    promptTokens: counter.count(request.prompt),
    completionTokens:
      Math.max(0, counter.count(completion.text) - 1) + (completion.finishReason === 'stop' ? 1 : 0),
    tokenSource,
  });
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got ${value}`);
  return value;
}

interface CompiledVariant {
  /** the template's identity text hashed: first 16 hex of sha256 */
  readonly version: string;
  readonly chat: boolean;
  /** the prompt, or for chat the canonical JSON of the messages */
  build(values: Readonly<Record<string, string>>): string;
}

function compileVariant(profile: JudgeProfile, variant: TemplateVariant): CompiledVariant {
  const constants: Record<string, string> = {};
  for (const [slot, text] of Object.entries(variant.constants)) constants[slot] = text.text;
  const plan = (text: string): SlotPlan => bindSlots(planSlots(text), constants);
  if (profile.endpoint.kind === 'completions') {
    const [before, after] = profile.endpoint.wrapper.split('{input}') as [string, string];
    // the wrapped text with its slots, as Auto-J's compileTemplate hashes it
    const wrapped = plan(before + variant.template.text + after);
    return {
      version: templateVersion(planText(wrapped)),
      chat: false,
      build: (values) => fillSlots(wrapped, values),
    };
  }
  const system = variant.system ? plan(variant.system.text) : undefined;
  const user = plan(variant.template.text);
  // plain records (not ChatMessage) so that they are JSON values for canonicalJson
  const messages = (content: (p: SlotPlan) => string): { readonly [field: string]: string }[] => [
    ...(system ? [{ role: 'system', content: content(system) }] : []),
    { role: 'user', content: content(user) },
  ];
  return {
    version: templateVersion(canonicalJson(messages(planText))),
    chat: true,
    build: (values) => canonicalJson(messages((p) => fillSlots(p, values))),
  };
}

/** The messages back from their canonical JSON (`prompt` of a chat request). */
function chatMessages(prompt: string): ChatMessage[] {
  return (JSON.parse(prompt) as ChatMessage[]).map((m) => ({ role: m.role, content: m.content }));
}
