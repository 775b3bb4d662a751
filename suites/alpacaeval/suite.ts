import { formatShare } from '../../harness/core/text-table.js';
import { BenchError, InputError } from '../../harness/core/errors.js';
import { sha256Hex } from '../../harness/core/hash.js';
import { isSafePathSegment } from '../../harness/core/safe-name.js';
import type { JudgeTask, Judgment } from '../../harness/core/types.js';
import type { Judge } from '../../harness/judge/judge.js';
import {
  listSubmissionIds,
  readSubmission,
  submissionFileSha256,
  type Submission,
} from '../../harness/source/alpacaeval.js';
import { alignOutputs, InstructionIndex, type AlignmentReport } from '../../harness/source/align.js';
import type { SourceFiles } from '../../harness/source/files.js';
import { loadReference, type Reference } from '../../harness/source/references.js';
import {
  aggregateModel,
  type ModelAggregate,
  type ModelScoreVector,
} from '../../harness/aggregate/model-aggregate.js';
import {
  runJudgmentWindows,
  type JudgingWindow,
  type RunOptions,
  type RunSummary,
} from '../../harness/runner/run-judgments.js';
import { memoKey, recallMemo, rememberMemo } from '../../harness/runner/memo.js';
import type { Memo } from '../../harness/runner/run-judgments.js';
import { withReplicateMemo, type ReplicateMemo } from '../../harness/stats/bootstrap.js';
import type { SuiteOutput } from '../../harness/suite/contract.js';
import { withManifest } from '../../harness/suite/execute.js';
import { lengthJudgeInfo } from '../../harness/judge/length.js';
import { sampleIndices } from '../../harness/stats/rng.js';
import { correlateWithBootstrap } from './correlate.js';
import { aggregateExpected, chooseScores, compareScores, type ScoreKind } from './expected-score.js';
import { baselineLengths, lengthControlInput, lengthControlled, outputLengths } from './length-controlled.js';
import { LengthControlPool } from '../../harness/stats/length-control-workers.js';
import { modelSignificance } from './significance.js';
import { instanceAgreement, loadInstanceAnnotations, missingBaselines } from './instance-agreement.js';
import { scenarioBreakdown, type InstructionLabels } from './scenarios.js';
import { alpacaEvalInstructions } from './instruction-set.js';
import type { AlpacaEvalResult, Coverage, ItemRef, ModelResult, SkippedModel } from './result.js';

export interface AlpacaEvalOptions {
  readonly files: SourceFiles;
  readonly cwd: string;
  /** reference names (`ae1`, `ae2`, `ae2-lc`) or CSV paths */
  readonly references: readonly string[];
  readonly referenceColumn?: string;
  /** judge only these models; default: every submission in the source and every model of a reference */
  readonly models?: readonly string[];
  /** judge a seeded random subset of this many instructions (the same for every model) */
  readonly instructions?: number;
  /**
   * skip a model with outputs for a smaller share of the instructions judged (0-1);
   * default DEFAULT_MIN_COVERAGE
   */
  readonly minCoverage?: number;
  readonly seed: number;
  readonly bootstrap: number;
  /** what ranks the models: the mean rating (default) or the mean expected rating (expected-score.ts) */
  readonly score?: ScoreKind;
  /** the judge gets tasks for empty outputs too (Auto-J rates an empty answer); length scores them 0 */
  readonly judge: Judge;
  readonly run: Omit<RunOptions, 'label' | 'subjects'>;
  /** the instruction set's scenarios (`--scenarios`): scores and correlations per group too */
  readonly scenarios?: InstructionLabels;
  readonly warn: (message: string) => void;
  readonly harnessVersion: string;
  readonly gitCommit: string | null;
  readonly now?: () => Date;
}

/**
 * A submission with outputs for fewer than 95% of the instructions judged is not ranked:
 * a mean over a few answers is not comparable with a mean over all of them (one with 10 of
 * 805 ranked first). Every submission in the shared data answers at least 802 of 805.
 */
