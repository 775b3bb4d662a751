/**
 * The GPT-4 judges' own per-instruction verdicts on AlpacaEval submissions, as upstream
 * alpaca_eval stores them: `results/<model>/<annotator>/annotations.json` (a JSON array of
 * `{instruction, generator_1, generator_2, preference, ...}`; extra fields are ignored).
 * `generator_1` is the leaderboard's baseline, `generator_2` the model.
 *
 * `preference` (alpaca_eval's annotators/pairwise_evaluator.py and metrics/helpers.py):
 * 1 = the baseline's output is preferred, 2 = the model's; AlpacaEval 2's weighted annotator
 * gives the probability-weighted value in between (1 + P(model preferred), from the judge's
 * logprobs); exactly 1.5 (identical outputs) and 0 (the older encoding) are draws; null is
 * no verdict. Upstream's discrete win rate counts value - 1 > 0.5 as a model win and < 0.5
 * as a baseline win: preferenceVerdict does the same.
 */
import type { Verdict } from '../core/types.js';
import { InputError } from '../core/errors.js';
import { decodeJson } from './decode.js';
import type { SourceFiles } from './files.js';
import { describeType, readFirstFile, submissionDir } from './alpacaeval.js';

/** The annotators whose files the source may hold, and the baseline each compares against. */
export const ANNOTATORS = {
  weighted_alpaca_eval_gpt4_turbo: {
    label: 'GPT-4 Turbo, AlpacaEval 2',
    /** the reference leaderboard it judged, for short column names */
    reference: 'ae2',
    baseline: 'gpt4_1106_preview',
  },
  alpaca_eval_gpt4: {
    label: 'GPT-4, AlpacaEval 1',
    reference: 'ae1',
    baseline: 'text_davinci_003',
  },
} as const;

export type AnnotatorName = keyof typeof ANNOTATORS;
export const ANNOTATOR_NAMES = Object.keys(ANNOTATORS) as AnnotatorName[];

export interface AnnotationEntry {
  readonly instruction: string;
  /** 0, 1..2 or null, as in the file */
  readonly preference: number | null;
}

export interface Annotations {
  readonly model: string;
  readonly annotator: AnnotatorName;
  /** where they were read from, for messages */
  readonly file: string;
  /** the distinct `generator_2` names: the generator whose outputs were annotated */
  readonly generators: readonly string[];
  readonly entries: readonly AnnotationEntry[];
}

/** The annotations of `model` by `annotator`, or null when the source has none. Bad files throw InputError. */
export async function readAnnotations(
  files: SourceFiles,
  model: string,
  annotator: AnnotatorName,
): Promise<Annotations | null> {
  const dir = `${submissionDir(model)}/${annotator}`;
  const found = await readFirstFile(files, [`${dir}/annotations.json`, `${dir}/annotations.json.gz`]);
  if (!found) return null;
  const data = await decodeJson(found.bytes, found.file, { maxBytes: files.limits.maxDecodedBytes });
  return { model, annotator, file: found.file, ...validateAnnotations(data, found.file, annotator) };
}

/** GPT-4's verdict, the baseline first: 'first' = baseline preferred, 'second' = model preferred. */
export function preferenceVerdict(preference: number | null): Verdict | null {
  if (preference === null) return null;
  if (preference === 0 || preference === 1.5) return 'tie';
  return preference < 1.5 ? 'first' : 'second';
}

function validateAnnotations(
  data: unknown,
  file: string,
  annotator: AnnotatorName,
): Pick<Annotations, 'generators' | 'entries'> {
  if (!Array.isArray(data)) {
    throw new InputError(
      file,
      `expected a JSON array of {instruction, generator_1, generator_2, preference} entries, found ${describeType(data)}`,
    );
  }
  const baseline = ANNOTATORS[annotator].baseline;
  const entries: AnnotationEntry[] = new Array(data.length);
  const generators = new Set<string>();
  for (let i = 0; i < data.length; i++) {
    const e = data[i] as Record<string, unknown> | null;
    if (e === null || typeof e !== 'object' || Array.isArray(e)) {
      throw new InputError(file, `entry ${i} is ${describeType(e)}, not an object`);
    }
    if (typeof e.instruction !== 'string')
      throw new InputError(file, `entry ${i} has no "instruction" string`);
    if (e.generator_1 !== baseline) {
      const found =
        typeof e.generator_1 === 'string'
          ? JSON.stringify(e.generator_1.slice(0, 80))
          : describeType(e.generator_1);
      throw new InputError(
        file,
        `entry ${i} has "generator_1" ${found}, not ${annotator}'s baseline "${baseline}"`,
      );
    }
    if (typeof e.generator_2 !== 'string')
      throw new InputError(file, `entry ${i} has no "generator_2" string`);
    const p = e.preference;
    if (p !== null && p !== undefined && !(typeof p === 'number' && (p === 0 || (p >= 1 && p <= 2)))) {
      const found = typeof p === 'number' ? String(p) : describeType(p);
      throw new InputError(file, `entry ${i} has "preference" ${found}, not 1..2, 0 (a draw) or null`);
    }
    generators.add(e.generator_2);
    entries[i] = { instruction: e.instruction, preference: typeof p === 'number' ? p : null };
  }
  return { generators: [...generators], entries };
}
