/**
 * `bench run alpacaeval --scenarios`: the 805 AlpacaEval instructions labelled with Auto-J's
 * scenario classifier (a second judge, like the critique suite's comparator: its own
 * endpoint, the run's store), then every model's score and the correlations with each
 * reference per scenario group, beside the overall ones.
 *
 * - The whole instruction set is labelled, whatever subset the run judges: the labels are
 *   stored once (keyed by the classifier and the prompt, like every judgment) and every
 *   later run finds them all in the store and sends nothing.
 * - An answer that is not one of the classifier's labels is a parse failure: the
 *   instruction has no scenario, is in no group, and is counted (`unlabelled`), never
 *   given a label.
 * - A group's score of a model is its mean rating over the group's instructions it has a
 *   rating for; the group's correlations are those of these scores with each reference,
 *   with intervals from the same bootstrap over instructions (resampled within the group)
 *   as the overall ones (correlate.ts), one seeded stream per group.
 */
import type { ModelScoreVector } from '../../harness/aggregate/model-aggregate.js';
import { rankScores } from '../../harness/aggregate/model-aggregate.js';
import { BenchError } from '../../harness/core/errors.js';
import { fixed, formatTable, interval } from '../../harness/core/text-table.js';
import type { RunSummary } from '../../harness/runner/run-judgments.js';
import type { Reference } from '../../harness/source/references.js';
import type { SuiteContext } from '../../harness/suite/contract.js';
import { resolveAutojDataDir, autojDataOption } from '../pairwise/data-dir.js';
import { CLASSIFIER_PROFILE, labelQueries, predictionsOf } from '../scenarios/classify.js';
import { loadScenarioCriteria, type Criterion } from '../scenarios/criteria.js';
import { loadLabelSet } from '../scenarios/data.js';
import { correlateWithBootstrap } from './correlate.js';
import { alpacaEvalInstructions } from './instruction-set.js';
import type { CorrelationResult } from './result.js';

/** The options of `--scenarios`, by flag name. */
export interface ScenarioOptions {
  readonly scenarios?: boolean;
  readonly 'classifier-endpoint'?: string;
  readonly 'classifier-model'?: string;
  readonly 'classifier-api-key'?: string;
  readonly 'autoj-data'?: string;
}

/** The options `--scenarios` adds to `bench run alpacaeval` (declared in index.ts). */
export const SCENARIO_OPTIONS = [
  {
    name: 'scenarios',
    type: 'boolean',
    describe:
      "label the instructions with Auto-J's scenario classifier and report scores and correlations per scenario group",
  },
  {
    name: 'classifier-endpoint',
    type: 'string',
    describe: 'with --scenarios: OpenAI-compatible base URL serving GAIR/autoj-scenario-classifier',
  },
  {
    name: 'classifier-model',
    type: 'string',
    describe: "with --scenarios: the classifier's served model name [default: the profile's]",
  },
  {
    name: 'classifier-api-key',
    type: 'string',
    env: 'CLASSIFIER_API_KEY',
    describe:
      "with --scenarios: the classifier's API key [env CLASSIFIER_API_KEY; the judge's is never sent to it]",
  },
  autojDataOption('autoj-data', "with --scenarios: the scenarios' groups, from the "),
] as const;

/** Checks across the options of `--scenarios` (`Suite.check`). */
export function checkScenarioOptions(options: ScenarioOptions, label: (name: string) => string): void {
  const given = (['classifier-endpoint', 'classifier-model'] as const).filter(
    (n) => options[n] !== undefined,
  );
  if (!options.scenarios) {
    if (given.length > 0)
      throw new BenchError(`${label(given[0]!)} goes with ${label('scenarios')}`, { exitCode: 2 });
    return;
  }
  if (options['classifier-endpoint'] === undefined)
    throw new BenchError(
      `${label('classifier-endpoint')} URL is missing: ${label('scenarios')} labels the instructions with the scenario classifier`,
      { exitCode: 2 },
    );
}

/** The scenario and group of one instruction of the set; null for both when it has no label. */
export interface InstructionScenario {
  /** index into the AlpacaEval instruction set */
  readonly index: number;
  readonly scenario: string | null;
  readonly group: string | null;
  /** why it has no label: the classifier's answer was not one, or the request failed */
  readonly problem?: string;
}

/** The whole instruction set labelled (`labelInstructions`). */
export interface InstructionLabels {
  readonly classifier: { readonly name: string; readonly model: string; readonly description: string };
  /** one per instruction of the set, in order */
  readonly instructions: readonly InstructionScenario[];
  /** the label set's groups, in order */
  readonly groups: readonly string[];
  /** the scenarios of each group, in the label set's order */
  readonly scenariosOf: Readonly<Record<string, readonly string[]>>;
  readonly descriptions: Readonly<Record<string, string>>;
  readonly summary: RunSummary;
  readonly criteria: ScenarioCriteriaSet;
}