export const DEFAULT_MIN_COVERAGE = 0.95;

interface LoadedModel {
  readonly model: string;
  /** sha256 of the submission file */
  readonly contentHash: string;
  /** the distinct `generator` names of its outputs (instance-level agreement checks them) */
  readonly generators: readonly string[];
  readonly coverage: Coverage;
  /** outputs of the selected instructions; undefined where the model has none */
  readonly outputs: readonly (string | undefined)[];
}

/** A model that is not judged, and why. */
interface Skip {
  readonly skip: SkippedModel;
}

/** What is kept of a judged model: no outputs, no judgments. */
interface JudgedModel {
  readonly loaded: Omit<LoadedModel, 'outputs'>;
  /** best, worst and failed items (judges that rate on a scale), with the judged responses' hashes */
  readonly details: Pick<ModelResult, 'histogram' | 'best' | 'worst' | 'failures'> | undefined;
  readonly aggregate: ModelAggregate;
  readonly vector: ModelScoreVector;
  /** the same of the expected ratings */
  readonly expected: ReturnType<typeof aggregateExpected>;
  readonly meanLength: number;
  /** output length per selected instruction, NaN where missing */
  readonly lengths: Float64Array;
}

/**
 * Models judged together: enough tasks to keep a server's batch full many times over
 * (8 x 805), few enough that a window's outputs, the next one's and those loading stay a
 * few tens of megabytes whatever the size of the leaderboard.
 */
export const MODELS_PER_WINDOW = 8;
/** submissions read and decoded ahead of the window being cut (I/O and gunzip overlap the rest) */
const LOADS_AHEAD = 3;

/** A window of models: its tasks in instruction-major order, and where each one goes back. */
interface ModelWindow extends JudgingWindow {
  readonly models: readonly {
    /** position in the run's model list */
    readonly at: number;
    readonly m: LoadedModel;
    /** the selected-instruction position of each of the model's tasks */
    readonly positions: readonly number[];
  }[];
  /** task t of the window is task `k` of window model `model` */
  readonly order: readonly { readonly model: number; readonly k: number }[];
}

/**
 * The models in windows of `size`, loaded LOADS_AHEAD ahead (I/O and gunzip overlap the
 * judging of the window before). Within a window the tasks go instruction-major: the
 * prompts of one instruction share their prefix, so they go to the server together.
 */
async function* judgingWindows(
  models: readonly { readonly at: number; readonly model: string }[],
  load: (model: string) => Promise<LoadedModel | Skip>,
  onSkip: (skip: SkippedModel) => void,
  instructions: readonly string[],
  selected: readonly number[],
  size: number,
): AsyncGenerator<ModelWindow> {
  let batch: { at: number; m: LoadedModel }[] = [];
  const cut = (): ModelWindow => {
    const windowModels = batch.map(({ at, m }) => {
      const positions: number[] = [];
      m.outputs.forEach((output, k) => {
        if (output !== undefined) positions.push(k);
      });
      return { at, m, positions };
    });
    const order: { model: number; k: number }[] = [];
    windowModels.forEach((l, model) => l.positions.forEach((_, k) => order.push({ model, k })));
    order.sort(
      (a, b) =>
        windowModels[a.model]!.positions[a.k]! - windowModels[b.model]!.positions[b.k]! || a.model - b.model,
    );
    const tasks: JudgeTask[] = order.map((o) => {
      const l = windowModels[o.model]!;
      const k = l.positions[o.k]!;
      return { protocol: 'single', instruction: instructions[selected[k]!]!, response: l.m.outputs[k]! };
    });
    const subjects = order.map((o) => ({ suite: 'alpacaeval', subject: windowModels[o.model]!.m.model }));
    batch = [];
    return { tasks, subjects, models: windowModels, order };
  };
  let next = 0;
  for await (const m of prefetch(
    models.map((x) => x.model),
    load,
    LOADS_AHEAD,
  )) {
    const at = models[next++]!.at;
    if ('skip' in m) onSkip(m.skip);
    else batch.push({ at, m });
    if (batch.length === size) yield cut();
  }
  if (batch.length > 0) yield cut();
}

