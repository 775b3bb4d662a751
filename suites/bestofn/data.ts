/**
 * Auto-J's Best-of-N selection data (GAIR-NLP/auto-j, data/test/testdata_selection.jsonl;
 * format in the upstream README, "Best-of-N selection"): 116 queries (2 of the 4 critique
 * queries of each scenario), for each base model (LLaMA-2-7B-chat, Vicuna-7B-v1.5) 32
 * responses sampled from it, with Auto-J's rating of each. One line per query:
 *
 *     {"scenario", "prompt", "outputs": {"<base model>": {"outputs": [32 texts],
 *       "logprobs": [...], "finish_reasons": [...], "id": 70, "scores": {"autoj": [32 ratings]}}}}
 *
 * The file is not in ../shared (it is large): it is read from `BESTOFN_UPSTREAM_URL` or a
 * local copy. Every set must have as many candidates as the first (one-line error
 * otherwise), and every rating list as many ratings as its set has candidates.
 */
import { InputError } from '../../harness/core/errors.js';
import {
  isRecord,
  parseJsonl,
  readJsonl,
  scenarioGroupOf,
  type FileInfo,
  type ScenarioCatalog,
} from '../../harness/source/autoj-pairwise.js';
import { readRegularFile, type SourceFiles } from '../../harness/source/files.js';

export const BESTOFN_PATH = 'data/test/testdata_selection.jsonl';
/** The raw files of the upstream repository (the AlpacaEval source's cache keeps what is read). */
export const AUTOJ_UPSTREAM = 'https://raw.githubusercontent.com/GAIR-NLP/auto-j/main/';
export const BESTOFN_UPSTREAM_URL = `${AUTOJ_UPSTREAM}${BESTOFN_PATH}`;
/** The name of Auto-J's ratings in the file's `scores`. */
export const AUTOJ_SCORES = 'autoj';

/** One query's candidates from one base model. */
export interface CandidateSet {
  /** 0-based line of the query in the file */
  readonly query: number;
  readonly scenario: string;
  /** the scenario's group; null without a catalog or for a scenario in none */
  readonly group: string | null;
  readonly prompt: string;
  /** the base model that sampled the candidates */
  readonly model: string;
  /** the file's `id` of the sample, when given */
  readonly id: number | null;
  readonly candidates: readonly string[];
  /** the ratings in the file, by rater name (`autoj`); null where a rating is missing */
  readonly scores: Readonly<Record<string, readonly (number | null)[]>>;
}

export interface SelectionData {
  readonly sets: readonly CandidateSet[];
  /** the base models, in the first line's order */
  readonly models: readonly string[];
  readonly queries: number;
  /** candidates per set (32 in the authors' file) */
  readonly candidates: number;
  readonly info: FileInfo;
}

/** Ratings aligned with the sets and their candidates: `ratings[s][k]`, null = none. */
export type RatingTable = readonly (readonly (number | null)[])[];

export async function loadSelectionFile(file: string, catalog?: ScenarioCatalog): Promise<SelectionData> {
  const bytes = await readRegularFile(file);
  if (bytes === null) throw new InputError(file, 'no such file');
  return parseSelectionFile(bytes, file, catalog);
}

/**
 * The selection file from the upstream repository's raw files (`files`: an http(s) base
 * through the HTTP cache, or a local checkout); `describe` names it in errors.
 */
export async function readUpstreamSelection(
  files: SourceFiles,
  catalog?: ScenarioCatalog,
): Promise<SelectionData> {
  const bytes = await files.read(BESTOFN_PATH);
  const where = files.describe(BESTOFN_PATH);
  if (bytes === null) throw new InputError(where, 'no such file upstream');
  return parseSelectionFile(bytes, where, catalog);
}