/**
 * The hand-written criteria of the scenarios (other_resources/scenario_criteria), for the
 * report's scenario pages: each scenario's sections, the basic sets they include once each.
 */
export interface ScenarioCriteriaSet {
  /** the included basic sets by file (relative to the data folder) */
  readonly basics: Readonly<Record<string, readonly Criterion[]>>;
  readonly scenarios: Readonly<
    Record<
      string,
      {
        readonly file: string;
        /** its own criteria (`extended`), or the basic set it includes (`includedFrom`, in `basics`) */
        readonly sections: readonly {
          readonly name: string;
          readonly includedFrom: string | null;
          readonly criteria?: readonly Criterion[];
        }[];
      }
    >
  >;
}

/**
 * Labels every instruction of the set with the classifier, opened as a second judge on
 * `--classifier-endpoint` with the run's store (a rerun finds every label there).
 */
export async function labelInstructions(
  context: SuiteContext,
  options: ScenarioOptions,
): Promise<InstructionLabels> {
  if (!context.otherJudge)
    throw new BenchError('--scenarios needs the scenario classifier, which this command cannot open');
  const dataDir = resolveAutojDataDir(options['autoj-data'], context.optionLabel('autoj-data'), context.cwd);
  const { labels } = await loadLabelSet(dataDir);
  const criteria = criteriaSet(await loadScenarioCriteria(dataDir, labels));
  const classifier = await context.otherJudge({
    profile: CLASSIFIER_PROFILE,
    protocol: 'single',
    endpoint: options['classifier-endpoint']!,
    ...(options['classifier-model'] === undefined ? {} : { model: options['classifier-model'] }),
    ...(options['classifier-api-key'] === undefined ? {} : { apiKey: options['classifier-api-key'] }),
  });
  const set = alpacaEvalInstructions();
  const labelled = await labelQueries(set.instructions, {
    classifier: classifier.judge,
    labels,
    suite: 'alpacaeval',
    subject: (i) => `instruction ${i} scenario`,
    run: classifier.run,
  });
  const s = labelled.summary;
  context.log(
    `scenarios: ${s.requested} instructions (${s.cached} from the store, ${s.sent} sent), ${s.unparsed} unparsed, ${s.errors} failed`,
  );
  const predictions = predictionsOf(labelled.judgments);
  const info = classifier.judge.info;
  return {
    classifier: { name: info.name, model: info.model, description: info.description },
    instructions: labelled.labels.map((l, index) => {
      const p = predictions[index]!;
      return p.label === null ? { index, ...l, problem: p.problem } : { index, ...l };
    }),
    groups: labels.groups,
    scenariosOf: Object.fromEntries(
      labels.groups.map((g) => [g, labels.labels.filter((l) => labels.groupOf(l) === g)]),
    ),
    descriptions: labels.catalog.descriptions,
    summary: s,
    criteria,
  };
}

function criteriaSet(loaded: Awaited<ReturnType<typeof loadScenarioCriteria>>): ScenarioCriteriaSet {
  const basics: Record<string, readonly Criterion[]> = {};
  const scenarios: Record<string, ScenarioCriteriaSet['scenarios'][string]> = {};
  for (const [scenario, c] of loaded) {
    scenarios[scenario] = {
      file: c.file,
      sections: c.sections.map((section) => {
        if (section.includedFrom === null) return { ...section };
        basics[section.includedFrom] = section.criteria;
        return { name: section.name, includedFrom: section.includedFrom };
      }),
    };
  }
  return { basics, scenarios };
}

/** `subjectKind` of the classifier's judgments: "instruction 17 scenario". */
export function scenarioSubjectKind(subject: string): string | undefined {
  return /^instruction \d+ scenario$/.test(subject) ? 'instruction scenarios' : undefined;
}

/** A model's score over one group's instructions. */
export interface GroupModelScore {
  readonly model: string;
  /** mean rating over the group's instructions it has a rating for; null: none */
  readonly score: number | null;
  /** ratings in the mean */
  readonly n: number;
  readonly rank: number | null;
}

export interface ScenarioGroupResult {
  readonly group: string;
  /** the group's scenarios that label at least one judged instruction, with how many */
  readonly scenarios: readonly { readonly scenario: string; readonly n: number }[];
  /** judged instructions labelled with a scenario of the group */
  readonly n: number;
  /** every judged model, by rank */
  readonly models: readonly GroupModelScore[];
  /** the group's scores against each reference (empty without instructions) */
  readonly correlations: readonly CorrelationResult[];
}

/** The `scenarios` field of an AlpacaEval result. */
export interface AlpacaEvalScenarios {
  readonly classifier: InstructionLabels['classifier'];
  /** the judged instructions (the run's selection), each with its scenario and group */
  readonly instructions: readonly InstructionScenario[];
  /** judged instructions without a label (counted, in no group) */
  readonly unlabelled: number;
  readonly groups: readonly ScenarioGroupResult[];
  /** each scenario's description (scenarios.json) */
  readonly descriptions: Readonly<Record<string, string>>;
  readonly criteria: ScenarioCriteriaSet;
  /** the classifier's judgments over the whole set (805 labels, stored once) */
  readonly judgments: RunSummary;
  readonly definitions: Readonly<Record<string, string>>;
}

