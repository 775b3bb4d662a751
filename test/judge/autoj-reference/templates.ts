import { templateVersion } from '../../../harness/judge/key.js';

/**
 * Auto-J's prompt templates, byte-exact with the authors' code:
 * English from GAIR-NLP/auto-j `codes/usage/constants_prompt.py` (`single`, `pairwise_tie`),
 * Chinese from `codes/usage/zh_constants_prompt.py` (`zh_single`, `zh_pairwise_tie`).
 * Both files wrap the filled template as `[INST] {input} [/INST]` (`llama2_wrapper`
 * without a system message).
 *
 * The texts are written as lists of lines joined by "\n" so that no editor or formatter
 * can strip the significant whitespace (the second line of the English single template
 * is exactly two spaces). Placeholders keep the authors' names: `{prompt}` (the user's
 * query), `{response}`, `{response_another}`.
 */

export const AUTOJ_WRAPPER = '[INST] {input} [/INST]';

export const SINGLE_EN = [
  "Write critiques for a submitted response on a given user's query, and grade the response:",
  '  ',
  '[BEGIN DATA]',
  '***',
  '[Query]: {prompt}',
  '***',
  '[Response]: {response}',
  '***',
  '[END DATA]',
  '',
  'Write critiques for this response. After that, you should give a final rating for the response on a scale of 1 to 10 by strictly following this format: "[[rating]]", for example: "Rating: [[5]]".',
].join('\n');

export const PAIRWISE_TIE_EN = [
  "You are assessing two submitted responses on a given user's query and judging which response is better or they are tied. Here is the data:",
  '',
  '[BEGIN DATA]',
  '***',
  '[Query]: {prompt}',
  '***',
  '[Response 1]: {response}',
  '***',
  '[Response 2]: {response_another}',
  '***',
  '[END DATA]',
  '',
  'Here are the instructions to assess and compare the two responses:',
  '',
  '1. Pinpoint the key factors to distinguish these two responses.',
  '2. Conclude your comparison by providing a final decision on which response is better, or they are tied. Begin your final decision statement with "So, the final decision is Response 1 / Response 2 / Tie". Ensure that your decision aligns coherently with the comprehensive evaluation and comparison you\'ve provided.',
].join('\n');

/** `zh_single`: half-width ", " ":" "." as in the authors' file. */
export const SINGLE_ZH = [
  '为上传的针对给定用户问题的回应撰写评论, 并为该回复打分:',
  '',
  '[BEGIN DATA]',
  '***',
  '[用户问询]: {prompt}',
  '***',
  '[回应]: {response}',
  '***',
  '[END DATA]',
  '',
  '为这个回应撰写评论. 在这之后, 你应该按照如下格式给这个回应一个最终的1-10范围的评分: "[[评分]]", 例如: "评分: [[5]]".',
].join('\n');

/**
 * `zh_pairwise_tie`: mixes full-width "，" "。" "：" with half-width ":" exactly as the
 * authors' file does (the `\"` escapes of the Python source are plain `"` here).
 */
export const PAIRWISE_TIE_ZH = [
  '你将要评价两个针对给定用户问题的回应，并判断哪个回应胜出或两者持平。以下是相关内容:',
  '',
  '[BEGIN DATA]',
  '***',
  '[用户问询]: {prompt}',
  '***',
  '[回应1]: {response}',
  '***',
  '[回应2]: {response_another}',
  '***',
  '[END DATA]',
  '',
  '以下是评价并比较两个回应的指南：',
  '',
  '1. 确定区分两个回应的关键因素。',
  '2. 通过提供最终对何者胜出或两者持平的决定来总结你的比较和评价。最终决定语句应以"所以，最终决定是回应1/回应2/平局"开头。确保你的决定与你提供的综合的评价和比较一致。',
].join('\n');

type Slot = 'prompt' | 'response' | 'response_another';

/** The values a template is filled with (Python's `str.format` keyword names). */
export interface TemplateInputs {
  readonly prompt: string;
  readonly response: string;
  readonly response_another?: string;
}

/**
 * A wrapped template, compiled once: `text` is the full prompt with placeholders
 * (wrapper included), `version` its hash (first 16 hex of sha256), part of every key.
 */
export interface CompiledTemplate {
  /** `single`, `pairwise_tie`, `zh_single`, `zh_pairwise_tie`: the authors' protocol names */
  readonly id: string;
  readonly text: string;
  readonly version: string;
  /** Fills the placeholders in one pass: text inside the inputs is never substituted again. */
  fill(inputs: TemplateInputs): string;
}

const SLOT = /\{(prompt|response|response_another)\}/g;

export function compileTemplate(
  id: string,
  template: string,
  wrapper: string = AUTOJ_WRAPPER,
): CompiledTemplate {
  const [before, after, ...rest] = wrapper.split('{input}');
  if (before === undefined || after === undefined || rest.length > 0) {
    throw new Error(`wrapper must contain {input} exactly once: ${JSON.stringify(wrapper)}`);
  }
  const text = before + template + after;
  // split with a capture group: literals at even indices, slot names at odd ones
  const pieces = text.split(SLOT);
  const literals: string[] = [];
  const slots: Slot[] = [];
  pieces.forEach((p, i) => (i % 2 === 0 ? literals.push(p) : slots.push(p as Slot)));
  const needsAnother = slots.includes('response_another');
  return {
    id,
    text,
    version: templateVersion(text),
    fill(inputs: TemplateInputs): string {
      if (needsAnother && inputs.response_another === undefined) {
        throw new Error(`template ${id} needs response_another`);
      }
      let out = literals[0]!;
      for (let i = 0; i < slots.length; i++) {
        out += (inputs[slots[i]!] ?? '') + literals[i + 1]!;
      }
      return out;
    },
  };
}