/**
 * source -> judge -> aggregate -> statistics for AlpacaEval: every model's outputs are
 * aligned to the instruction set and judged one by one; the mean rating ranks the models;
 * the ranking is correlated with each reference leaderboard, with bootstrap intervals
 * over instructions.
 */
export async function runAlpacaEval(options: AlpacaEvalOptions): Promise<AlpacaEvalResult> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const output = await judgeAlpacaEval(options);
  return withManifest(output, {
    startedAt,
    finishedAt: now(),
    harnessVersion: options.harnessVersion,
    gitCommit: options.gitCommit,
  });
}

/** `runAlpacaEval` without the shared part of the manifest: the suite's run (index.ts). */
export async function judgeAlpacaEval(
  options: Omit<AlpacaEvalOptions, 'harnessVersion' | 'gitCommit' | 'now'>,
): Promise<SuiteOutput<AlpacaEvalResult>> {
  const references: Reference[] = [];
  for (const spec of options.references) {
    references.push(
      await loadReference(spec, { files: options.files, cwd: options.cwd, column: options.referenceColumn }),
    );
  }
  const set = alpacaEvalInstructions();
  const selected =
    options.instructions !== undefined && options.instructions < set.instructions.length
      ? sampleIndices(set.instructions.length, options.instructions, options.seed)
      : set.instructions.map((_, i) => i);
  const index = new InstructionIndex(set.instructions);
  const minCoverage = options.minCoverage ?? DEFAULT_MIN_COVERAGE;

  const skipped: { -readonly [K in keyof SkippedModel]: SkippedModel[K] }[] = [];
  const referencesOf = (model: string) => references.filter((r) => r.scores.has(model)).map((r) => r.name);
  for (const r of references) {
    for (const e of r.excluded) {
      // ae2 and ae2-lc share a file: one entry per (model, reason), listing both.
      const same = skipped.find((s) => s.model === e.model && s.reason === e.reason);
      if (same) same.references = [...(same.references ?? []), r.name];
      else skipped.push({ model: e.model, reason: e.reason, references: [r.name] });
    }
  }
  const models = await chooseModels(options, references);
  const annotations = await loadInstanceAnnotations(options.files, models, index, selected, options.warn);
  // Instance-level agreement compares with the annotators' baselines: one the run left out is
  // judged with the others, for that only (then taken out: not ranked, not listed).
  const extraBaselines = new Set(missingBaselines(annotations, new Set(models)));
  const toJudge = [...models, ...extraBaselines];

  const totals = { requested: 0, cached: 0, sent: 0, unparsed: 0, errors: 0 };
  const addSummary = (s: RunSummary) => {
    for (const k of Object.keys(totals) as (keyof RunSummary)[]) totals[k] += s[k];
  };

  const loadModel = async (model: string): Promise<LoadedModel | Skip> => {
    let submission: Submission | null;
    try {
      submission = await readSubmission(options.files, model);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      options.warn(`${e.message} (model skipped)`);
      return { skip: withRefs({ model, reason: e.message }, referencesOf(model)) };
    }
    if (!submission) {
      return { skip: withRefs({ model, reason: 'no outputs in the source' }, referencesOf(model)) };
    }
    const aligned = alignOutputs(index, submission.entries);
    const outputs = selected.map((i) => aligned.outputs[i]);
    const coverage = coverageOf(aligned.report, outputs);
    if (coverage.share < minCoverage) {
      const reason = `coverage ${coverage.answered}/${coverage.instructions} (${formatShare(coverage.share)}) below --min-coverage ${formatShare(minCoverage)}`;
      options.warn(`${model}: ${reason} (model skipped)`);
      return { skip: withRefs({ model, reason }, referencesOf(model)) };
    }
    // only the aligned outputs are kept: the entries (and their instructions) are dropped here
    return {
      model,
      contentHash: submission.contentHash,
      generators: submission.generators,
      coverage,
      outputs,
    };
  };

  const finish = (
    m: LoadedModel,
    judgments: readonly Judgment[],
    positions: readonly number[],
  ): JudgedModel => {
    const { aggregate, vector } = aggregateModel(judgments, positions, selected.length);
    const lengths = outputLengths(m.outputs);
    let lengthSum = 0;
    let present = 0;
    for (const len of lengths) {
      if (Number.isNaN(len)) continue;
      lengthSum += len;
      present++;
    }
    return {
      loaded: { model: m.model, coverage: m.coverage, contentHash: m.contentHash, generators: m.generators },
      details:
        options.judge.info.scale !== undefined
          ? itemDetails(judgments, positions, selected, m.outputs)
          : undefined,
      aggregate,
      vector,
      expected: aggregateExpected(judgments, positions, selected.length),
      meanLength: present > 0 ? lengthSum / present : 0,
      lengths,
    };
  };

  // Models are loaded, judged and reduced to what aggregation and statistics need (a
  // score vector, lengths, the few items a report shows) a window at a time, so memory
  // does not grow with the leaderboard; the next window loads while the current one is
  // judged, and the runner takes its tasks as soon as the current one's are all sent, so
  // a remote judge's batch stays full across windows.
  const reduced = new Array<JudgedModel | undefined>(toJudge.length);
  const score = options.score ?? 'rating';
  const bootstrap = { resamples: options.bootstrap, seed: options.seed, items: selected.length };
  // The bootstraps recall what a run over the same data computed (the store's memo): a
  // warm rerun draws none of them again.
  const memo = replicateMemo(options.run.cache?.memo);
  // Each model's length-controlled fit is handed to worker threads as soon as the model is
  // reduced, and drawn while the next ones load and are judged.
  const baseline = await baselineLengths(options.files, index, selected);
  const fitsPool =
    typeof baseline === 'string'
      ? undefined
      : new LengthControlPool(options.bootstrap > 0 ? { bootstrap } : {}, memo);
  const fitTickets = new WeakMap<JudgedModel, number>();
  const fitLater = (judged: JudgedModel): void => {
    if (!fitsPool || typeof baseline === 'string' || extraBaselines.has(judged.loaded.model)) return;
    // the ratings the run scores by (chooseScores), for a model it scores
    const chosen = score === 'expected' ? judged.expected : judged;
    if (chosen.aggregate.score === null) return;
    fitTickets.set(judged, fitsPool.add(lengthControlInput(chosen.vector, judged.lengths, baseline)));
  };
  // A model whose judgments were all stored when it was last reduced, from the same file
  // (same bytes), judge request identity, instructions and code, is reduced from the
  // store's memo: neither its outputs nor its judgments are read again (the warm rerun).
  const reductions = reductionMemo(options, set.sha256, selected);
  const memoised = reductions
    ? await reductions.recall(toJudge, minCoverage)
    : new Map<number, JudgedModel>();
  let settledTasks = 0;
  let settledUnparsed = 0;
  for (const [at, judged] of memoised) {
    reduced[at] = judged;
    fitLater(judged);
    settledTasks += judged.aggregate.n;
    settledUnparsed += judged.aggregate.unparsed;
  }
  const { summary } = await runJudgmentWindows(
    options.judge,
    // skipped models are listed in the models' order, however their loads interleave
    judgingWindows(
      toJudge.map((model, at) => ({ at, model })).filter(({ at }) => !memoised.has(at)),
      loadModel,
      (skip) => skipped.push(skip),
      set.instructions,
      selected,
      // a local judge gains nothing from judging several models together
      options.judge.mode === 'local' ? 1 : MODELS_PER_WINDOW,
    ),
    {
      ...options.run,
      label: `${options.judge.info.name} on ${models.length} models`,
      expectedTasks: toJudge.length * selected.length,
      ...(memoised.size > 0 ? { settled: { tasks: settledTasks, unparsed: settledUnparsed } } : {}),
    },
    (window, judgments) => {
      const perModel = window.models.map((l) => new Array<Judgment>(l.positions.length));
      window.order.forEach((o, t) => {
        perModel[o.model]![o.k] = judgments[t]!;
      });
      window.models.forEach((l, i) => {
        const judged = finish(l.m, perModel[i]!, l.positions);
        reduced[l.at] = judged;
        fitLater(judged);
        // a failed judgment is asked again by the next run: only a whole model is memoised
        if (judged.aggregate.errors === 0) reductions?.remember(judged);
      });
    },
  );
  addSummary(summary);
  const judged = reduced.filter((j): j is JudgedModel => j !== undefined);

  const baselineRatings = new Map<string, ModelScoreVector | string>();
  for (const model of extraBaselines) {
    const k = judged.findIndex((j) => j.loaded.model === model);
    const skip = skipped.findIndex((x) => x.model === model);
    baselineRatings.set(model, k >= 0 ? judged[k]!.vector : (skipped[skip]?.reason ?? 'not judged'));
    if (k >= 0) judged.splice(k, 1);
    if (skip >= 0) skipped.splice(skip, 1);
  }

  const scores = chooseScores(
    judged.map((j) => ({ ...j, model: j.loaded.model })),
    score,
  );
  judged.forEach((j, i) => {
    if (j.aggregate.score === null) {
      skipped.push(
        withRefs(
          {
            model: j.loaded.model,
            reason: `no parsed judgment (${j.aggregate.unparsed} unparsed, ${j.aggregate.errors} failed)`,
          },
          referencesOf(j.loaded.model),
        ),
      );
    } else if (scores.scored[i]!.score === null) {
      const reason = `no expected rating (${j.expected.aggregate.missing} ratings without usable logprobs)`;
      skipped.push(withRefs({ model: j.loaded.model, reason }, referencesOf(j.loaded.model)));
    }
  });
  const missing = scores.perModel.reduce((n, m) => n + m.expectedMissing, 0);
  if (score === 'expected' && missing > 0) {
    options.warn(
      `${missing} parsed ratings have no expected rating (the server sent no usable logprobs): each model's expected score is the mean over the others (expectedMissing per model)`,
    );
  }

  const ranks = scores.ranks;
  const scoredModels = scores.scored;
  // this thread takes the last posted fits too, beside the workers, once it is done here
  const fitsPending = fitsPool?.results();
  fitsPending?.catch(() => {}); // observed when awaited below; avoids an unhandled rejection meanwhile
  const figures = withReplicateMemo(memo, () => {
    const correlations = correlateWithBootstrap(scoredModels, references, bootstrap);
    // The length ruler on the same models, instructions and resamples (issue 12 item 5): what
    // a trivial judge reaches here, beside every judge's figures. A judge that is the ruler
    // has no ruler beside it.
    const lengthRuler =
      options.judge.info.name === lengthJudgeInfo.name
        ? undefined
        : correlateWithBootstrap(
            judged.map((j, i) => ({
              model: j.loaded.model,
              score: scoredModels[i]!.score === null ? null : j.meanLength,
              vector: lengthVector(j.lengths),
            })),
            references,
            bootstrap,
          );
    // The same resamples (seed, count, instructions) as the correlations.
    const significance = modelSignificance(scoredModels, references, bootstrap);
    const instances = instanceAgreement(
      annotations,
      judged.map((j) => ({ ...j.loaded, score: j.aggregate.score, vector: j.vector })),
      baselineRatings,
      { resamples: options.bootstrap, seed: options.seed, items: selected.length },
    );
    const scoreComparison =
      options.judge.info.scale !== undefined
        ? compareScores(
            judged.map((j) => ({ ...j, model: j.loaded.model })),
            score,
            correlations,
            references,
            bootstrap,
          )
        : undefined;
    const scenarios = options.scenarios
      ? scenarioBreakdown(scoredModels, selected, options.scenarios, references, bootstrap)
      : undefined;
    return {
      correlations,
      lengthRuler,
      significance,
      instances,
      scoreComparison,
      scenarios,
    };
  });
  const { correlations, lengthRuler, significance, instances, scoreComparison, scenarios } = figures;
  const fits = (await fitsPending) ?? [];
  const controlled = lengthControlled(
    scoredModels,
    baseline,
    references,
    judged.map((j) => {
      const ticket = fitTickets.get(j);
      return ticket === undefined ? undefined : fits[ticket];
    }),
  );
  const modelResults: ModelResult[] = judged.map((j, i) => ({
    model: j.loaded.model,
    score: scoredModels[i]!.score,
    se: scoredModels[i]!.se,
    n: j.aggregate.n,
    parsed: j.aggregate.parsed,
    unparsed: j.aggregate.unparsed,
    errors: j.aggregate.errors,
    truncated: j.aggregate.truncated,
    rank: ranks[i]!,
    meanLength: j.meanLength,
    coverage: j.loaded.coverage,
    contentHash: j.loaded.contentHash,
    references: Object.fromEntries(
      references
        .filter((r) => r.scores.has(j.loaded.model))
        .map((r) => [r.name, r.scores.get(j.loaded.model)!]),
    ),
    ...j.details,
    ...significance.perModel[i],
    ...(controlled.perModel[i] ? { lengthControlled: controlled.perModel[i] } : {}),
    ...(options.judge.info.scale !== undefined ? scores.perModel[i] : {}),
  }));
  modelResults.sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.model.localeCompare(b.model));

  const result: Omit<AlpacaEvalResult, 'manifest'> = {
    suite: 'alpacaeval',
    schemaVersion: 1,
    judge: options.judge.info,
    settings: {
      instructions: selected.length,
      instructionSetSize: set.instructions.length,
      models: options.models && options.models.length > 0 ? [...new Set(options.models)] : 'all',
      seed: options.seed,
      bootstrap: options.bootstrap,
      references: references.map((r) => r.name),
      score,
    },
    instructionIndices: selected,
    models: modelResults,
    correlations,
    skipped,
    significance: significance.significance,
    referenceAgreement: significance.referenceAgreement,
    lengthControlled: controlled.summary,
    ...(lengthRuler ? { lengthRuler: { judge: lengthJudgeInfo.name, correlations: lengthRuler } } : {}),
    ...(scoreComparison ? { scoreComparison } : {}),
    instanceAgreement: instances,
    ...(scenarios ? { scenarios } : {}),
  };
  return {
    result,
    manifest: {
      source: options.files.location,
      instructionSetSha256: set.sha256,
      referenceFiles: Object.fromEntries(references.map((r) => [r.name, r.file])),
      judgments: totals,
    },
    judgments: totals,
  };
}

