import { terminalText } from '../core/terminal-text.js';

/**
 * What a command may touch of the outside world, injected so tests run commands in
 * process with captured output and a fake environment.
 */
export interface CliIO {
  /** results: a table, or exactly one JSON document with --json */
  readonly stdout: (text: string) => void;
  /** progress and diagnostics */
  readonly stderr: (text: string) => void;
  /** whether stderr is an interactive terminal (progress redraws in place) */
  readonly stderrIsTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** aborted on Ctrl-C / SIGTERM */
  readonly signal: AbortSignal;
}

/**
 * `bench: warning: ...` lines on stderr. Warnings carry untrusted text (model ids, file
 * names, reasons), shown with control characters escaped so each stays one inert line.
 */
export function warningsTo(io: CliIO): (message: string) => void {
  return (message) => io.stderr(`bench: warning: ${terminalText(message)}\n`);
}