export const SCENARIO_DEFINITIONS: Readonly<Record<string, string>> = {
  scenario:
    "the scenario Auto-J's classifier (GAIR/autoj-scenario-classifier) names for the instruction; its group is the authors' (Ungrouped for peer_review and rejecting, default on its own)",
  unlabelled:
    'judged instructions whose classifier answer was not a scenario (a parse failure) or failed: counted, in no group',
  score: "a model's mean rating over the group's instructions it has a rating for",
  correlations:
    "the group's scores against each reference over the models both have; 95% intervals from a bootstrap over the group's instructions (seed + 1 + the group's position)",
};

interface ScoredModel {
  readonly model: string;
  readonly score: number | null;
  readonly vector: ModelScoreVector;
}

/**
 * Scores and correlations per scenario group: `models`' vectors are over the run's
 * `selected` instructions (indices into the set), `labels` over the whole set.
 */
export function scenarioBreakdown(
  models: readonly ScoredModel[],
  selected: readonly number[],
  labels: InstructionLabels,
  references: readonly Reference[],
  bootstrap: { readonly resamples: number; readonly seed: number },
): AlpacaEvalScenarios {
  const instructions = selected.map((i) => labels.instructions[i]!);
  const groups = labels.groups.map((group, g): ScenarioGroupResult => {
    const positions: number[] = [];
    const count = new Map<string, number>();
    instructions.forEach((l, k) => {
      if (l.group !== group) return;
      positions.push(k);
      count.set(l.scenario!, (count.get(l.scenario!) ?? 0) + 1);
    });
    const scored = models.map((m) => groupScore(m, positions));
    const ranks = rankScores(scored.map((m) => m.score));
    const order = scored
      .map((m, i) => ({ model: m.model, score: m.score, n: m.n, rank: ranks[i]! }))
      .sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.model.localeCompare(b.model));
    return {
      group,
      scenarios: (labels.scenariosOf[group] ?? [])
        .filter((s) => count.has(s))
        .map((scenario) => ({ scenario, n: count.get(scenario)! })),
      n: positions.length,
      models: order,
      correlations:
        positions.length === 0
          ? []
          : correlateWithBootstrap(scored, references, {
              resamples: bootstrap.resamples,
              // one stream per group, independent of the overall one
              seed: bootstrap.seed + 1 + g,
              items: positions.length,
            }),
    };
  });
  return {
    classifier: labels.classifier,
    instructions,
    unlabelled: instructions.filter((l) => l.scenario === null).length,
    groups,
    descriptions: labels.descriptions,
    criteria: labels.criteria,
    judgments: labels.summary,
    definitions: SCENARIO_DEFINITIONS,
  };
}

/** A model's vector restricted to `positions`, and its mean there. */
function groupScore(model: ScoredModel, positions: readonly number[]): ScoredModel & { n: number } {
  const values = new Float64Array(positions.length);
  const valid = new Uint8Array(positions.length);
  let sum = 0;
  let n = 0;
  positions.forEach((p, k) => {
    if (model.vector.valid[p] !== 1) return;
    values[k] = model.vector.values[p]!;
    valid[k] = 1;
    sum += values[k];
    n++;
  });
  return { model: model.model, score: n > 0 ? sum / n : null, n, vector: { values, valid } };
}

/** The terminal table of the groups (Overall last): instructions, models scored, Spearman per reference. */
export function formatScenarioGroups(
  scenarios: AlpacaEvalScenarios,
  overall: readonly CorrelationResult[],
): string {
  const refs =
    scenarios.groups.find((g) => g.correlations.length > 0)?.correlations.map((c) => c.reference) ?? [];
  const spearmans = (correlations: readonly CorrelationResult[]) =>
    refs.flatMap((r) => {
      const c = correlations.find((x) => x.reference === r);
      return [fixed(c?.spearman.value, 3), interval(c?.spearman.ci95, 2)];
    });
  const rows = scenarios.groups
    .filter((g) => g.n > 0)
    .map((g) => [
      g.group,
      String(g.n),
      String(g.models.filter((m) => m.score !== null).length),
      g.models[0]?.score === null || g.models[0] === undefined ? '–' : g.models[0].model,
      ...spearmans(g.correlations),
    ]);
  rows.push(['Overall', String(scenarios.instructions.length), '', '', ...spearmans(overall)]);
  const lines = [
    `scenario groups (${scenarios.classifier.name}): ${scenarios.instructions.length - scenarios.unlabelled} instructions labelled, ${scenarios.unlabelled} without a label`,
    formatTable(
      ['group', 'instructions', 'models', 'top model', ...refs.flatMap((r) => [`spearman ${r}`, '95% CI'])],
      rows,
    ),
  ];
  return lines.join('\n');
}
