import { resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { isSafePathSegment } from '../core/safe-name.js';
import { submissionDir } from './alpacaeval.js';
import { decodeJson } from './decode.js';
import { readRegularFile, type SourceFiles } from './files.js';

/**
 * One submission that is not in the source: a user's `model_outputs.json` (`bench run
 * alpacaeval --model-outputs FILE`), read once, shown under its own path in messages.
 */
export interface ExtraSubmission {
  /** the model id it is judged as (a safe path segment) */
  readonly id: string;
  /** the file, as messages name it */
  readonly file: string;
  /** its bytes (JSON, or gzipped JSON) */
  readonly bytes: Uint8Array;
}

/**
 * Reads a `model_outputs.json` given on the command line (bounded as every source file is)
 * and the id it is judged as: `name`, else the file's `generator` field (the one every
 * entry names), each checked to be a safe model id. Only the id is checked here: the
 * outputs are read, aligned and validated as any submission's when the suite reads them
 * (readSubmission). Every problem is an InputError naming the file.
 */
export async function readExtraSubmission(
  path: string,
  options: { readonly name?: string; readonly cwd: string; readonly limits: SourceFiles['limits'] },
): Promise<ExtraSubmission> {
  const file = resolve(options.cwd, path);
  const bytes = await readRegularFile(file, { maxBytes: options.limits.maxFileBytes });
  if (bytes === null) throw new InputError(file, 'file not found');
  if (options.name !== undefined) {
    if (!isSafePathSegment(options.name)) {
      throw new InputError(
        file,
        `--name "${options.name}" is not a valid model id (letters, digits and _ . + @ = - only)`,
      );
    }
    return { id: options.name, file, bytes };
  }
  const data = await decodeJson(bytes, file, { maxBytes: options.limits.maxDecodedBytes });
  return { id: generatorOf(data, file), file, bytes };
}

/** The one `generator` every entry names; else an InputError asking for --name. */
function generatorOf(data: unknown, file: string): string {
  const names = new Set<unknown>(
    Array.isArray(data) ? data.map((e) => (e as { generator?: unknown } | null)?.generator) : [],
  );
  if (!Array.isArray(data) || data.length === 0 || names.size !== 1) {
    const what = !Array.isArray(data)
      ? 'is not a JSON array of outputs'
      : names.size > 1
        ? `names ${names.size} different generators`
        : 'has no entries';
    throw new InputError(
      file,
      `${what}, so the model's id cannot be read from its "generator" field: give --name ID`,
    );
  }
  const [name] = names;
  if (typeof name !== 'string') {
    throw new InputError(file, 'has no "generator" string in its entries: give --name ID');
  }
  if (!isSafePathSegment(name)) {
    throw new InputError(
      file,
      `its generator ${JSON.stringify(name.slice(0, 80))} is not a valid model id (letters, digits and _ . + @ = - only): give --name ID`,
    );
  }
  return name;
}

/**
 * The source with one more submission: `results/<id>/model_outputs.json` is the extra
 * file (and `.json.gz` absent, so a submission of the source under the same id is not
 * read), every other path the source's own; the id is listed among the submissions.
 */
export function withSubmission(base: SourceFiles, extra: ExtraSubmission): SourceFiles {
  const dir = submissionDir(extra.id);
  const json = `${dir}/model_outputs.json`;
  const gz = `${dir}/model_outputs.json.gz`;
  return {
    location: base.location,
    limits: base.limits,
    read: async (relPath) => (relPath === json ? extra.bytes : relPath === gz ? null : base.read(relPath)),
    describe: (relPath) => (relPath === json ? extra.file : base.describe(relPath)),
    listDirs: async (relDir) => {
      const listed = await base.listDirs(relDir);
      if (relDir !== 'results' || listed === null) return listed;
      return [...new Set([...listed, extra.id])].sort();
    },
  };
}
