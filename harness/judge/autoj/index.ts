/** The Auto-J judges (the generic judge over their profiles), context fitting, token counting. */
export {
  createAutojJudge,
  AUTOJ_PROFILE_NAMES,
  DEFAULT_SAFETY_MARGIN,
  type AutojJudge,
  type AutojJudgeOptions,
  type AutojProfileName,
} from './judge.js';
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