/** The store's memo as the bootstraps see it (bootstrap.ts ReplicateMemo). */
function replicateMemo(memo: Memo | undefined): ReplicateMemo | undefined {
  if (!memo) return undefined;
  const keyOf = (id: string) => memoKey('bootstrap/replicates', [id]);
  return {
    recall(ids) {
      const keys = ids.map(keyOf);
      const found = recallMemo<Float64Array>(memo, keys);
      const out = new Map<string, Float64Array>();
      ids.forEach((id, i) => {
        const replicates = found.get(keys[i]!);
        if (replicates instanceof Float64Array) out.set(id, replicates);
      });
      return out;
    },
    remember: (id, replicates) => rememberMemo(memo, keyOf(id), replicates),
  };
}

/** what keys a model's memoised reduction: the parts beside the model and its file's bytes */
const REDUCTION_MEMO = 'alpacaeval/reduction';
/** submissions read (and hashed) at once while looking the memo up */
const HASHES_AHEAD = 4;

/**
 * The store's memo of model reductions (`JudgedModel`), for a remote judge with a request
 * identity and a store that has a memo; undefined otherwise (a local judge, `--score
 * expected`, whose store view asks some stored ratings again). A reduction is keyed by the
 * model, the sha256 of its outputs file, the judge's request identity, the instruction set
 * and selection, and the source's decoding limit (memoKey adds the code).
 */
