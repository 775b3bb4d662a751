import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HARNESS_VERSION } from './provenance.js';

/** the folders of the code that computes what is memoised: the harness and its suites */
const CODE_FOLDERS = ['harness', 'suites'];

let identity: string | undefined;

/**
 * sha256 of the code that is running: the harness version and every file under harness/
 * and suites/ of the tree this module was loaded from (the build's dist/, or the sources
 * under a test runner). A value memoised by one build (a model's reduction, a bootstrap's
 * replicates) names this in its key, so another build, even one edited without a version
 * bump, never reads it. About 400 files, read once per process (~10 ms).
 */
export function codeIdentity(): string {
  if (identity !== undefined) return identity;
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const hash = createHash('sha256').update(`autoj-bench ${HARNESS_VERSION}\n`);
  for (const folder of CODE_FOLDERS) {
    for (const file of filesUnder(join(root, folder))) {
      hash.update(`${relative(root, file)}\n`).update(readFileSync(file));
    }
  }
  identity = hash.digest('hex');
  return identity;
}

/** The regular files under `dir`, in a stable order (names sorted at every level). */
function filesUnder(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(path));
    else if (e.isFile()) out.push(path);
  }
  return out;
}
