import type { SuiteRegistry } from '../../suite/registry.js';
import type { CommandRegistrar } from '../program.js';
import { batchCommand } from './batch.js';
import { cacheCommand } from './cache.js';
import { runCommand } from './run.js';
import { correlateCommand } from './correlate.js';
import { judgesCommand } from './judges.js';
import { reportCommand } from './report.js';
import { refreshCommand } from './refresh.js';
import { runsCommand } from './runs.js';
import { serveCommand } from './serve.js';

/** Every command of `bench`, in the order --help lists them, for the suites given. */
export function benchCommands(suites: SuiteRegistry): CommandRegistrar[] {
  return [
    runCommand(suites),
    correlateCommand,
    judgesCommand(suites),
    reportCommand(suites),
    refreshCommand(suites),
    cacheCommand(suites),
    batchCommand(suites),
    runsCommand(suites),
    serveCommand,
  ];
}