function reductionMemo(
  options: Pick<AlpacaEvalOptions, 'files' | 'judge' | 'run' | 'score'>,
  instructionSetSha256: string,
  selected: readonly number[],
):
  | {
      recall(models: readonly string[], minCoverage: number): Promise<Map<number, JudgedModel>>;
      remember(judged: JudgedModel): void;
    }
  | undefined {
  const memo = options.run.cache?.memo;
  const identity = options.judge.mode === 'remote' ? options.judge.requestIdentity : undefined;
  if (!memo || identity === undefined || (options.score ?? 'rating') !== 'rating') return undefined;
  const selection = sha256Hex(JSON.stringify(selected));
  const keyOf = (model: string, contentHash: string) =>
    memoKey(REDUCTION_MEMO, [
      identity,
      model,
      contentHash,
      instructionSetSha256,
      selection,
      options.files.limits.maxDecodedBytes,
    ]);
  return {
    async recall(models, minCoverage) {
      const keyFor = async (model: string): Promise<string | undefined> => {
        try {
          const contentHash = await submissionFileSha256(options.files, model);
          return contentHash === null ? undefined : keyOf(model, contentHash);
        } catch (e) {
          // the run reads it again, and says what is wrong with it
          if (!(e instanceof InputError)) throw e;
          return undefined;
        }
      };
      const keys: (string | undefined)[] = [];
      for await (const key of prefetch(models, keyFor, HASHES_AHEAD)) keys.push(key);
      const found = recallMemo<JudgedModel>(
        memo,
        keys.filter((k): k is string => k !== undefined),
      );
      const out = new Map<number, JudgedModel>();
      keys.forEach((key, at) => {
        const judged = key === undefined ? undefined : found.get(key);
        // a model the run's --min-coverage skips goes the usual way, to be skipped with the reason
        if (judged && judged.loaded.model === models[at] && judged.loaded.coverage.share >= minCoverage)
          out.set(at, judged);
      });
      return out;
    },
    remember(judged) {
      rememberMemo(memo, keyOf(judged.loaded.model, judged.loaded.contentHash), judged);
    },
  };
}

