import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchCommands } from '../../harness/cli/commands/index.js';
import type { CliIO } from '../../harness/cli/io.js';
import { runCli, type CommandRegistrar } from '../../harness/cli/program.js';
import { builtInSuites } from '../../suites/index.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bench ...args` in process with captured output and a controlled environment. */
export async function runBench(
  args: readonly string[],
  options: {
    env?: Record<string, string | undefined>;
    cwd?: string;
    signal?: AbortSignal;
    /** the commands registered (default: all of bench's) */
    commands?: readonly CommandRegistrar[];
  } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    stderrIsTTY: false,
    // Never the upstream default: tests read the shared copy unless they say otherwise.
    // and keep their run archive and store out of the repo's .bench/.
    // (a test that gives its own cwd gets that cwd's .bench/).
    env: {
      ALPACA_EVAL_SOURCE: `${SHARED_DATA}/alpaca_eval`,
      ...(options.cwd === undefined ? { BENCH_HOME: scratchHome() } : {}),
      ...options.env,
    },
    cwd: options.cwd ?? process.cwd(),
    signal: options.signal ?? new AbortController().signal,
  };
  const code = await runCli(args, io, options.commands ?? benchCommands(builtInSuites));
  return { code, stdout, stderr };
}

let home: string | undefined;

/** A work folder (.bench equivalent) shared by the tests of one worker process. */
export function scratchHome(): string {
  home ??= mkdtempSync(join(tmpdir(), 'bench-home-'));
  return home;
}

/** Where the shared real data lives, relative to the repo root. */
export const SHARED_DATA = new URL('../../../shared/data', import.meta.url).pathname;
export const VLLM_SIM = new URL('../../../shared/tools/vllm-sim/vllm-sim.mjs', import.meta.url).pathname;
