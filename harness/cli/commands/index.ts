import type { CommandRegistrar } from '../program.js';
import { cacheCommand } from './cache.js';
import { runAlpacaEvalCommand } from './run-alpacaeval.js';
import { runPairwise } from './run-pairwise.js';
import { runCommand } from './run.js';
import { correlateCommand } from './correlate.js';
import { reportCommand } from './report.js';
import { refreshCommand } from './refresh.js';
import { serveCommand } from './serve.js';

/** Every command of `bench`, in the order --help lists them. */
export const commands: CommandRegistrar[] = [
  runCommand([runAlpacaEvalCommand, runPairwise]),
  correlateCommand,
  reportCommand,
  refreshCommand,
  cacheCommand,
  serveCommand,
];
