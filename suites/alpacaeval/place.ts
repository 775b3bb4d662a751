import { basename } from 'node:path';
import { BenchError } from '../../harness/core/errors.js';
import type { JudgeInfo } from '../../harness/core/types.js';
import { interval } from '../../harness/core/text-table.js';
import { terminalText } from '../../harness/core/terminal-text.js';
import { loadLeaderboardHistories } from '../../harness/report/index.js';
import { readExtraSubmission, withSubmission } from '../../harness/source/overlay.js';
import type { SourceFiles } from '../../harness/source/files.js';
import type { Interval } from '../../harness/stats/bootstrap.js';
import { loadStoredResults } from './report/publish.js';
import type { AlpacaEvalRunInput } from './report/types.js';
import type { AlpacaEvalResult } from './result.js';

/**
 * `bench run alpacaeval --model-outputs FILE [--name ID]`: one new model placed in the
 * stored leaderboard of the judge, as `alpaca_eval evaluate --model_outputs` users expect.
 * The leaderboard is the run the site publishes for the judge (its newest refresh
 * snapshot's run, else its newest complete run: report/publish.ts); the new model is judged
 * with that run's models, instructions, seed, bootstrap and references, so every other
 * model's judgments come from the store (0 requests) and only the new one's are asked for.
 * The file joins the source as one more submission (harness/source/overlay.ts): it is
 * aligned and validated like any other, and the judging loop does not know it is new.
 */

/** Where the new model landed, in the result of such a run. */
export interface Placement {
  readonly model: string;
  /** the outputs file, as given (resolved) */
  readonly file: string;
  readonly rank: number | null;
  /** models ranked in this run */
  readonly of: number;
  readonly score: number | null;
  readonly scoreCi95?: Interval;
  readonly rankCi95?: Interval;
  /** the stored leaderboard it was placed in */
  readonly leaderboard: {
    /** the archived run's file name */
    readonly run: string;
    readonly publishedAs: 'snapshot' | 'complete';
    /** the snapshot's date, for a snapshot */
    readonly date?: string;
    readonly finishedAt: string;
  };
}

export interface PlacementRequest {
  readonly path: string;
  readonly name?: string;
  readonly cwd: string;
  readonly files: SourceFiles;
  readonly judge: JudgeInfo;
  /** the run archive and the leaderboard snapshots' folder */
  readonly stored: { readonly runs: string; readonly leaderboards: string };
  readonly warn: (message: string) => void;
}

/** What the run is then asked for: the leaderboard's selection with the new model, on the source with it. */
export interface PlacementRun {
  readonly model: string;
  readonly file: string;
  readonly files: SourceFiles;
  readonly models: readonly string[];
  readonly instructions: number | undefined;
  readonly seed: number;
  readonly bootstrap: number;
  readonly references: readonly string[];
  readonly leaderboard: AlpacaEvalRunInput & { readonly file: string };
}

export async function placementRun(request: PlacementRequest): Promise<PlacementRun> {
  const extra = await readExtraSubmission(request.path, {
    ...(request.name === undefined ? {} : { name: request.name }),
    cwd: request.cwd,
    limits: request.files.limits,
  });
  const leaderboard = await storedLeaderboard(request);
  const { result } = leaderboard;
  if (result.models.some((m) => m.model === extra.id)) {
    throw new BenchError(
      `${extra.file}: ${extra.id} is a model of the stored ${request.judge.name} leaderboard already (${basename(leaderboard.file)}): give --name a new id`,
      { exitCode: 2 },
    );
  }
  const s = result.settings;
  return {
    model: extra.id,
    file: extra.file,
    files: withSubmission(request.files, extra),
    models: [...result.models.map((m) => m.model), extra.id],
    instructions: s.instructions < s.instructionSetSize ? s.instructions : undefined,
    seed: s.seed,
    bootstrap: s.bootstrap,
    references: s.references,
    leaderboard,
  };
}

/** The judge's published AlpacaEval run; a BenchError saying how to make one when there is none. */
async function storedLeaderboard(
  request: PlacementRequest,
): Promise<AlpacaEvalRunInput & { readonly file: string }> {
  const histories = await loadLeaderboardHistories(request.stored.leaderboards, request.warn);
  const { alpacaeval } = await loadStoredResults(request.stored.runs, request.warn, histories);
  const judge = request.judge;
  const published = alpacaeval.find((r) => r.result.judge.name === judge.name);
  if (!published?.file) {
    throw new BenchError(
      `judge ${judge.name} has no stored leaderboard to place the model in (no refresh snapshot, no complete run in ${request.stored.runs}): run bench run alpacaeval --judge ${judge.name} (every model, every instruction) or bench refresh first`,
    );
  }
  const theirs = published.result.judge;
  if (theirs.templateVersion !== judge.templateVersion || theirs.model !== judge.model) {
    request.warn(
      `the stored ${judge.name} leaderboard (${basename(published.file)}) was judged by ${theirs.model} with template ${theirs.templateVersion}, not ${judge.model} with ${judge.templateVersion}: its models are judged again`,
    );
  }
  return { ...published, file: published.file };
}

/** The placement of the new model in the run's result; the run must have judged the leaderboard's instructions. */
export function placementOf(run: PlacementRun, result: Omit<AlpacaEvalResult, 'manifest'>): Placement {
  const stored = run.leaderboard.result;
  const same =
    stored.instructionIndices.length === result.instructionIndices.length &&
    stored.instructionIndices.every((v, i) => v === result.instructionIndices[i]);
  if (!same) {
    throw new BenchError(
      `the stored leaderboard ${basename(run.leaderboard.file)} judged other instructions than this run: it cannot place the model`,
    );
  }
  const m = result.models.find((x) => x.model === run.model);
  const publishedAs = run.leaderboard.publishedAs;
  return {
    model: run.model,
    file: run.file,
    rank: m?.rank ?? null,
    of: result.models.filter((x) => x.rank !== null).length,
    score: m?.score ?? null,
    ...(m?.scoreCi95 ? { scoreCi95: m.scoreCi95 } : {}),
    ...(m?.rankCi95 ? { rankCi95: m.rankCi95 } : {}),
    leaderboard: {
      run: basename(run.leaderboard.file),
      publishedAs: publishedAs?.kind ?? 'complete',
      ...(publishedAs?.kind === 'snapshot' ? { date: publishedAs.date } : {}),
      finishedAt: stored.manifest.finishedAt,
    },
  };
}

/** The first lines of the table of a placement run. */
export function placementText(p: Placement): string {
  const where = p.leaderboard.publishedAs === 'snapshot' ? `snapshot ${p.leaderboard.date}` : 'complete run';
  const rank =
    p.rank === null
      ? 'not ranked (see skipped)'
      : `rank ${p.rank} of ${p.of}${p.rankCi95 ? ` (95% ${interval(p.rankCi95, 1)})` : ''}, score ${p.score === null ? '–' : p.score.toFixed(3)}${p.scoreCi95 ? ` (95% ${interval(p.scoreCi95, 3)})` : ''}`;
  return `${terminalText(`${p.model}: ${rank} in the stored leaderboard (${where} ${p.leaderboard.run})`)}\n\n`;
}
