/**
 * The Auto-J judge as the harness had it before judge profiles (issue 10), frozen: an
 * independent implementation (its own templates, profiles and parser in this folder) that
 * the generic judge built from judges/autoj*.yaml is checked against, prompt for prompt,
 * key for key and parse for parse (test/judge/generative-identity.test.ts,
 * generative-parse.test.ts). Only the context fitting (fit.ts) and the token counters
 * (tokens.ts) are shared with the harness. Do not change it to follow the harness: a
 * difference is what the tests are there to find.
 */
import type { JudgeInfo, JudgeTask, Sampling } from '../../../harness/core/types.js';
import type {
  Completion,
  ParsedCompletion,
  PreparedRequest,
  RemoteJudge,
  TokenCounts,
} from '../../../harness/judge/judge.js';
import { judgmentKey } from '../../../harness/judge/key.js';
import { fitPrompt, templateTokens } from '../../../harness/judge/autoj/fit.js';
import { MAX_RATING, MIN_RATING, parseCompletion } from './parse.js';
import {
  type AutojLanguage,
  type AutojProfile,
  type AutojProfileName,
  type AutojProtocol,
  type AutojTemplateSet,
  AUTOJ_PROFILE_NAMES,
  autojProfiles,
  isAutojProfileName,
} from './profiles.js';
import { compileTemplate, type CompiledTemplate } from './templates.js';
import {
  autojTokenCounter,
  bilingualEstimateCounter,
  type TokenCounter,
} from '../../../harness/judge/autoj/tokens.js';

/**
 * Tokens kept free besides the prompt and `max_tokens`, for differences between the
 * counter and the server's tokenizer (the Llama-2 count is exact; the margin covers the
 * server's own quirks, e.g. a newer tokenizer version).
 */
export const DEFAULT_SAFETY_MARGIN = 16;

export interface AutojJudgeOptions {
  /** `autoj` (default) or `autoj-bilingual` */
  readonly profile?: AutojProfileName | string;
  /** `single` (default): rate one response 1-10; `pairwise`: compare two */
  readonly protocol?: AutojProtocol;
  /** template language, `en` (default); `zh` only for `autoj-bilingual` */
  readonly language?: AutojLanguage;
  /** the model name the server answers to (vLLM `--served-model-name`); default the profile's model */
  readonly servedModelName?: string;
  /** the served context length (`max_model_len` from /v1/models); default the profile's */
  readonly maxModelLen?: number;
  /** `max_tokens` to generate; default the profile's (1,024) */
  readonly maxTokens?: number;
  /** default: the exact Llama-2 count for `autoj`, a declared estimate for `autoj-bilingual` */
  readonly tokenCounter?: TokenCounter;
  /** tokens kept free besides prompt and max_tokens; default 16 */
  readonly safetyMargin?: number;
}

/** An Auto-J judge: a `RemoteJudge` plus what it was built from, for manifests and tests. */
export interface AutojJudge extends RemoteJudge {
  readonly profile: AutojProfile;
  readonly language: AutojLanguage;
  readonly template: CompiledTemplate;
  readonly tokenCounter: TokenCounter;
  readonly maxModelLen: number;
  /** the largest prompt (in counted tokens) a request may carry */
  readonly promptTokenLimit: number;
}

