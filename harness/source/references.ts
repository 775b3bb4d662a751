import { resolve } from 'node:path';
import definitions from '../../leaderboards/references.json' with { type: 'json' };
import { BenchError, InputError } from '../core/errors.js';
import { readRegularFile, type SourceFiles } from './files.js';
import { parseScoreTable, type ScoreTable } from './leaderboard-csv.js';

/** A reference leaderboard: GPT-4-judged win rates the judge's ranking is compared with. */
export interface Reference extends ScoreTable {
  /** `ae1`, `ae2`, `ae2-lc`, or the CSV's path as given */
  readonly name: string;
  readonly label: string;
}

interface ReferenceDefinition {
  readonly label: string;
  readonly file: string;
  readonly column: string;
  readonly excludeModes: readonly string[];
}

const BUILT_IN: Readonly<Record<string, ReferenceDefinition>> = definitions;
export const BUILT_IN_REFERENCES = Object.keys(BUILT_IN);

/** Where a built-in reference lives inside an alpaca_eval tree. */
export function builtInReferenceFile(name: string): string | undefined {
  return BUILT_IN[name]?.file;
}

/**
 * `ae1` / `ae2` / `ae2-lc` are read from the source; anything ending in `.csv` is a local
 * file (relative to `cwd`) whose score column is `column` (default `win_rate`).
 */
export async function loadReference(
  spec: string,
  context: { files: SourceFiles; cwd: string; column?: string },
): Promise<Reference> {
  const builtIn = BUILT_IN[spec];
  if (builtIn) {
    const bytes = await context.files.read(builtIn.file);
    const where = context.files.describe(builtIn.file);
    if (bytes === null) throw new InputError(where, `reference "${spec}" not found in the source`);
    const table = parseScoreTable(Buffer.from(bytes).toString('utf8'), where, {
      scoreColumn: context.column ?? builtIn.column,
      excludeModes: builtIn.excludeModes,
    });
    return { ...table, name: spec, label: builtIn.label };
  }
  if (!/\.csv$/i.test(spec)) {
    throw new BenchError(
      `unknown reference "${spec}": use ${BUILT_IN_REFERENCES.join(', ')} or the path of a leaderboard .csv file${suggest(spec)}`,
      { exitCode: 2 },
    );
  }
  return {
    ...(await readScoreCsv(resolve(context.cwd, spec), {
      scoreColumn: context.column ?? 'win_rate',
      excludeModes: ['dev'],
    })),
    name: spec,
    label: spec,
  };
}

export async function readScoreCsv(
  path: string,
  options: Parameters<typeof parseScoreTable>[2],
): Promise<ScoreTable> {
  const bytes = await readRegularFile(path);
  if (bytes === null) throw new InputError(path, 'file not found');
  const text = bytes.toString('utf8');
  return parseScoreTable(text, path, options);
}

function suggest(spec: string): string {
  const near = BUILT_IN_REFERENCES.find(
    (n) => n.toLowerCase() === spec.toLowerCase().replace(/[^a-z0-9-]/g, ''),
  );
  return near ? ` (did you mean "${near}"?)` : '';
}
