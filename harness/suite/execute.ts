import { HARNESS_VERSION, harnessGitCommit } from '../core/provenance.js';
import type { RunEnvelope, RunManifest } from '../store/run-archive.js';
import type { JudgmentCounts, Suite, SuiteContext, SuiteOutput } from './contract.js';
import { readOptions } from './options.js';

/** Who ran: written into every manifest (tests and replays pin them). */
export interface Provenance {
  readonly harnessVersion: string;
  readonly gitCommit: string | null;
}

export function harnessProvenance(): Provenance {
  return { harnessVersion: HARNESS_VERSION, gitCommit: harnessGitCommit() };
}

/**
 * The suite's options from raw values (flags): each declared one checked and read
 * (`readOptions`), then the suite's own checks across them. Throws a BenchError (exit
 * code 2) naming the option as `label` does.
 */
export function readSuiteOptions<O extends object>(
  suite: Suite<O, RunEnvelope>,
  raw: Readonly<Record<string, unknown>>,
  label: (name: string) => string = (name) => `--${name}`,
): O {
  const options = readOptions(suite.options, raw) as O;
  suite.check?.(options, label);
  return options;
}

/** A suite's run: its result document, and what its judge did (when it judged). */
export interface ExecutedSuite<R extends RunEnvelope> {
  readonly result: R & { manifest: RunManifest };
  readonly judgments?: JudgmentCounts;
}

/**
 * One run of a suite with options already read: its `run`, and the result document with
 * the shared manifest (harness version, commit, node, timings) before the suite's own
 * fields. `bench run <suite>` and `bench refresh` both run suites through here.
 */
export async function executeSuite<O extends object, R extends RunEnvelope>(
  suite: Suite<O, R>,
  options: O,
  context: SuiteContext,
  provenance: Provenance = harnessProvenance(),
): Promise<ExecutedSuite<R>> {
  const startedAt = context.now();
  const output = await suite.run(context, options);
  const result = withManifest(output, { startedAt, finishedAt: context.now(), ...provenance });
  return output.judgments ? { result, judgments: output.judgments } : { result };
}

/** The result document of a suite's output: the shared manifest fields first, then its own. */
export function withManifest<R extends RunEnvelope>(
  output: SuiteOutput<R>,
  run: Provenance & { readonly startedAt: Date; readonly finishedAt: Date },
): R & { manifest: RunManifest } {
  const manifest: RunManifest = {
    harnessVersion: run.harnessVersion,
    gitCommit: run.gitCommit,
    node: process.version,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt.toISOString(),
    durationMs: run.finishedAt.getTime() - run.startedAt.getTime(),
  };
  return { ...output.result, manifest: { ...manifest, ...output.manifest } } as unknown as R & {
    manifest: RunManifest;
  };
}