async function chooseModels(
  options: Pick<AlpacaEvalOptions, 'models' | 'files'>,
  references: readonly Reference[],
): Promise<string[]> {
  if (options.models && options.models.length > 0) {
    for (const m of options.models) {
      if (!isSafePathSegment(m)) {
        throw new BenchError(
          `--models: "${m}" is not a valid model id (letters, digits and _ . + @ = - only)`,
          {
            exitCode: 2,
          },
        );
      }
    }
    const submissions = await listSubmissionIds(options.files);
    // Over HTTP the submissions cannot be listed: an id there is only known by reading it.
    if (submissions !== null) {
      const known = new Set(submissions);
      for (const r of references) for (const m of r.scores.keys()) known.add(m);
      const unknown = [...new Set(options.models)].filter((m) => !known.has(m));
      if (unknown.length > 0) {
        const named = unknown.map((m) => `"${m}"${didYouMean(m, known)}`).join(', ');
        throw new BenchError(
          `--models: unknown model id${unknown.length === 1 ? '' : 's'} ${named}: neither a submission in ${options.files.describe('results')} nor a model of ${references.map((r) => r.name).join(', ')}`,
          { exitCode: 2 },
        );
      }
    }
    return [...new Set(options.models)];
  }
  const ids = new Set(await listSubmissionIds(options.files));
  for (const r of references) for (const m of r.scores.keys()) ids.add(m);
  return [...ids].sort();
}

