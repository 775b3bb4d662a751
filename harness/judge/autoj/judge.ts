import {
  createGenerativeJudge,
  type GenerativeJudge,
  type GenerativeJudgeOptions,
} from '../generative/judge.js';
import { loadJudgeProfile } from '../generative/load.js';

/**
 * The Auto-J judges: the generic judge over the built-in Auto-J profiles
 * (judges/autoj.yaml, autoj-bilingual.yaml, autoj-gptq.yaml). A shorthand for code and
 * tests that judge with Auto-J; the command line loads any profile the same way.
 */

export const AUTOJ_PROFILE_NAMES = ['autoj', 'autoj-bilingual', 'autoj-gptq'] as const;
export type AutojProfileName = (typeof AUTOJ_PROFILE_NAMES)[number];

export { DEFAULT_SAFETY_MARGIN } from '../generative/judge.js';

export interface AutojJudgeOptions extends GenerativeJudgeOptions {
  /** `autoj` (default), `autoj-bilingual` or `autoj-gptq` */
  readonly profile?: AutojProfileName | string;
}

export type AutojJudge = GenerativeJudge;

export function createAutojJudge(options: AutojJudgeOptions = {}): AutojJudge {
  const { profile = 'autoj', ...rest } = options;
  if (!(AUTOJ_PROFILE_NAMES as readonly string[]).includes(profile)) {
    throw new Error(`unknown Auto-J profile "${profile}" (known: ${AUTOJ_PROFILE_NAMES.join(', ')})`);
  }
  return createGenerativeJudge(loadJudgeProfile(profile), rest);
}
