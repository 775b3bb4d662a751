import { HARNESS_VERSION, harnessGitCommit } from '../core/provenance.js';
import type { RunEnvelope, RunManifest } from '../store/run-archive.js';
import type { Suite, SuiteContext, SuiteOutput } from './contract.js';
import { checkOptions } from './options.js';

/** Who ran: written into every manifest (tests and replays pin them). */
export interface Provenance {
  readonly harnessVersion: string;
  readonly gitCommit: string | null;
}

export function harnessProvenance(): Provenance {
  return { harnessVersion: HARNESS_VERSION, gitCommit: harnessGitCommit() };
}

/**
 * Checks `options` against the suite's declarations, then its own cross-option checks.
 * Throws a BenchError (exit code 2) naming the option as `label` does.
 */
export function checkSuiteOptions<O extends object>(
  suite: Suite<O, RunEnvelope>,
  options: O,
  label: (name: string) => string = (name) => name,
): void {
  checkOptions(suite.options, options as Readonly<Record<string, unknown>>, label);
  suite.check?.(options, label);
}

/**
 * One run of a suite: its options checked, its `run`, and the result document with the
 * shared manifest (harness version, commit, node, timings) before the suite's own fields.
 * `bench run <suite>` and `bench refresh` both run suites through here.
 */
export async function executeSuite<O extends object, R extends RunEnvelope>(
  suite: Suite<O, R>,
  options: O,
  context: SuiteContext,
  provenance: Provenance = harnessProvenance(),
): Promise<R & { manifest: RunManifest }> {
  checkSuiteOptions(suite, options, (name) => context.optionLabel(name));
  const startedAt = context.now();
  const output = await suite.run(context, options);
  return withManifest(output, { startedAt, finishedAt: context.now(), ...provenance });
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
