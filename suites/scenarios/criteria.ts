/**
 * The hand-written criteria of each scenario (GAIR-NLP/auto-j, other_resources/scenario_criteria):
 * `specials/<scenario>.yaml` holds sections of criteria, `extended` (the scenario's own) and
 * basic sets it includes (`basic-writing: !include "./other_resources/scenario_criteria/basics/basic_writing.yaml"`,
 * read by the authors with yamlinclude). Each criterion has a description (`content`), a
 * weight (the authors call it aborted: unused) and a type (basic, content, format, style).
 *
 * The files are data, not code: an include may only name a file under scenario_criteria/,
 * and every problem is an InputError naming the file.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import yaml from 'js-yaml';
import { errorMessage, InputError } from '../../harness/core/errors.js';
import { isRecord } from '../../harness/source/autoj-pairwise.js';
import { readRegularFile } from '../../harness/source/files.js';
import { SCENARIO_PATHS, type LabelSet } from './data.js';

export interface Criterion {
  readonly name: string;
  readonly content: string;
  /** the authors' weight (unused by them: "aborted"); null when absent */
  readonly weight: number | null;
  /** basic, content, format or style; null when absent */
  readonly type: string | null;
}

export interface CriteriaSection {
  /** `extended` (the scenario's own criteria) or the basic set it includes (`basic-writing`) */
  readonly name: string;
  /** for an included set: its file, relative to the data folder */
  readonly includedFrom: string | null;
  readonly criteria: readonly Criterion[];
}

export interface ScenarioCriteria {
  readonly scenario: string;
  readonly group: string;
  readonly description: string | null;
  readonly sections: readonly CriteriaSection[];
  /** the file, relative to the data folder */
  readonly file: string;
}

/** `!include "path"`, kept as the path until it is resolved. */
class Include {
  constructor(readonly target: string) {}
}
const INCLUDE = new yaml.Type('!include', {
  kind: 'scalar',
  construct: (target: string) => new Include(target),
});
const SCHEMA = yaml.CORE_SCHEMA.extend([INCLUDE]);

/** Every scenario's criteria, by scenario, in the label set's order. */
export async function loadScenarioCriteria(
  dataDir: string,
  labels: LabelSet,
): Promise<Map<string, ScenarioCriteria>> {
  const root = path.join(dataDir, SCENARIO_PATHS.criteria);
  const specials = path.join(root, 'specials');
  let names: string[];
  try {
    names = (await readdir(specials)).filter((f) => f.endsWith('.yaml')).sort();
  } catch (e) {
    throw new InputError(specials, `cannot list the scenario criteria (${errorMessage(e)})`);
  }
  const known = new Set(labels.labels);
  const found = new Map<string, ScenarioCriteria>();
  for (const name of names) {
    const scenario = name.slice(0, -'.yaml'.length);
    const file = path.join(specials, name);
    if (!known.has(scenario)) throw new InputError(file, `"${scenario}" is not a scenario of scenarios.json`);
    const doc = await readYaml(file);
    if (!isRecord(doc)) throw new InputError(file, 'expected a mapping of criteria sections');
    const sections: CriteriaSection[] = [];
    for (const [section, value] of Object.entries(doc)) {
      if (value instanceof Include) {
        const included = resolveInclude(dataDir, root, file, value.target);
        sections.push({
          name: section,
          includedFrom: path.relative(dataDir, included),
          criteria: criteriaOf(await readYaml(included), included, ''),
        });
      } else {
        sections.push({
          name: section,
          includedFrom: null,
          criteria: criteriaOf(value, file, `${section}.`),
        });
      }
    }
    found.set(scenario, {
      scenario,
      group: labels.groupOf(scenario),
      description: labels.catalog.descriptions[scenario] ?? null,
      sections,
      file: path.relative(dataDir, file),
    });
  }
  const ordered = new Map<string, ScenarioCriteria>();
  for (const label of labels.labels) {
    const c = found.get(label);
    if (c) ordered.set(label, c);
  }
  return ordered;
}

/** An include names a file relative to the repository root (the data folder), under scenario_criteria/. */
function resolveInclude(dataDir: string, root: string, file: string, target: string): string {
  const resolved = path.resolve(dataDir, target);
  const rel = path.relative(root, resolved);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel) || !resolved.endsWith('.yaml')) {
    throw new InputError(
      file,
      `!include ${JSON.stringify(target)} is not a criteria file under ${SCENARIO_PATHS.criteria}/`,
    );
  }
  return resolved;
}

async function readYaml(file: string): Promise<unknown> {
  const bytes = await readRegularFile(file, { maxBytes: 1024 * 1024 });
  if (bytes === null) throw new InputError(file, 'no such file');
  try {
    return yaml.load(bytes.toString('utf8'), { schema: SCHEMA, filename: file });
  } catch (e) {
    const err = e as { reason?: string; mark?: { line: number; column: number } };
    const where = err.mark ? `line ${err.mark.line + 1}, column ${err.mark.column + 1}: ` : '';
    throw new InputError(file, `not valid YAML: ${where}${err.reason ?? errorMessage(e)}`);
  }
}

/** A mapping of criterion name -> {content, weight, type}. */
function criteriaOf(value: unknown, file: string, field: string): Criterion[] {
  if (!isRecord(value)) throw new InputError(file, `${field || 'the file'} must be a mapping of criteria`);
  return Object.entries(value).map(([name, c]) => {
    if (!isRecord(c) || typeof c.content !== 'string')
      throw new InputError(file, `${field}${name}: expected {content, weight, type}`);
    return {
      name,
      content: c.content.trim(),
      weight: typeof c.weight === 'number' ? c.weight : null,
      type: typeof c.type === 'string' ? c.type : null,
    };
  });
}
