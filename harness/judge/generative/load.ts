import { existsSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError } from '../../core/errors.js';
import { didYouMean } from '../../core/suggest.js';
import { readJudgeProfile, type JudgeProfile } from './profile.js';

/**
 * Finding a judge profile: a built-in name (a file `judges/<name>.yaml` of the package)
 * or the path of a user's own file (`./my-judge.yaml`).
 */

const PROFILE_FILE = /^[a-z0-9][a-z0-9._-]*\.yaml$/;

let builtInDir: string | undefined;

/** The package's judges/ folder, found upward from this module (source and dist alike). */
export function judgesDir(): string {
  if (builtInDir) return builtInDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'judges', 'autoj.yaml'))) return (builtInDir = join(dir, 'judges'));
    dir = dirname(dir);
  }
  throw new BenchError('cannot find the judge profiles (judges/autoj.yaml) next to the harness');
}

/** The built-in judges' names, sorted. */
export function builtInJudgeNames(dir: string = judgesDir()): string[] {
  return readdirSync(dir)
    .filter((f) => PROFILE_FILE.test(f))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** A path (it has a folder separator or a profile extension) rather than a built-in name. */
export function isProfilePath(nameOrPath: string): boolean {
  return /[/\\]/.test(nameOrPath) || /\.(?:ya?ml|json)$/i.test(nameOrPath);
}

export interface LoadProfileOptions {
  /** where a relative path starts; default the process's working directory */
  readonly cwd?: string;
  /** the built-in profiles' folder; default the package's judges/ */
  readonly builtInDir?: string;
}

/**
 * Loads and validates a judge profile. A name that is not a built-in fails with the list
 * of built-ins and the nearest one (`unknown judge "autj" (did you mean "autoj"?)`).
 */
export function loadJudgeProfile(nameOrPath: string, options: LoadProfileOptions = {}): JudgeProfile {
  const dir = options.builtInDir ?? judgesDir();
  const names = builtInJudgeNames(dir);
  if (!isProfilePath(nameOrPath)) {
    if (!names.includes(nameOrPath)) {
      throw new BenchError(
        `unknown judge "${nameOrPath}"${didYouMean(nameOrPath, names)}; built-in judges: ${names.join(', ')}; ` +
          'or give the path of a profile file (./my-judge.yaml, see docs/judges.md)',
        { exitCode: 2 },
      );
    }
    const profile = readJudgeProfile(join(dir, `${nameOrPath}.yaml`), {
      shownAs: `judges/${nameOrPath}.yaml`,
    });
    if (profile.name !== nameOrPath) {
      throw new BenchError(`judges/${nameOrPath}.yaml: name: "${profile.name}" differs from the file's name`);
    }
    return profile;
  }
  const cwd = options.cwd ?? process.cwd();
  const file = resolve(cwd, nameOrPath);
  const rel = relative(cwd, file);
  const shownAs = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
  // a built-in named by its path is the built-in itself
  const reserved = dirname(file) === resolve(dir) ? [] : names;
  return readJudgeProfile(file, { shownAs, reservedNames: reserved });
}
