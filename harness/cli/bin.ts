#!/usr/bin/env node
import { commands } from './commands/index.js';
import { runCli } from './program.js';

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
  commands,
);
// Let stdout drain (large --json documents) before exiting.
process.stdout.write('', () => process.exit(code));
