import yargs, { type Argv } from 'yargs';
import { BenchError, errorMessage } from '../core/errors.js';
import { terminalText } from '../core/terminal-text.js';
import { withAdvice } from './advice.js';
import type { CliIO } from './io.js';
import { repeatedOption } from './number-options.js';

/**
 * A command registers itself on the parser; its handler returns the exit code or throws
 * (a BenchError's message becomes the one-line reason). Commands never call process.exit.
 */
export type CommandRegistrar = (cli: Argv, io: CliIO, setExitCode: (code: number) => void) => Argv;

const version = '0.1.0';

/** Parses `argv`, runs the command, and returns the process exit code. */
export async function runCli(
  argv: readonly string[],
  io: CliIO,
  commands: readonly CommandRegistrar[],
): Promise<number> {
  let exitCode = 0;
  const setExitCode = (code: number) => {
    exitCode = code;
  };
  let parser = yargs([...argv])
    .scriptName('bench')
    .usage('$0 <command> [options]\n\nA benchmarking harness for LLM judges (Auto-J on vLLM).')
    .version(version)
    .help()
    .alias('h', 'help')
    .strict()
    .demandCommand(1, 'name a command; see bench --help')
    .recommendCommands()
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((message, error) => {
      throw error ?? new BenchError(message, { exitCode: 2 });
    })
    .middleware(
      // yargs passes the parser of the command being run as a second argument (not in its types)
      rejectRepeatedOptions as unknown as (argv: Record<string, unknown>) => void,
      true,
    );
  for (const register of commands) parser = register(parser, io, setExitCode);

  let helpShown = false;
  try {
    await parser.parseAsync([...argv], {}, (_err: Error | undefined, _argv: unknown, output: string) => {
      if (output) {
        helpShown = true;
        io.stdout(output.endsWith('\n') ? output : `${output}\n`);
      }
    });
  } catch (e) {
    if (helpShown) return exitCode || 2;
    const code = e instanceof BenchError ? e.exitCode : 1;
    io.stderr(`bench: ${terminalText(oneLine(withAdvice(errorMessage(e), e)))}\n`);
    if (io.env.BENCH_DEBUG && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
    return code;
  }
  return exitCode;
}

/**
 * yargs turns an option given twice into a list of both values, which a command expecting
 * one value then trips over (`--source X --source X` was a TypeError). Only options
 * declared as lists may repeat.
 */
function rejectRepeatedOptions(argv: Record<string, unknown>, parser: DeclaredOptions): void {
  const options = parser.getOptions();
  const lists = new Set(options.array);
  for (const name of Object.keys(options.key)) {
    const value = argv[name];
    if (!lists.has(name) && Array.isArray(value)) throw repeatedOption(name, value.length);
  }
}

/** What yargs's (untyped) `getOptions()` tells of the options declared so far. */
interface DeclaredOptions {
  getOptions(): { readonly array: readonly string[]; readonly key: Readonly<Record<string, unknown>> };
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
