/**
 * Instance-level agreement with the GPT-4 annotators of AlpacaEval: for every judged model
 * the source has annotations for, the judge's verdict on (baseline's output, model's output)
 * for each instruction, from its two single ratings, against the annotator's verdict on the
 * same pair (harness/source/annotations.ts); agreement and Cohen's kappa per model and
 * pooled over the models, with bootstrap intervals over instructions (harness/stats).
 * Wiring only: the arithmetic is in harness/stats.
 */
import type { ModelScoreVector } from '../../harness/aggregate/model-aggregate.js';
import { InputError } from '../../harness/core/errors.js';
import type { Verdict } from '../../harness/core/types.js';
import type { InstructionIndex } from '../../harness/source/align.js';
import {
  ANNOTATOR_NAMES,
  ANNOTATORS,
  preferenceVerdict,
  readAnnotations,
  type AnnotatorName,
} from '../../harness/source/annotations.js';
import type { SourceFiles } from '../../harness/source/files.js';
import { verdictFromRatings } from '../../harness/stats/agreement.js';
import { groupedAgreement, type AgreementFigures } from '../../harness/stats/instance-agreement.js';
import type {
  AnnotatorAgreementResult,
  InstanceAgreementResult,
  InstanceFigures,
  ModelInstanceAgreement,
} from './result.js';

/**
 * Ratings within this of each other are a tie. Equal ratings only: on a 1-10 scale a
 * one-point difference is a preference, and for the length ruler (ratings in characters)
 * only outputs of the same length tie, identical outputs among them, which the annotators
 * also call a draw (preference 1.5). Any margin above 0 would make ties of pairs the
 * annotators almost never call draws.
 */
export const INSTANCE_TIE_MARGIN = 0;

export const INSTANCE_AGREEMENT_DEFINITIONS = {
  verdicts:
    "per instruction: the judge prefers the baseline's output (first) when it rates it higher than the model's, the model's (second) when lower, a tie within the tie margin; the annotator's preference is read as alpaca_eval's discrete win rate reads it: below 1.5 the baseline, above 1.5 the model, exactly 1.5 or 0 a draw, null no verdict",
  agreement: 'share of the (model, instruction) pairs with both verdicts where they are the same, in percent',
  kappa: "Cohen's kappa of the two raters' 3-way verdicts (first, second, tie) over the same pairs",
  ci95: "95% percentile bootstrap interval: the run's instructions resampled with replacement (seeded), the same resamples for every model and for the pool, which takes every pooled model's pair on a drawn instruction along",
  pooled:
    "the overall figures pool every listed model's pairs except the baseline's own (it is compared with itself: a tie on both sides) and those of a file that annotates another model's outputs",
} as const;

interface ModelAnnotations {
  /** the annotator's verdict per selected instruction; null where it has none */
  readonly verdicts: readonly (Verdict | null)[];
  readonly generators: readonly string[];
}

/** What was read from the source before judging: per annotator, the annotated models among those of the run. */
export interface InstanceAnnotations {
  readonly byAnnotator: ReadonlyMap<
    AnnotatorName,
    ReadonlyMap<string, ModelAnnotations | { reason: string }>
  >;
}

/** Reads at most this many annotation files at once (a source over HTTP fetches each). */
const READ_CONCURRENCY = 8;

/**
 * The annotations of `models` by every annotator, aligned to the selected instructions. A
 * bad file is a warning and a reason for that model, never the run's failure.
 */
export async function loadInstanceAnnotations(
  files: SourceFiles,
  models: readonly string[],
  index: InstructionIndex,
  selected: readonly number[],
  warn: (message: string) => void,
): Promise<InstanceAnnotations> {
  const byAnnotator = new Map<AnnotatorName, Map<string, ModelAnnotations | { reason: string }>>(
    ANNOTATOR_NAMES.map((a) => [a, new Map()]),
  );
  const jobs = models.flatMap((model) => ANNOTATOR_NAMES.map((annotator) => ({ model, annotator })));
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const { model, annotator } = jobs[next++]!;
      const found = await readOne(files, model, annotator, index, selected);
      if (found === null) continue;
      if ('reason' in found) warn(`${found.reason} (instance-level agreement of ${model} not computed)`);
      byAnnotator.get(annotator)!.set(model, found);
    }
  };
  await Promise.all(Array.from({ length: READ_CONCURRENCY }, worker));
  // Listed in the order of the run's models, whatever order the reads finished in.
  const order = new Map(models.map((m, i) => [m, i]));
  for (const [annotator, byModel] of byAnnotator) {
    byAnnotator.set(annotator, new Map([...byModel].sort((a, b) => order.get(a[0])! - order.get(b[0])!)));
  }
  return { byAnnotator };
}

async function readOne(
  files: SourceFiles,
  model: string,
  annotator: AnnotatorName,
  index: InstructionIndex,
  selected: readonly number[],
): Promise<ModelAnnotations | { reason: string } | null> {
  try {
    const annotations = await readAnnotations(files, model, annotator);
    if (!annotations) return null;
    // By instruction text, the first entry of an instruction counting (as outputs are aligned).
    const byInstruction: (Verdict | null | undefined)[] = new Array(index.size).fill(undefined);
    for (const e of annotations.entries) {
      const i = index.indexOf(e.instruction);
      if (i !== undefined && byInstruction[i] === undefined)
        byInstruction[i] = preferenceVerdict(e.preference);
    }
    return { verdicts: selected.map((i) => byInstruction[i] ?? null), generators: annotations.generators };
  } catch (e) {
    if (e instanceof InputError) return { reason: e.message };
    throw e;
  }
}

