/**
 * Source stage for Auto-J's pairwise test set (GAIR-NLP/auto-j, data/test/testdata_pairwise.jsonl):
 * the 1,392 human-labelled pairs, the scenario groups (scenarios.json) and verdict files in
 * the authors' format (`{"output": 0|1|2}` per line).
 *
 * The authors' 0/1/2 codes exist only here: everything returned is a `Verdict`.
 * Every problem is an InputError naming the file and, where there is one, the line.
 */
import { InputError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import type { PairTask, Verdict } from '../core/types.js';
import { jsonSyntaxProblem } from './decode.js';
import { readRegularFile } from './files.js';

/** Paths inside an Auto-J data folder (same relative paths as the upstream repository). */
export const AUTOJ_PATHS = {
  testSet: 'data/test/testdata_pairwise.jsonl',
  scenarios: 'scenarios.json',
  /** Auto-J's own verdicts with the responses in the given order */
  predictions: 'data/outputs/pairwise_example_output.jsonl',
  /** Auto-J's own verdicts on the swapped prompt, as answered (not mapped back) */
  swapped: 'data/outputs/pairwise_exchange_example_output.jsonl',
} as const;

/** One human-labelled pair of the test set. */
export interface LabelledPair {
  /** 0-based position in the test set; verdict files are aligned by it */
  readonly index: number;
  readonly scenario: string;
  /** the human label: which response is better, or tie */
  readonly label: Verdict;
  /** the pair with the responses in the given order (response 1 first) */
  readonly task: PairTask;
}

/** The authors' scenario groups, in the order they report them. */
export interface ScenarioCatalog {
  readonly groups: readonly { readonly group: string; readonly scenarios: readonly string[] }[];
  /** one-line definition of each scenario (60 defined; the test set uses 58) */
  readonly descriptions: Readonly<Record<string, string>>;
}

/** Each grouped scenario's group (60 scenarios are defined; 58 are in a group). */
export function scenarioGroupOf(catalog: ScenarioCatalog): ReadonlyMap<string, string> {
  const groupOf = new Map<string, string>();
  for (const { group, scenarios } of catalog.groups) for (const s of scenarios) groupOf.set(s, group);
  return groupOf;
}

/** A file as read, for provenance in the result document. */
export interface FileInfo {
  readonly file: string;
  /** sha256 of the bytes, hex */
  readonly sha256: string;
  /** non-blank lines (records) for JSONL files */
  readonly records: number;
}

/** The authors' code -> Verdict: 0 = response 1 better, 1 = response 2 better, 2 = tie. */
export function verdictFromCode(code: number): Verdict | undefined {
  return code === 0 ? 'first' : code === 1 ? 'second' : code === 2 ? 'tie' : undefined;
}

/** Verdict -> the authors' code, for writing files in their format. */
export function verdictToCode(verdict: Verdict): 0 | 1 | 2 {
  return verdict === 'first' ? 0 : verdict === 'second' ? 1 : 2;
}

/** Reads the test set; every line must be a pair with a 0-2 label and a known scenario. */
export async function loadPairwiseTestSet(
  file: string,
  catalog?: ScenarioCatalog,
): Promise<{ pairs: LabelledPair[]; info: FileInfo }> {
  const known = catalog ? new Set(catalog.groups.flatMap((g) => g.scenarios)) : undefined;
  const { lines, info } = await readJsonl(file);
  const pairs = lines.map(({ value, line }, index): LabelledPair => {
    const at = (problem: string) => new InputError(file, `line ${line}: ${problem}`);
    if (!isRecord(value)) throw at('expected a JSON object');
    const { scenario, label, prompt } = value;
    const first = value['response 1'];
    const second = value['response 2'];
    if (typeof scenario !== 'string') throw at('"scenario" must be a string');
    if (known && !known.has(scenario))
      throw at(`scenario "${scenario}" is not in any group of scenarios.json`);
    if (typeof prompt !== 'string') throw at('"prompt" must be a string');
    if (typeof first !== 'string') throw at('"response 1" must be a string');
    if (typeof second !== 'string') throw at('"response 2" must be a string');
    const verdict = typeof label === 'number' ? verdictFromCode(label) : undefined;
    if (verdict === undefined) throw at(`label ${JSON.stringify(label)} is not 0, 1 or 2`);
    return {
      index,
      scenario,
      label: verdict,
      task: { protocol: 'pairwise', instruction: prompt, first, second },
    };
  });
  if (pairs.length === 0) throw new InputError(file, 'no pairs in the file');
  return { pairs, info };
}

/** Reads scenarios.json: `{groups: {name: [scenario...]}, scenarios: {name: description}}`. */
export async function loadScenarioCatalog(
  file: string,
): Promise<{ catalog: ScenarioCatalog; info: FileInfo }> {
  const bytes = await readBytes(file);
  const text = bytes.toString('utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(file, `invalid JSON: ${jsonSyntaxProblem(e, text)}`);
  }
  if (!isRecord(doc) || !isRecord(doc.groups)) throw new InputError(file, 'expected an object with "groups"');
  const groups: { group: string; scenarios: string[] }[] = [];
  const seen = new Map<string, string>();
  for (const [group, scenarios] of Object.entries(doc.groups)) {
    if (!Array.isArray(scenarios) || !scenarios.every((s): s is string => typeof s === 'string')) {
      throw new InputError(file, `group "${group}" must be a list of scenario names`);
    }
    for (const s of scenarios) {
      const other = seen.get(s);
      if (other !== undefined)
        throw new InputError(file, `scenario "${s}" is in both "${other}" and "${group}"`);
      seen.set(s, group);
    }
    groups.push({ group, scenarios });
  }
  if (groups.length === 0) throw new InputError(file, 'no groups');
  const descriptions: Record<string, string> = {};
  if (isRecord(doc.scenarios)) {
    for (const [name, text] of Object.entries(doc.scenarios))
      if (typeof text === 'string') descriptions[name] = text;
  }
  return {
    catalog: { groups, descriptions },
    info: { file, sha256: sha256Hex(bytes), records: groups.length },
  };
}

/**
 * Reads a verdict file in the authors' format, one `{"output": 0|1|2}` per line, exactly
 * `expected` lines (one per pair of the test set; blank lines at the end are ignored).
 * Verdicts are returned as written: for a swapped file that is the verdict on the swapped
 * prompt, not mapped back.
 */
export async function loadVerdictFile(
  file: string,
  expected: number,
): Promise<{ verdicts: Verdict[]; info: FileInfo }> {
  const { lines, info } = await readJsonl(file);
  const verdicts = lines.map(({ value, line }) => {
    if (!isRecord(value) || !('output' in value)) {
      throw new InputError(file, `line ${line}: expected {"output": 0|1|2}`);
    }
    const verdict = typeof value.output === 'number' ? verdictFromCode(value.output) : undefined;
    if (verdict === undefined) {
      throw new InputError(file, `line ${line}: verdict ${JSON.stringify(value.output)} is not 0, 1 or 2`);
    }
    return verdict;
  });
  if (verdicts.length < expected) {
    throw new InputError(
      file,
      `line ${verdicts.length + 1}: missing verdict: the file has ${verdicts.length} verdicts, the test set ${expected} pairs`,
    );
  }
  if (verdicts.length > expected) {
    throw new InputError(
      file,
      `line ${lines[expected]!.line}: extra verdict: the file has ${verdicts.length} verdicts, the test set ${expected} pairs`,
    );
  }
  return { verdicts, info };
}

export interface JsonlLine {
  readonly value: unknown;
  /** 1-based line number in the file */
  readonly line: number;
}

/** Parses JSONL: one JSON value per line; blank lines are allowed only at the end. */
export async function readJsonl(file: string): Promise<{ lines: JsonlLine[]; info: FileInfo }> {
  return parseJsonl(await readBytes(file), file);
}

/** `readJsonl` of bytes already read (`file` names them in errors). */
export function parseJsonl(bytes: Uint8Array, file: string): { lines: JsonlLine[]; info: FileInfo } {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  const raw = text.split('\n');
  let end = raw.length;
  while (end > 0 && raw[end - 1]!.trim() === '') end--;
  const lines: JsonlLine[] = [];
  for (let i = 0; i < end; i++) {
    const source = raw[i]!.trim();
    const line = i + 1;
    if (source === '')
      throw new InputError(file, `line ${line}: empty line (blank lines are allowed only at the end)`);
    try {
      lines.push({ value: JSON.parse(source), line });
    } catch (e) {
      throw new InputError(file, `line ${line}: invalid JSON: ${jsonSyntaxProblem(e, source)}`);
    }
  }
  return { lines, info: { file, sha256: sha256Hex(bytes), records: lines.length } };
}

async function readBytes(file: string): Promise<Buffer> {
  const bytes = await readRegularFile(file);
  if (bytes === null) throw new InputError(file, 'no such file');
  return bytes;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
