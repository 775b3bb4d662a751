import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { BenchError } from '../../harness/core/errors.js';
import type { StringOption } from '../../harness/suite/options.js';

export const DEFAULT_AUTOJ_DATA = '../shared/data/auto-j';

/** The option that names Auto-J's data folder, the same in every suite that reads it. */
export function autojDataOption(name = 'data', purpose = ''): StringOption {
  return {
    name,
    type: 'string',
    env: 'AUTOJ_DATA',
    describe: `${purpose}Auto-J data folder [env AUTOJ_DATA; default ${DEFAULT_AUTOJ_DATA}]`,
  };
}

/**
 * Auto-J's released data folder: the one given (--data, else $AUTOJ_DATA: `label` says
 * which, for the message), else ../shared/data/auto-j from the working directory.
 */
export function resolveAutojDataDir(given: string | undefined, label: string, cwd: string): string {
  if (given !== undefined && given !== '') {
    const dir = resolve(cwd, given);
    if (!isDirectory(dir)) throw new BenchError(`${label} ${given}: no such folder`, { exitCode: 2 });
    return dir;
  }
  const fallback = resolve(cwd, DEFAULT_AUTOJ_DATA);
  if (isDirectory(fallback)) return fallback;
  throw new BenchError(
    `no Auto-J data folder: pass --data DIR (or set AUTOJ_DATA); ${DEFAULT_AUTOJ_DATA} does not exist here`,
    { exitCode: 2 },
  );
}

function isDirectory(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory();
}
