import type { JudgeInfo } from '../core/types.js';
import { canonicalJson, sha256Hex } from '../core/hash.js';
import { InputError } from '../core/errors.js';
import { readSubmissionFile } from '../source/alpacaeval.js';
import type { SourceFiles } from '../source/files.js';
import type { ScoreTable } from '../source/leaderboard-csv.js';
import type { SnapshotInputs } from './types.js';

/**
 * sha256 of a model's outputs file (the `contentHash` a run records), or null when the
 * source has none or may not read it (the run then skips the model with the reason).
 * Reads, never parses.
 */
export async function submissionHash(files: SourceFiles, model: string): Promise<string | null> {
  try {
    const found = await readSubmissionFile(files, model);
    return found ? sha256Hex(found.bytes) : null;
  } catch (e) {
    if (e instanceof InputError) return null;
    throw e;
  }
}

/**
 * What a refresh would compute a leaderboard from, cheaply: hashing the reference models'
 * outputs files takes a fraction of a second where parsing them takes seconds.
 */
export async function collectInputs(options: {
  readonly files: SourceFiles;
  readonly reference: ScoreTable & { readonly name: string };
  readonly judge: JudgeInfo;
  readonly instructionSetSha256: string;
  /** files read at once (HTTP sources revalidate each one) */
  readonly concurrency?: number;
}): Promise<SnapshotInputs> {
  const models = [...options.reference.scores.keys()].sort();
  const hashes = await mapLimit(models, options.concurrency ?? 8, (m) => submissionHash(options.files, m));
  return {
    judge: judgeIdentity(options.judge),
    instructionSetSha256: options.instructionSetSha256,
    reference: options.reference.name,
    values: Object.fromEntries(models.map((m) => [m, options.reference.scores.get(m)!])),
    excluded: [...options.reference.excluded]
      .map((e) => ({ model: e.model, reason: e.reason }))
      .sort((a, b) => cmp(a.model, b.model) || cmp(a.reason, b.reason)),
    submissions: Object.fromEntries(models.map((m, i) => [m, hashes[i]!])),
  };
}

export function judgeIdentity(judge: JudgeInfo): SnapshotInputs['judge'] {
  return {
    name: judge.name,
    model: judge.model,
    templateVersion: judge.templateVersion,
    sampling: judge.sampling ?? null,
  };
}

export function sameInputs(a: SnapshotInputs, b: SnapshotInputs): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Short phrases saying how `next` differs from `prev`, for the log ("3 new submissions", ...). */
export function describeInputChanges(prev: SnapshotInputs, next: SnapshotInputs): string[] {
  const out: string[] = [];
  if (canonicalJson(prev.judge) !== canonicalJson(next.judge)) out.push('the judge changed');
  if (prev.instructionSetSha256 !== next.instructionSetSha256) out.push('the instruction set changed');
  if (prev.reference !== next.reference)
    out.push(`the reference changed (${prev.reference} -> ${next.reference})`);
  const count = (n: number, one: string, many: string) => (n > 0 ? [`${n} ${n === 1 ? one : many}`] : []);
  const models = new Set([...Object.keys(prev.values), ...Object.keys(next.values)]);
  let addedRows = 0;
  let removedRows = 0;
  let values = 0;
  let outputs = 0;
  for (const m of models) {
    const a = prev.values[m];
    const b = next.values[m];
    if (a === undefined) addedRows++;
    else if (b === undefined) removedRows++;
    else if (a !== b) values++;
    if (a !== undefined && b !== undefined && prev.submissions[m] !== next.submissions[m]) outputs++;
  }
  out.push(
    ...count(addedRows, 'model new in the reference', 'models new in the reference'),
    ...count(removedRows, 'model gone from the reference', 'models gone from the reference'),
    ...count(values, 'reference value changed', 'reference values changed'),
    ...count(outputs, 'submission with new outputs', 'submissions with new outputs'),
  );
  if (canonicalJson(prev.excluded) !== canonicalJson(next.excluded))
    out.push('excluded reference rows changed');
  return out;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
