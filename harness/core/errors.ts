/**
 * A failure the user can act on. The CLI prints `message` as its one line and exits
 * non-zero; `cause` keeps the underlying error for --verbose.
 */
export class BenchError extends Error {
  override readonly name = 'BenchError';
  /** process exit code the CLI should use */
  readonly exitCode: number;

  constructor(message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A problem with one input file: the message always names the file. */
export class InputError extends BenchError {
  readonly file: string;
  constructor(file: string, problem: string, options: { cause?: unknown } = {}) {
    super(`${file}: ${problem}`, options);
    this.file = file;
  }
}

/** The run was interrupted (Ctrl-C); 130 is the shell's code for SIGINT. */
export class InterruptedError extends BenchError {
  constructor(message = 'interrupted') {
    super(message, { exitCode: 130 });
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Exit code of a run that completed but with failed judgments beyond --max-failures: its
 * result is written (and can be inspected) but is not to be trusted or published.
 */
export const FAILED_JUDGMENTS_EXIT = 3;

/**
 * Exit code of `bench refresh --fail-on-drift` when ranks moved beyond their intervals:
 * the snapshot is written and published; the code tells a scheduler to have a look.
 */
export const DRIFT_EXIT = 4;
