/**
 * Recorded mode: a comparison file in the authors' format (pairwise_critique_openai_eval.py's
 * output, e.g. data/outputs/gpt-4-Eval_auto-j_vs_chatgpt.jsonl), read as critique_eval.py
 * reads it, with the same parser as live comparisons.
 */
import type { FileInfo } from '../../harness/source/autoj-pairwise.js';
import { comparatorParser, readComparison, type JudgedComparison } from './compare.js';
import { loadCritiqueFile, loadRecordedComparisons, type CritiqueData } from './data.js';

export interface RecordedCritiques {
  readonly comparisons: JudgedComparison[];
  /** the judge's critiques, when their file was given (shown beside each comparison) */
  readonly critiques?: string[];
  readonly inputs: FileInfo[];
}

/**
 * Reads `comparisonsFile` (one comparison per item) and, if given, the critiques it
 * compared (`critiquesFile`, `{"output"}` per line: data/outputs/critique_example_output.jsonl
 * for the authors' file).
 */
export async function loadRecordedCritiques(
  data: CritiqueData,
  comparisonsFile: string,
  options: { readonly critiquesFile?: string } = {},
): Promise<RecordedCritiques> {
  const parser = comparatorParser(data.language);
  const n = data.items.length;
  const recorded = await loadRecordedComparisons(comparisonsFile, n);
  const comparisons = recorded.comparisons.map((c) =>
    readComparison({ text: c.output, finishReason: c.finishReason }, c.exchange, parser),
  );
  if (options.critiquesFile === undefined) return { comparisons, inputs: [recorded.info] };
  const critiques = await loadCritiqueFile(options.critiquesFile, n);
  return { comparisons, critiques: critiques.critiques, inputs: [recorded.info, critiques.info] };
}