/** Baselines of annotators with annotated models that are not among `judged`: the run must judge them too. */
export function missingBaselines(annotations: InstanceAnnotations, judged: ReadonlySet<string>): string[] {
  const missing = new Set<string>();
  for (const [annotator, byModel] of annotations.byAnnotator) {
    const baseline = ANNOTATORS[annotator].baseline;
    if (byModel.size > 0 && !judged.has(baseline)) missing.add(baseline);
  }
  return [...missing];
}

export interface JudgedForInstances {
  readonly model: string;
  /** null: no parsed judgment */
  readonly score: number | null;
  readonly vector: ModelScoreVector;
  /** the `generator` names of the model's outputs file */
  readonly generators: readonly string[];
}

export function instanceAgreement(
  annotations: InstanceAnnotations,
  judged: readonly JudgedForInstances[],
  /** ratings of baselines judged only for this, or why there are none */
  extraBaselines: ReadonlyMap<string, ModelScoreVector | string>,
  options: { resamples: number; seed: number; items: number; tieMargin?: number },
): InstanceAgreementResult {
  const tieMargin = options.tieMargin ?? INSTANCE_TIE_MARGIN;
  const bootstrap = { resamples: options.resamples, seed: options.seed };
  const byModel = new Map(judged.map((j) => [j.model, j]));
  const annotators = [...annotations.byAnnotator].map(([annotator, annotated]): AnnotatorAgreementResult => {
    const { label, baseline } = ANNOTATORS[annotator];
    const listed = [...annotated].filter(([model]) => byModel.has(model));
    const baselineVector = byModel.get(baseline)?.vector ?? extraBaselines.get(baseline);
    // Each model: its figures (a verdict pair per instruction), or the reason it has none.
    const rows = listed.map(([model, found]) => {
      const m = byModel.get(model)!;
      if ('reason' in found) return { model, reason: found.reason };
      const annotatedGenerator = found.generators.find((g) => g !== model);
      const named = annotatedGenerator === undefined ? {} : { annotatedGenerator };
      const other = found.generators.find((g) => g !== model && !m.generators.includes(g));
      if (other !== undefined) {
        const own = m.generators.length > 0 ? ` (its outputs say ${JSON.stringify(m.generators[0])})` : '';
        const reason = `the annotations are of ${JSON.stringify(other.slice(0, 80))}'s outputs (generator_2), not ${model}'s${own}`;
        return { model, ...named, reason };
      }
      if (baselineVector === undefined || typeof baselineVector === 'string') {
        return { model, ...named, reason: `the baseline ${baseline} has no ratings` };
      }
      const judge = Array.from({ length: options.items }, (_, k) =>
        verdictFromRatings(
          baselineVector.valid[k] === 1 ? baselineVector.values[k]! : null,
          m.vector.valid[k] === 1 ? m.vector.values[k]! : null,
          tieMargin,
        ),
      );
      const self = model === baseline;
      const group = { first: judge, second: found.verdicts, pooled: !self };
      return {
        model,
        ...named,
        group,
        ...(self ? { reason: 'the baseline against itself (not pooled)' } : {}),
      };
    });
    const groups = rows.flatMap((r) => ('group' in r ? [r.group] : []));
    const stats = groupedAgreement(groups, options.items, bootstrap.resamples > 0 ? { bootstrap } : {});
    let g = 0;
    const models = rows.map((r): ModelInstanceAgreement => {
      const { group, model, ...row } = r as typeof r & { group?: (typeof groups)[number] };
      if (!group) return { model, pooled: false, ...row };
      const k = g++;
      // the row's reason (why not pooled) before the statistics' (why undefined)
      return { model, pooled: group.pooled, ...figures(stats.groups[k]!, [group]), ...row };
    });
    const pooledGroups = groups.filter((x) => x.pooled);
    const reason =
      typeof baselineVector === 'string'
        ? `the baseline ${baseline} has no ratings: ${baselineVector}`
        : listed.length === 0
          ? 'no judged model has these annotations'
          : undefined;
    return {
      annotator,
      label,
      baseline,
      annotated: listed.length,
      overall:
        pooledGroups.length > 0
          ? { models: pooledGroups.length, ...figures(stats.pooled, pooledGroups) }
          : null,
      models,
      ...(reason === undefined ? {} : { reason }),
    };
  });
  return {
    tieMargin,
    resamples: options.resamples,
    seed: options.seed,
    annotators,
    definitions: INSTANCE_AGREEMENT_DEFINITIONS,
  };
}

/** The statistics in the result's terms, with the verdict counts of the groups they cover. */
function figures(
  stats: AgreementFigures,
  groups: readonly { first: readonly (Verdict | null)[]; second: readonly (Verdict | null)[] }[],
): InstanceFigures {
  const count = () => ({ first: 0, second: 0, tie: 0 });
  const verdicts = { judge: count(), annotator: count() };
  let noJudgeVerdict = 0;
  let noAnnotatorVerdict = 0;
  for (const { first, second } of groups) {
    first.forEach((j, i) => {
      const a = second[i] ?? null;
      if (j === null && a !== null) noJudgeVerdict++;
      if (j !== null && a === null) noAnnotatorVerdict++;
      if (j === null || a === null) return;
      verdicts.judge[j]++;
      verdicts.annotator[a]++;
    });
  }
  return {
    n: stats.n,
    instructions: stats.units,
    agreement: finite(stats.agreement),
    agreementCi95: stats.agreementCi95,
    kappa: finite(stats.kappa),
    kappaCi95: stats.kappaCi95,
    noJudgeVerdict,
    noAnnotatorVerdict,
    verdicts,
    ...(stats.reason === undefined ? {} : { reason: stats.reason }),
  };
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
