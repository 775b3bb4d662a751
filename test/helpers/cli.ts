import { commands } from '../../harness/cli/commands/index.js';
import type { CliIO } from '../../harness/cli/io.js';
import { runCli } from '../../harness/cli/program.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bench ...args` in process with captured output and a controlled environment. */
export async function runBench(
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; signal?: AbortSignal } = {},
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
    env: { ALPACA_EVAL_SOURCE: `${SHARED_DATA}/alpaca_eval`, ...options.env },
    cwd: options.cwd ?? process.cwd(),
    signal: options.signal ?? new AbortController().signal,
  };
  const code = await runCli(args, io, commands);
  return { code, stdout, stderr };
}

/** Where the shared real data lives, relative to the repo root. */
export const SHARED_DATA = new URL('../../../shared/data', import.meta.url).pathname;
export const VLLM_SIM = new URL('../../../shared/tools/vllm-sim/vllm-sim.mjs', import.meta.url).pathname;
