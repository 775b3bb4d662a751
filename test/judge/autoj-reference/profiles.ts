import type { Sampling } from '../../../harness/core/types.js';
import { AUTOJ_WRAPPER, PAIRWISE_TIE_EN, PAIRWISE_TIE_ZH, SINGLE_EN, SINGLE_ZH } from './templates.js';

/**
 * Auto-J judge profiles as data: which model, which templates, how to sample, how to read
 * the answer, how large the context is. `createAutojJudge` turns a profile into a judge.
 */

export type AutojLanguage = 'en' | 'zh';
export type AutojProtocol = 'single' | 'pairwise';

/** The templates of one language and the markers their answers are parsed with. */
export interface AutojTemplateSet {
  readonly language: AutojLanguage;
  /** the authors' protocol names, e.g. `single` / `pairwise_tie` */
  readonly ids: { readonly single: string; readonly pairwise: string };
  /** raw templates with `{prompt}`, `{response}`, `{response_another}` */
  readonly single: string;
  readonly pairwise: string;
  /** what precedes the rating, as the template asks for it: `Rating: [[` */
  readonly ratingMarker: string;
  /**
   * Regular expression source matching every form of the rating marker the parser
   * accepts (see parse.ts); the last match wins.
   */
  readonly ratingPattern: string;
  /** what precedes the pairwise verdict: `final decision is ` / `最终决定是` */
  readonly decisionMarker: string;
  /** how each verdict starts (compared after lower-casing for English) */
  readonly verdicts: { readonly first: string; readonly second: string; readonly tie: string };
}

/**
 * Which token counter a profile uses unless one is injected:
 * - `llama2`: exact Llama-2 SentencePiece counts (GAIR/autoj-13b is Llama-2-13B based);
 * - `estimate`: the tokenizer is not available here; a declared estimate (tokens.ts).
 */
export type TokenizerKind = 'llama2' | 'estimate';

export interface AutojProfile {
  /** profile name as given on the command line */
  readonly name: string;
  /** the model's identity (Hugging Face id); also the default served model name */
  readonly model: string;
  readonly description: string;
  /** context window in tokens (prompt + generated), unless the server reports its own */
  readonly contextLength: number;
  /** `[INST] {input} [/INST]` */
  readonly wrapper: string;
  readonly templates: { readonly en: AutojTemplateSet; readonly zh?: AutojTemplateSet };
  /** the authors' sampling: greedy, 1,024 new tokens */
  readonly sampling: Sampling;
  readonly tokenizer: TokenizerKind;
  /** the rating marker of the default (English) templates, `Rating: [[` */
  readonly ratingMarker: string;
}

const AUTHORS_SAMPLING: Sampling = Object.freeze({ temperature: 0, top_p: 1, max_tokens: 1024 });

export const ENGLISH_TEMPLATES: AutojTemplateSet = Object.freeze({
  language: 'en',
  ids: { single: 'single', pairwise: 'pairwise_tie' },
  single: SINGLE_EN,
  pairwise: PAIRWISE_TIE_EN,
  ratingMarker: 'Rating: [[',
  ratingPattern: 'Rating: \\[\\[',
  decisionMarker: 'final decision is ',
  verdicts: { first: 'response 1', second: 'response 2', tie: 'tie' },
}) as AutojTemplateSet;

/**
 * Chinese templates. The template asks for `评分: [[5]]`; the authors' own parser
 * (`codes/usage/bilingual_example.py`) looks for `评分:[[` and `打分:[[` without a space,
 * so the parser accepts `评分` or `打分`, a half- or full-width colon, and optional
 * spaces around it. The verdict follows `最终决定是` and starts with `回应1`, `回应2`
 * or `平局`, as in the authors' `zh_extract_pariwise_result`.
 */
export const CHINESE_TEMPLATES: AutojTemplateSet = Object.freeze({
  language: 'zh',
  ids: { single: 'zh_single', pairwise: 'zh_pairwise_tie' },
  single: SINGLE_ZH,
  pairwise: PAIRWISE_TIE_ZH,
  ratingMarker: '评分: [[',
  ratingPattern: '(?:评分|打分)[ \\t]*[:：][ \\t]*\\[\\[',
  decisionMarker: '最终决定是',
  verdicts: { first: '回应1', second: '回应2', tie: '平局' },
}) as AutojTemplateSet;

export const autojProfiles = Object.freeze({
  autoj: Object.freeze({
    name: 'autoj',
    model: 'GAIR/autoj-13b',
    description: 'Auto-J 13B (GAIR, Llama-2-13B based) generative judge, English templates',
    contextLength: 4096,
    wrapper: AUTOJ_WRAPPER,
    templates: { en: ENGLISH_TEMPLATES },
    sampling: AUTHORS_SAMPLING,
    tokenizer: 'llama2',
    ratingMarker: ENGLISH_TEMPLATES.ratingMarker,
  }) as AutojProfile,
  'autoj-bilingual': Object.freeze({
    name: 'autoj-bilingual',
    model: 'GAIR/autoj-bilingual-6b',
    description: 'Auto-J bilingual 6B (GAIR, Yi-6B based) generative judge, English and Chinese templates',
    contextLength: 4096,
    wrapper: AUTOJ_WRAPPER,
    templates: { en: ENGLISH_TEMPLATES, zh: CHINESE_TEMPLATES },
    sampling: AUTHORS_SAMPLING,
    tokenizer: 'estimate',
    ratingMarker: ENGLISH_TEMPLATES.ratingMarker,
  }) as AutojProfile,
});

export type AutojProfileName = keyof typeof autojProfiles;

export const AUTOJ_PROFILE_NAMES = Object.keys(autojProfiles) as AutojProfileName[];

export function isAutojProfileName(name: string): name is AutojProfileName {
  return Object.hasOwn(autojProfiles, name);
}
