import type { Argv } from 'yargs';
import { openSourceFiles, type SourceFiles } from '../source/files.js';
import type { CliIO } from './io.js';
import { httpCacheDir, resolveSource } from './settings.js';

/** --source and --offline, for every command that reads AlpacaEval submissions or leaderboards. */
export function sourceOptions<T>(y: Argv<T>) {
  return y
    .option('source', {
      type: 'string',
      describe:
        'alpaca_eval tree: a folder or an http(s) URL of raw files [env ALPACA_EVAL_SOURCE; default: upstream]',
    })
    .option('offline', {
      type: 'boolean',
      default: false,
      describe: 'use the HTTP cache only, never the network',
    });
}

export function openSource(args: { source?: string; offline?: boolean }, io: CliIO): SourceFiles {
  return openSourceFiles(resolveSource(args.source, io), {
    cacheDir: httpCacheDir(io),
    offline: args.offline ?? false,
  });
}
