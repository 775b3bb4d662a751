import type { SourceFiles } from '../source/files.js';

/**
 * A source whose file `relPath` is replaced by `bytes` (read once, up front): the
 * reference a refresh hashes is exactly the one it ranks against, even if the source
 * changes meanwhile, and `--as-of FILE.csv` stands in for the source's own leaderboard.
 */
export function pinFile(
  files: SourceFiles,
  relPath: string,
  bytes: Uint8Array,
  describedAs: string = files.describe(relPath),
): SourceFiles {
  return {
    location: files.location,
    limits: files.limits,
    read: (p) => (p === relPath ? Promise.resolve(bytes) : files.read(p)),
    describe: (p) => (p === relPath ? describedAs : files.describe(p)),
    listDirs: (d) => files.listDirs(d),
  };
}
