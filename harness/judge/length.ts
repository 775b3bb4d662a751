import type { JudgeInfo, JudgeTask, Judgment } from '../core/types.js';
import type { LocalJudge } from './judge.js';

/**
 * The length baseline: a response's score is its length in characters (Unicode code
 * points, as Python's len() counts them, so figures match alpaca_eval's avg_length).
 * An empty, null or missing output scores 0. LLM judges correlate with length; a judge
 * that does not beat this baseline by a clear margin is measuring verbosity.
 */
export const lengthJudgeInfo: JudgeInfo = {
  name: 'length',
  model: 'length',
  protocol: 'single',
  templateVersion: 'length-v1',
  description: 'response length in characters (baseline)',
};

export function createLengthJudge(): LocalJudge {
  return {
    mode: 'local',
    info: lengthJudgeInfo,
    evaluate(task: JudgeTask): Judgment {
      if (task.protocol === 'single') return { kind: 'ok', rating: codePointLength(task.response ?? '') };
      const a = codePointLength(task.first);
      const b = codePointLength(task.second);
      return { kind: 'ok', verdict: a > b ? 'first' : b > a ? 'second' : 'tie' };
    },
  };
}

const SURROGATE = /[\uD800-\uDFFF]/;
const SURROGATE_PAIRS = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

export function codePointLength(text: string): number {
  // Regexes scan far faster than a charCodeAt loop, and most outputs have no surrogate.
  if (!SURROGATE.test(text)) return text.length;
  return text.length - (text.match(SURROGATE_PAIRS)?.length ?? 0);
}
