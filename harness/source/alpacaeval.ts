import { InputError } from '../core/errors.js';
import { isSafePathSegment } from '../core/safe-name.js';
import { sha256Hex } from '../core/hash.js';
import { decodeJson } from './decode.js';
import { NotCachedError, type SourceFiles } from './files.js';

/** One entry of an AlpacaEval `model_outputs.json`, validated. */
export interface OutputEntry {
  readonly instruction: string;
  /** null when the entry has no output (null or missing) */
  readonly output: string | null;
}

export interface Submission {
  readonly model: string;
  /** where it was read from, for messages */
  readonly file: string;
  /** sha256 of the file's bytes: a changed submission gets judged again */
  readonly contentHash: string;
  readonly entries: readonly OutputEntry[];
  /** the distinct `generator` names of the entries (a renamed submission keeps its old one) */
  readonly generators: readonly string[];
}

const OUTPUT_FILES = ['model_outputs.json', 'model_outputs.json.gz'];

export function submissionDir(model: string): string {
  if (!isSafePathSegment(model)) {
    throw new InputError(model, 'model id is not a safe path segment (letters, digits and _ . + @ = - only)');
  }
  return `results/${model}`;
}

/** The submission of `model`, or null when the source has none. Bad files throw InputError. */
export async function readSubmission(files: SourceFiles, model: string): Promise<Submission | null> {
  const found = await readSubmissionFile(files, model);
  if (!found) return null;
  const { file, bytes } = found;
  const data = await decodeJson(bytes, file, { maxBytes: files.limits.maxDecodedBytes });
  return { model, file, contentHash: sha256Hex(bytes), ...validateOutputs(data, file) };
}

/** The bytes of `model`'s outputs file, the first of OUTPUT_FILES the source has, or null. */
export async function readSubmissionFile(
  files: SourceFiles,
  model: string,
): Promise<{ file: string; bytes: Uint8Array } | null> {
  const dir = submissionDir(model);
  return readFirstFile(
    files,
    OUTPUT_FILES.map((name) => `${dir}/${name}`),
  );
}

/**
 * The sha256 of `model`'s outputs file (the one `readSubmissionFile` reads), or null when the
 * source has none: streamed where the source can (a local folder), so that hashing every
 * submission holds one buffer, not every file.
 */
export async function submissionFileSha256(files: SourceFiles, model: string): Promise<string | null> {
  if (!files.sha256) {
    const found = await readSubmissionFile(files, model);
    return found ? sha256Hex(found.bytes) : null;
  }
  const dir = submissionDir(model);
  for (const name of OUTPUT_FILES) {
    const hash = await files.sha256(`${dir}/${name}`);
    if (hash !== null) return hash;
  }
  return null;
}

/**
 * The bytes of the first of `rels` the source has (`x.json`, `x.json.gz`), or null. A file
 * the source may not read is an InputError; an offline source that has not cached one name
 * may still have the other, so "not cached" is said only when none is found.
 */
export async function readFirstFile(
  files: SourceFiles,
  rels: readonly string[],
): Promise<{ file: string; bytes: Uint8Array } | null> {
  let notCached: NotCachedError | undefined;
  for (const rel of rels) {
    let bytes: Uint8Array | null;
    try {
      bytes = await files.read(rel);
    } catch (e) {
      if (!(e instanceof NotCachedError)) throw e;
      notCached ??= e;
      continue;
    }
    if (bytes !== null) return { file: files.describe(rel), bytes };
  }
  if (notCached) throw notCached;
  return null;
}

/** Model ids that have a results folder, when the source can list folders (local). */
export async function listSubmissionIds(files: SourceFiles): Promise<string[] | null> {
  return files.listDirs('results');
}

function validateOutputs(data: unknown, file: string): Pick<Submission, 'entries' | 'generators'> {
  if (!Array.isArray(data)) {
    throw new InputError(
      file,
      `expected a JSON array of {instruction, output} entries, found ${describeType(data)}`,
    );
  }
  const entries: OutputEntry[] = new Array(data.length);
  const generators = new Set<string>();
  for (let i = 0; i < data.length; i++) {
    const e = data[i] as Record<string, unknown> | null;
    if (e === null || typeof e !== 'object' || Array.isArray(e)) {
      throw new InputError(file, `entry ${i} is ${describeType(e)}, not an object`);
    }
    if (typeof e.instruction !== 'string') {
      throw new InputError(file, `entry ${i} has no "instruction" string`);
    }
    const output = e.output;
    if (output !== null && output !== undefined && typeof output !== 'string') {
      throw new InputError(file, `entry ${i} has an "output" that is ${describeType(output)}, not a string`);
    }
    entries[i] = { instruction: e.instruction, output: typeof output === 'string' ? output : null };
    if (typeof e.generator === 'string') generators.add(e.generator);
  }
  return { entries, generators: [...generators] };
}

export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
