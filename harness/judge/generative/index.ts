/** Generative judges from profile files (docs/judges.md): loading, validating, building, parsing. */
export {
  createGenerativeJudge,
  profileTokenCounter,
  resolveJudgeModel,
  type GenerativeJudge,
  type GenerativeJudgeOptions,
} from './judge.js';
export {
  builtInJudgeNames,
  isProfilePath,
  judgesDir,
  loadJudgeProfile,
  type LoadProfileOptions,
} from './load.js';
export {
  parseJudgeProfile,
  readJudgeProfile,
  PROTOCOLS,
  type JudgeProfile,
  type Protocol,
  type TemplateVariant,
  type TokenizerSpec,
  type EndpointSpec,
} from './profile.js';
export {
  CUT_OFF_REASON,
  parseCompletionWithSpec,
  parseWithSpec,
  type ParserSpec,
  type RatingSpec,
  type VerdictSpec,
} from './parse.js';
export { serveSettings, type ServeSettings } from './serve.js';
export { batchChatTemplate, rawPromptAsChat } from './batch-chat.js';
