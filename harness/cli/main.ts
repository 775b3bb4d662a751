import type { SuiteRegistry } from '../suite/registry.js';
import { benchCommands } from './commands/index.js';
import { limitHeapGrowth } from './heap.js';
import { runCli } from './program.js';

/**
 * The `bench` process for the suites given (bin/bench.ts gives the built-in ones): Ctrl-C
 * handling, the real terminal and environment, and the exit code. The only place that
 * ends the process.
 */
export async function main(suites: SuiteRegistry): Promise<void> {
  limitHeapGrowth();
  const controller = new AbortController();
  let interrupts = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      interrupts += 1;
      // A second Ctrl-C means "now": in-flight work is dropped, the store stays consistent.
      if (interrupts > 1) process.exit(130);
      process.stderr.write(`\nbench: ${signal} received, stopping (again to force)\n`);
      controller.abort(new Error(signal));
    });
  }

  const code = await runCli(
    process.argv.slice(2),
    {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      stderrIsTTY: Boolean(process.stderr.isTTY),
      env: process.env,
      cwd: process.cwd(),
      signal: controller.signal,
    },
    benchCommands(suites),
  );
  // Let stdout drain (large --json documents) before exiting.
  process.stdout.write('', () => process.exit(code));
}