/** ` (did you mean "x"?)` for the known id nearest to `id` by edit distance, if it is near. */
function didYouMean(id: string, known: Iterable<string>): string {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = name.toLowerCase() === id.toLowerCase() ? 0 : editDistance(id, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(id.length / 4))
    ? ` (did you mean "${best.name}"?)`
    : '';
}

/** Levenshtein distance (insertions, deletions, substitutions), one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length]!;
}

/** `load` over `items` in order, keeping up to `depth` loads ahead (I/O and gunzip overlap the work). */
async function* prefetch<T, R>(
  items: readonly T[],
  load: (item: T) => Promise<R>,
  depth: number,
): AsyncGenerator<R> {
  const ahead: Promise<R>[] = [];
  let next = 0;
  const fill = () => {
    while (ahead.length < depth && next < items.length) {
      const p = load(items[next++]!);
      p.catch(() => {}); // observed when awaited below; avoids an unhandled rejection meanwhile
      ahead.push(p);
    }
  };
  fill();
  while (ahead.length > 0) {
    const result = await ahead.shift()!;
    fill();
    yield result;
  }
}

/** The alignment report (over the whole set) and the share of the judged instructions answered. */
function coverageOf(report: AlignmentReport, outputs: readonly (string | undefined)[]): Coverage {
  const answered = outputs.reduce((n, o) => (o === undefined ? n : n + 1), 0);
  const instructions = outputs.length;
  return { ...report, answered, instructions, share: instructions > 0 ? answered / instructions : 0 };
}

