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