/** Parses and checks a selection file's bytes; `file` names it in errors. */
export function parseSelectionFile(
  bytes: Uint8Array,
  file: string,
  catalog?: ScenarioCatalog,
): SelectionData {
  const groupOf = catalog ? scenarioGroupOf(catalog) : undefined;
  const { lines, info } = parseJsonl(bytes, file);
  const sets: CandidateSet[] = [];
  let models: string[] | undefined;
  let size: number | undefined;
  lines.forEach(({ value, line }, query) => {
    const at = (problem: string) => new InputError(file, `line ${line}: ${problem}`);
    if (!isRecord(value)) throw at('expected a JSON object');
    const { scenario, prompt, outputs } = value;
    if (typeof scenario !== 'string') throw at('"scenario" must be a string');
    if (typeof prompt !== 'string') throw at('"prompt" must be a string');
    if (!isRecord(outputs) || Object.keys(outputs).length === 0)
      throw at('"outputs" must map each base model to its candidates');
    const names = Object.keys(outputs);
    if (models === undefined) models = names;
    else if (names.length !== models.length || names.some((m) => !models!.includes(m))) {
      throw at(`base models ${names.join(', ')} differ from line 1's (${models.join(', ')})`);
    }
    for (const model of models) {
      const entry = outputs[model];
      const field = `outputs.${model}`;
      if (!isRecord(entry)) throw at(`"${field}" must be an object`);
      const candidates = entry.outputs;
      if (!Array.isArray(candidates) || !candidates.every((c): c is string => typeof c === 'string'))
        throw at(`"${field}.outputs" must be a list of texts`);
      if (size === undefined) {
        if (candidates.length < 2)
          throw at(`${model} has ${candidates.length} candidates: Best-of-N needs at least 2`);
        size = candidates.length;
      } else if (candidates.length !== size) {
        throw at(
          `${model} has ${candidates.length} candidates, line 1's have ${size}: every set must have as many`,
        );
      }
      for (const list of ['logprobs', 'finish_reasons'] as const) {
        const v = entry[list];
        if (v !== undefined && (!Array.isArray(v) || v.length !== size))
          throw at(`"${field}.${list}" must be a list of ${size}, one per candidate`);
      }
      const scores: Record<string, (number | null)[]> = {};
      if (entry.scores !== undefined) {
        if (!isRecord(entry.scores)) throw at(`"${field}.scores" must map rater names to ratings`);
        for (const [rater, ratings] of Object.entries(entry.scores))
          scores[rater] = ratingList(ratings, size, (p) => at(`"${field}.scores.${rater}": ${p}`));
      }
      const id = typeof entry.id === 'number' && Number.isInteger(entry.id) ? entry.id : null;
      sets.push({
        query,
        scenario,
        group: groupOf?.get(scenario) ?? null,
        prompt,
        model,
        id,
        candidates,
        scores,
      });
    }
  });
  if (sets.length === 0 || models === undefined || size === undefined)
    throw new InputError(file, 'no queries in the file');
  return { sets, models, queries: lines.length, candidates: size, info };
}

/** The ratings named `rater` in the file's `scores`; a set without them is an error naming its line. */
export function fileRatings(data: SelectionData, rater: string): RatingTable {
  return data.sets.map((set) => {
    const ratings = set.scores[rater];
    if (ratings === undefined) {
      const known = Object.keys(set.scores);
      throw new InputError(
        data.info.file,
        `line ${set.query + 1}: ${set.model} has no "${rater}" scores (${known.length > 0 ? `it has: ${known.join(', ')}` : 'it has none'})`,
      );
    }
    return ratings;
  });
}

/**
 * A rater's ratings from a file of their own, aligned with the selection file: one line
 * per query, `{"scores": {"<base model>": [one rating per candidate]}}` (null for none).
 */
export async function loadRaterFile(
  file: string,
  data: SelectionData,
): Promise<{ ratings: RatingTable; info: FileInfo }> {
  const { lines, info } = await readJsonl(file);
  if (lines.length !== data.queries) {
    throw new InputError(
      file,
      `${lines.length} lines for the ${data.queries} queries of ${data.info.file}: one line per query`,
    );
  }
  const byQuery = lines.map(({ value, line }) => {
    if (!isRecord(value) || !isRecord(value.scores))
      throw new InputError(file, `line ${line}: expected {"scores": {"<base model>": [ratings]}}`);
    return value.scores;
  });
  const ratings = data.sets.map((set) => {
    const at = (problem: string) => new InputError(file, `line ${set.query + 1}: ${problem}`);
    return ratingList(byQuery[set.query]![set.model], data.candidates, (p) =>
      at(`"scores.${set.model}": ${p}`),
    );
  });
  return { ratings, info };
}

function ratingList(value: unknown, size: number, fail: (problem: string) => Error): (number | null)[] {
  if (!Array.isArray(value)) throw fail(`expected a list of ${size} ratings`);
  if (value.length !== size)
    throw fail(`${value.length} ratings for ${size} candidates: one rating per candidate`);
  return value.map((r: unknown, k) => {
    if (r === null) return null;
    if (typeof r !== 'number' || !Number.isFinite(r))
      throw fail(`rating ${k + 1} is not a number: ${JSON.stringify(r)}`);
    return r;
  });
}