function withRefs(entry: SkippedModel, refs: readonly string[]): SkippedModel {
  return refs.length ? { ...entry, references: refs } : entry;
}

const EXTREMES = 5;
const MAX_FAILURES_LISTED = 50;

function itemDetails(
  judgments: readonly Judgment[],
  positions: readonly number[],
  selected: readonly number[],
  outputs: readonly (string | undefined)[],
): Pick<ModelResult, 'histogram' | 'best' | 'worst' | 'failures'> {
  const histogram: Record<string, number> = {};
  const rated: (ItemRef & { rating: number; position: number })[] = [];
  const failures: ItemRef[] = [];
  judgments.forEach((judgment, k) => {
    const index = selected[positions[k]!]!;
    const key = judgment.key !== undefined ? { key: judgment.key } : {};
    if (judgment.kind === 'ok' && judgment.rating !== undefined) {
      const bucket = String(judgment.rating);
      histogram[bucket] = (histogram[bucket] ?? 0) + 1;
      rated.push({ index, rating: judgment.rating, position: positions[k]!, ...key });
    } else if (failures.length < MAX_FAILURES_LISTED) {
      const reason =
        judgment.kind === 'error'
          ? judgment.message
          : judgment.kind === 'unparsed'
            ? judgment.reason
            : 'no rating';
      failures.push({ index, reason, ...key });
    }
  });
  const sorted = [...rated].sort((a, b) => b.rating - a.rating || a.index - b.index);
  // Only the items a report shows carry the hash of what was judged.
  const shown = ({ position, ...ref }: (typeof rated)[number]): ItemRef => ({
    ...ref,
    responseSha256: sha256Hex(outputs[position] ?? ''),
  });
  return {
    histogram,
    best: sorted.slice(0, EXTREMES).map(shown),
    worst: sorted.slice(-EXTREMES).reverse().map(shown),
    failures,
  };
}

/**
 * What the length judge's vector would be over the same items: the output length where the
 * model has an output (an empty one counts 0), nothing where it has none.
 */
function lengthVector(lengths: Float64Array): ModelScoreVector {
  const values = new Float64Array(lengths.length);
  const valid = new Uint8Array(lengths.length);
  lengths.forEach((len, k) => {
    if (Number.isNaN(len)) return;
    values[k] = len;
    valid[k] = 1;
  });
  return { values, valid };
}
