/**
 * Live mode, in two runs through the same runner, client and store as every suite:
 *
 * 1. the judge writes its critiques: each item's (query, response) under the single
 *    protocol, stored like every judgment. The critique is the judgment's whole raw text
 *    (Auto-J's ends with its rating), whether or not a rating could be read from it, as the
 *    authors compare critique_example_output.jsonl's texts (one of them cut off before its
 *    rating). A judgment that failed (no text) leaves the item without a critique.
 * 2. the comparator compares each critique with the reference, in the item's seeded order
 *    (`seededExchanges`); its decision is mapped back (compare.ts).
 *
 * Both runs key their requests by their prompts, so a rerun finds every answer in the
 * store and sends nothing. The texts (critiques, the comparator's reasons) are read from
 * the store by the judgments' keys (`TextLookup`: `(keys) => store.getMany(keys)`).
 */
import type { Judgment, PairTask, SingleTask } from '../../harness/core/types.js';
import type { Judge } from '../../harness/judge/judge.js';
import {
  runJudgments,
  type RunOptions,
  type RunSummary,
  type Subject,
} from '../../harness/runner/run-judgments.js';
import {
  comparisonTask,
  judgedComparison,
  notCompared,
  seededExchanges,
  type JudgedComparison,
} from './compare.js';
import type { CritiqueData } from './data.js';

/** Raw texts of stored judgments by key (absent keys are missing from the map). */
export type TextLookup = (keys: readonly string[]) => ReadonlyMap<string, { readonly text: string }>;

type Run = Omit<RunOptions, 'label' | 'subjects'>;

/** The judge's tasks: each item's query and response, single protocol. */
export function critiqueTasks(data: CritiqueData): SingleTask[] {
  return data.items.map((item) => ({
    protocol: 'single',
    instruction: item.prompt,
    response: item.response,
  }));
}

/** Step 1: the judge criticises every response (`critiqueTexts` reads the critiques). */
export async function writeCritiques(
  data: CritiqueData,
  options: { readonly judge: Judge; readonly run: Run },
): Promise<{ judgments: Judgment[]; summary: RunSummary }> {
  const subjects: Subject[] = data.items.map((item) => ({
    suite: 'critique',
    subject: `item ${item.index} critique`,
  }));
  const { judgments, summary } = await runJudgments(options.judge, critiqueTasks(data), {
    ...options.run,
    label: `${options.judge.info.name} critiques ${data.items.length} responses (${data.language})`,
    subjects,
  });
  return { judgments, summary };
}

/**
 * The critiques of step 1: each judgment's stored raw text, parsed or not; null for a
 * judgment that failed (nothing was stored) or whose text the store does not have.
 */
export function critiqueTexts(judgments: readonly Judgment[], texts: TextLookup): (string | null)[] {
  const keys = judgments.flatMap((j) => (j.kind !== 'error' && j.key !== undefined ? [j.key] : []));
  const stored = texts(keys);
  return judgments.map((j) =>
    j.kind === 'error' || j.key === undefined ? null : (stored.get(j.key)?.text ?? null),
  );
}

/** The comparisons to make: each item's order, and its task (null: no critique to compare). */
export interface ComparisonPlan {
  readonly seed: number;
  readonly exchanges: readonly boolean[];
  readonly tasks: readonly (PairTask | null)[];
}

export function comparisonPlan(
  data: CritiqueData,
  critiques: readonly (string | null)[],
  seed: number,
): ComparisonPlan {
  if (critiques.length !== data.items.length)
    throw new Error(`critique: ${critiques.length} critiques for ${data.items.length} items`);
  const exchanges = seededExchanges(data.items.length, seed);
  const tasks = data.items.map((item, i) => {
    const critique = critiques[i];
    return critique === null || critique === undefined ? null : comparisonTask(item, critique, exchanges[i]!);
  });
  return { seed, exchanges, tasks };
}

/**
 * The comparator's judgments of the plan's tasks (in the order of the tasks that are not
 * null) read back into one comparison per item; `answers` are their raw texts (the reasons).
 */
export function comparisonsFromJudgments(
  plan: ComparisonPlan,
  judgments: readonly Judgment[],
  answers: TextLookup,
): JudgedComparison[] {
  const keys = judgments.flatMap((j) => (j.kind !== 'error' && j.key !== undefined ? [j.key] : []));
  const stored = answers(keys);
  let next = 0;
  return plan.tasks.map((task, i) => {
    const exchange = plan.exchanges[i]!;
    if (task === null) return notCompared(exchange, 'no critique (the judge gave no answer)');
    const j = judgments[next++];
    if (j === undefined)
      throw new Error(`critique: fewer comparator judgments than comparisons (${next - 1})`);
    const answer = j.kind !== 'error' && j.key !== undefined ? (stored.get(j.key)?.text ?? null) : null;
    return judgedComparison(j, exchange, answer);
  });
}

/** Step 2: the comparator compares every critique with the reference, in seeded orders. */
export async function compareCritiques(
  data: CritiqueData,
  critiques: readonly (string | null)[],
  options: {
    readonly comparator: Judge;
    readonly seed: number;
    readonly run: Run;
    readonly answers: TextLookup;
  },
): Promise<{ comparisons: JudgedComparison[]; plan: ComparisonPlan; summary: RunSummary }> {
  const plan = comparisonPlan(data, critiques, options.seed);
  const tasks: PairTask[] = [];
  const subjects: Subject[] = [];
  plan.tasks.forEach((task, i) => {
    if (task === null) return;
    tasks.push(task);
    subjects.push({ suite: 'critique', subject: `item ${data.items[i]!.index} comparison` });
  });
  const { judgments, summary } = await runJudgments(options.comparator, tasks, {
    ...options.run,
    label: `${options.comparator.info.name} compares ${tasks.length} critiques with the references`,
    subjects,
  });
  return { comparisons: comparisonsFromJudgments(plan, judgments, options.answers), plan, summary };
}

/**
 * The kind of a critique subject, for counting its judgments in a few lines (`bench cache
 * stats`): "item 17 critique" -> "critiques". Undefined for a subject this suite does not name.
 */
export function critiqueSubjectKind(subject: string): string | undefined {
  const m = /^item \d+ (critique|comparison)$/.exec(subject);
  if (!m) return undefined;
  return m[1] === 'critique' ? 'critiques' : 'comparisons with the reference';
}
