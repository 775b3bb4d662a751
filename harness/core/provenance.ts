import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pkg from '../../package.json' with { type: 'json' };

export const HARNESS_VERSION: string = pkg.version;

let commit: string | null | undefined;

/** The harness's own git commit, when it runs from a checkout; null otherwise. */
export function harnessGitCommit(): string | null {
  if (commit !== undefined) return commit;
  try {
    const dir = fileURLToPath(new URL('.', import.meta.url));
    commit = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    })
      .toString()
      .trim();
  } catch {
    commit = null;
  }
  return commit;
}
