/**
 * The scenario classifier's released data (GAIR-NLP/auto-j, commit 2ae17a3,
 * other_resources/): its test set and the hand-written criteria of each scenario, and the
 * classifier's label set. Every problem is an InputError naming the file (and the line).
 *
 * Labels: the 60 scenarios of other_resources/constants.py (scenarios.json) and `default`
 * ("output 'default' if you are uncertain"). The classifier was trained on 58 of the 60
 * (not `others` or `post_summarization`) and on `default`; the test set uses the same 59.
 * Two scenarios are defined but in none of the authors' 8 groups (`peer_review`,
 * `rejecting`): their group here is `Ungrouped`; `default` is a group of its own.
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

export const SCENARIO_PATHS = {
  testSet: 'other_resources/scenario_classifier_data/testdata.jsonl',
  criteria: 'other_resources/scenario_criteria',
} as const;

/** The classifier's answer when it is uncertain. */
export const DEFAULT_LABEL = 'default';
/** The group of the labels in none of the authors' groups. */
export const UNGROUPED = 'Ungrouped';

/** The classifier's labels and their groups. */
export interface LabelSet {
  readonly catalog: ScenarioCatalog;
  /** every label: the defined scenarios and `default` */
  readonly labels: readonly string[];
  /** the groups of the labels, in order: the authors' 8, then Ungrouped (if any), then default */
  readonly groups: readonly string[];
  groupOf(label: string): string;
}

export function labelSet(catalog: ScenarioCatalog): LabelSet {
  const grouped = scenarioGroupOf(catalog);
  const defined = new Set([...grouped.keys(), ...Object.keys(catalog.descriptions)]);
  defined.delete(DEFAULT_LABEL);
  const ungrouped = [...defined].some((s) => !grouped.has(s));
  return {
    catalog,
    labels: [DEFAULT_LABEL, ...[...defined].sort()],
    groups: [...catalog.groups.map((g) => g.group), ...(ungrouped ? [UNGROUPED] : []), DEFAULT_LABEL],
    groupOf: (label) => (label === DEFAULT_LABEL ? DEFAULT_LABEL : (grouped.get(label) ?? UNGROUPED)),
  };
}

/** One query of the test set. */
export interface ClassifierItem {
  readonly index: number;
  /** the scenario the authors gave it (a label) */
  readonly category: string;
  readonly group: string;
  readonly instruction: string;
  readonly input: string;
  /** what the classifier is asked about: `instruction + " " + input`, as the authors' README says */
  readonly query: string;
}

export interface ClassifierData {
  readonly items: readonly ClassifierItem[];
  readonly labels: LabelSet;
  readonly inputs: readonly FileInfo[];
}

/** The authors' query of a classifier data row. */
export function classifierQuery(instruction: string, input: string): string {
  return `${instruction} ${input}`;
}

/** The scenario catalog of an Auto-J data folder, as a label set. */
export async function loadLabelSet(dataDir: string): Promise<{ labels: LabelSet; info: FileInfo }> {
  const { catalog, info } = await loadScenarioCatalog(path.join(dataDir, AUTOJ_PATHS.scenarios));
  return { labels: labelSet(catalog), info };
}

/** The classifier's test set (623 queries): every category must be a label. */
export async function loadClassifierData(dataDir: string): Promise<ClassifierData> {
  const { labels, info: catalogInfo } = await loadLabelSet(dataDir);
  const file = path.join(dataDir, SCENARIO_PATHS.testSet);
  const { lines, info } = await readJsonl(file);
  if (lines.length === 0) throw new InputError(file, 'no queries in the file');
  const known = new Set(labels.labels);
  const items = lines.map(({ value, line }, index): ClassifierItem => {
    const at = (problem: string) => new InputError(file, `line ${line}: ${problem}`);
    if (!isRecord(value)) throw at('expected a JSON object');
    const { category, instruction, input } = value;
    if (typeof category !== 'string') throw at('"category" must be a string');
    if (!known.has(category))
      throw at(`category "${category}" is not a scenario of scenarios.json nor default`);
    if (typeof instruction !== 'string') throw at('"instruction" must be a string');
    if (typeof input !== 'string') throw at('"input" must be a string');
    return {
      index,
      category,
      group: labels.groupOf(category),
      instruction,
      input,
      query: classifierQuery(instruction, input),
    };
  });
  return { items, labels, inputs: [info, catalogInfo] };
}