export function createAutojJudge(options: AutojJudgeOptions = {}): AutojJudge {
  const profileName = options.profile ?? 'autoj';
  if (!isAutojProfileName(profileName)) {
    throw new Error(`unknown Auto-J profile "${profileName}" (known: ${AUTOJ_PROFILE_NAMES.join(', ')})`);
  }
  const profile: AutojProfile = autojProfiles[profileName];
  const protocol: AutojProtocol = options.protocol ?? 'single';
  if (protocol !== 'single' && protocol !== 'pairwise')
    throw new Error(`unknown protocol "${String(protocol)}"`);
  const language: AutojLanguage = options.language ?? 'en';
  const templates: AutojTemplateSet | undefined = profile.templates[language];
  if (!templates) {
    const known = Object.keys(profile.templates).join(', ');
    throw new Error(`profile ${profile.name} has no "${language}" templates (it has: ${known})`);
  }

  const maxModelLen = positiveInteger('maxModelLen', options.maxModelLen ?? profile.contextLength);
  const maxTokens = positiveInteger('maxTokens', options.maxTokens ?? profile.sampling.max_tokens);
  const margin = nonNegativeInteger('safetyMargin', options.safetyMargin ?? DEFAULT_SAFETY_MARGIN);
  const sampling: Sampling = Object.freeze({ ...profile.sampling, max_tokens: maxTokens });
  const servedModelName = options.servedModelName ?? profile.model;
  if (servedModelName.trim() === '') throw new Error('servedModelName must not be empty');
  const counter =
    options.tokenCounter ??
    (profile.tokenizer === 'llama2' ? autojTokenCounter() : bilingualEstimateCounter());
  // an injected counter is taken to be the model's own tokenizer
  const tokenSource: TokenCounts['tokenSource'] =
    options.tokenCounter || profile.tokenizer === 'llama2' ? 'counted' : 'estimated';

  const template = compileTemplate(templates.ids[protocol], templates[protocol], profile.wrapper);
  const responseCount = protocol === 'pairwise' ? 2 : 1;
  const build = (instruction: string, responses: readonly string[]): string =>
    template.fill({
      prompt: instruction,
      response: responses[0] ?? '',
      response_another: responses[1] ?? '',
    });

  const promptTokenLimit = maxModelLen - maxTokens - margin;
  const bare = templateTokens(build, responseCount, counter);
  if (bare > promptTokenLimit) {
    throw new Error(
      `${profile.name}: the ${template.id} template alone needs ${bare} prompt tokens, but a ` +
        `${maxModelLen}-token context with max_tokens ${maxTokens} (+${margin} margin) leaves ${promptTokenLimit}`,
    );
  }

  const info: JudgeInfo = Object.freeze({
    name: profile.name,
    model: servedModelName,
    protocol,
    templateVersion: template.version,
    sampling,
    // the single protocol rates 1-10 (pairwise gives verdicts, no scale)
    ...(protocol === 'single' ? { scale: { min: MIN_RATING, max: MAX_RATING } } : {}),
    description: `${profile.description}; ${template.id} template (${language}), ${protocol} protocol`,
  });

  return {
    mode: 'remote',
    info,
    profile,
    language,
    template,
    tokenCounter: counter,
    maxModelLen,
    promptTokenLimit,

    prepare(task: JudgeTask): PreparedRequest {
      if (task.protocol !== protocol) {
        throw new Error(`a ${protocol} Auto-J judge was given a ${task.protocol} task`);
      }
      // A null (missing) response goes as an empty one; the caller decides whether to skip it.
      const responses = task.protocol === 'single' ? [task.response ?? ''] : [task.first, task.second];
      const fitted = fitPrompt({
        build,
        instruction: task.instruction,
        responses,
        limit: promptTokenLimit,
        counter,
      });
      const key = judgmentKey({
        model: profile.model,
        templateVersion: template.version,
        prompt: fitted.prompt,
        sampling,
      });
      return {
        key,
        model: servedModelName,
        prompt: fitted.prompt,
        sampling,
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
      return parseCompletion(completion, protocol, templates);
    },

    countTokens: tokenCounting(counter, tokenSource),
  };
}

/**
 * A judge's `countTokens` by its counter, as vLLM counts a raw-prompt request: the prompt
 * with its BOS token; the generated tokens, which are the text's (without a BOS) and the
 * end-of-sequence token that a finished (`stop`) generation ends with.
 */
export function tokenCounting(
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

export function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}

export function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got ${value}`);
  return value;
}
