/**
 * The critique-generation task's data (GAIR-NLP/auto-j, commit 2ae17a3): 232 responses (4
 * per scenario of the 58), each to be criticised by the judge under test; the reference
 * critiques by ChatGPT; GPT-4's recorded comparisons of Auto-J's critiques with them. An
 * English set and its Chinese translation (same order, same scenarios).
 *
 * Every problem is an InputError naming the file and the line.
 */
import path from 'node:path';
import { InputError } from '../../harness/core/errors.js';
import {
  AUTOJ_PATHS,
  isRecord,
  loadScenarioCatalog,
  readJsonl,
  scenarioGroupOf,
  type FileInfo,
  type ScenarioCatalog,
} from '../../harness/source/autoj-pairwise.js';

export type CritiqueLanguage = 'en' | 'zh';
export const CRITIQUE_LANGUAGES: readonly CritiqueLanguage[] = ['en', 'zh'];

/** Paths inside an Auto-J data folder (the upstream repository's). */
export const CRITIQUE_PATHS = {
  en: {
    testSet: 'data/test/testdata_critique.jsonl',
    references: 'data/test/reference_chatgpt_critique.jsonl',
  },
  zh: {
    testSet: 'data/test/zh_testdata_critique.jsonl',
    references: 'data/test/zh_reference_chatgpt_critique.jsonl',
  },
  /** GPT-4's comparisons of Auto-J's critiques with the references (English set) */
  recorded: 'data/outputs/gpt-4-Eval_auto-j_vs_chatgpt.jsonl',
  /** the critiques by Auto-J that `recorded` compares (the authors' `--critic_file` default) */
  autojCritiques: 'data/outputs/critique_example_output.jsonl',
} as const;

/** One response of the set, to be criticised. */
export interface CritiqueItem {
  /** 0-based position in the set; critique and comparison files are aligned by it */
  readonly index: number;
  readonly scenario: string;
  readonly group: string;
  /** the user's query */
  readonly prompt: string;
  /** the response to criticise (the less preferred one of a labelled pair) */
  readonly response: string;
  /** the reference critique of it, by ChatGPT (gpt-3.5-turbo-0613) */
  readonly reference: string;
}

export interface CritiqueData {
  readonly language: CritiqueLanguage;
  readonly items: readonly CritiqueItem[];
  readonly catalog: ScenarioCatalog;
  readonly inputs: readonly FileInfo[];
}

/** The set of `language` with its reference critiques and the scenario groups. */
export async function loadCritiqueData(
  dataDir: string,
  language: CritiqueLanguage = 'en',
): Promise<CritiqueData> {
  const { catalog, info: catalogInfo } = await loadScenarioCatalog(path.join(dataDir, AUTOJ_PATHS.scenarios));
  const groupOf = scenarioGroupOf(catalog);
  const testFile = path.join(dataDir, CRITIQUE_PATHS[language].testSet);
  const { lines, info: testInfo } = await readJsonl(testFile);
  if (lines.length === 0) throw new InputError(testFile, 'no items in the file');
  const refs = await loadCritiqueFile(path.join(dataDir, CRITIQUE_PATHS[language].references), lines.length);
  const items = lines.map(({ value, line }, index): CritiqueItem => {
    const at = (problem: string) => new InputError(testFile, `line ${line}: ${problem}`);
    if (!isRecord(value)) throw at('expected a JSON object');
    const { scenario, prompt, response } = value;
    if (typeof scenario !== 'string') throw at('"scenario" must be a string');
    const group = groupOf.get(scenario);
    if (group === undefined) throw at(`scenario "${scenario}" is not in any group of scenarios.json`);
    if (typeof prompt !== 'string') throw at('"prompt" must be a string');
    if (typeof response !== 'string') throw at('"response" must be a string');
    return { index, scenario, group, prompt, response, reference: refs.critiques[index]! };
  });
  return { language, items, catalog, inputs: [testInfo, refs.info, catalogInfo] };
}

/**
 * Critiques in the authors' format, one `{"output": "..."}` per line, exactly `expected`
 * lines (one per item): the reference critiques, or a judge's own (critique_example_output.jsonl).
 */
export async function loadCritiqueFile(
  file: string,
  expected: number,
): Promise<{ critiques: string[]; info: FileInfo }> {
  const { lines, info } = await readJsonl(file);
  checkCount(file, lines, expected, 'critiques');
  const critiques = lines.map(({ value, line }) => {
    if (!isRecord(value) || typeof value.output !== 'string')
      throw new InputError(file, `line ${line}: expected {"output": "the critique"}`);
    return value.output;
  });
  return { critiques, info };
}

/** One recorded comparison, as the authors' pairwise_critique_openai_eval.py wrote it. */
export interface RecordedComparison {
  /** the comparator's answer: the decision on its first line, then the reason */
  readonly output: string;
  readonly finishReason: string | null;
  /**
   * true: the critiques were shown exchanged, the reference as Feedback 1 and the judge's
   * critique as Feedback 2; false: the judge's critique was Feedback 1 (`meta.exchange`)
   */
  readonly exchange: boolean;
}

/**
 * A comparison file: `{"output", "finish_reason", "meta": {"exchange": bool}}` per line,
 * one per item. A line without `meta` was not exchanged, as critique_eval.py reads it.
 */
export async function loadRecordedComparisons(
  file: string,
  expected: number,
): Promise<{ comparisons: RecordedComparison[]; info: FileInfo }> {
  const { lines, info } = await readJsonl(file);
  checkCount(file, lines, expected, 'comparisons');
  const comparisons = lines.map(({ value, line }): RecordedComparison => {
    const at = (problem: string) => new InputError(file, `line ${line}: ${problem}`);
    if (!isRecord(value) || typeof value.output !== 'string')
      throw at('expected {"output": "...", "meta": {"exchange": true|false}}');
    let exchange = false;
    if (value.meta !== undefined) {
      if (!isRecord(value.meta) || typeof value.meta.exchange !== 'boolean')
        throw at('"meta" must be {"exchange": true|false}');
      exchange = value.meta.exchange;
    }
    const finish = value.finish_reason;
    return { output: value.output, finishReason: typeof finish === 'string' ? finish : null, exchange };
  });
  return { comparisons, info };
}

function checkCount(file: string, lines: readonly { line: number }[], expected: number, what: string): void {
  if (lines.length < expected) {
    throw new InputError(
      file,
      `line ${lines.length + 1}: missing: the file has ${lines.length} ${what}, the set ${expected} items`,
    );
  }
  if (lines.length > expected) {
    throw new InputError(
      file,
      `line ${lines[expected]!.line}: extra line: the file has ${lines.length} ${what}, the set ${expected} items`,
    );
  }
}
