/** The Auto-J judges: profiles, templates, context fitting, parsing, token counting. */
export { createAutojJudge, DEFAULT_SAFETY_MARGIN, type AutojJudge, type AutojJudgeOptions } from './judge.js';
export {
  autojProfiles,
  AUTOJ_PROFILE_NAMES,
  isAutojProfileName,
  ENGLISH_TEMPLATES,
  CHINESE_TEMPLATES,
  type AutojProfile,
  type AutojProfileName,
  type AutojLanguage,
  type AutojProtocol,
  type AutojTemplateSet,
  type TokenizerKind,
} from './profiles.js';
export {
  AUTOJ_WRAPPER,
  SINGLE_EN,
  PAIRWISE_TIE_EN,
  SINGLE_ZH,
  PAIRWISE_TIE_ZH,
  compileTemplate,
  type CompiledTemplate,
  type TemplateInputs,
} from './templates.js';
export {
  parseCompletion,
  parseRating,
  parseVerdict,
  CUT_OFF_REASON,
  type RatingParse,
  type VerdictParse,
} from './parse.js';
export { fitPrompt, cut, type FitRequest, type FitResult } from './fit.js';
export {
  Llama2Counter,
  llama2TokenCounter,
  autojTokenCounter,
  bilingualEstimateCounter,
  simTokenCounter,
  byteTokenCounter,
  scaledCounter,
  utf8Bytes,
  fitsWithin,
  type TokenCounter,
} from './tokens.js';
