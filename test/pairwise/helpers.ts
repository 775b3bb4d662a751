import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCommand } from '../../harness/cli/commands/run.js';
import { SuiteRegistry } from '../../harness/suite/registry.js';
import { pairwiseSuite } from '../../suites/pairwise/index.js';
import { runBench, scratchHome, SHARED_DATA, type CliResult } from '../helpers/cli.js';

export const AUTOJ = path.join(SHARED_DATA, 'auto-j');
export const PREDICTIONS = path.join(AUTOJ, 'data/outputs/pairwise_example_output.jsonl');
export const SWAPPED = path.join(AUTOJ, 'data/outputs/pairwise_exchange_example_output.jsonl');
export const TEST_SET = path.join(AUTOJ, 'data/test/testdata_pairwise.jsonl');

/** `bench run pairwise ...args` in process, with only the pairwise suite registered. */
export function runPairwiseCli(
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<CliResult> {
  return runBench(['run', 'pairwise', ...args], {
    env: { BENCH_HOME: scratchHome(), ...options.env },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    commands: [runCommand(new SuiteRegistry([pairwiseSuite]))],
  });
}

/** A temporary folder for generated fixtures; `cleanup` removes it. */
export function tempDir(): {
  dir: string;
  write: (name: string, text: string) => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-pairwise-'));
  return {
    dir,
    write: (name, text) => {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Lines of `{"output": code}`. */
export function verdictLines(codes: readonly number[]): string {
  return codes.map((c) => `{"output": ${c}}\n`).join('');
}
