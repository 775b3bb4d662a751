import { InputError } from '../../harness/core/errors.js';
import { fixed, formatTable, interval } from '../../harness/core/text-table.js';
import { terminalText } from '../../harness/core/terminal-text.js';
import type { JudgeTask } from '../../harness/core/types.js';
import type { Judge } from '../../harness/judge/judge.js';
import { taskDigest } from '../../harness/judge/key.js';
import { diffModels, type ModelsDiff } from '../../harness/leaderboard/run-diff.js';
import { readSubmission } from '../../harness/source/alpacaeval.js';
import { alignOutputs, InstructionIndex } from '../../harness/source/align.js';
import { spearman, type Estimate } from '../../harness/stats/correlation.js';
import type { RunDiffContext } from '../../harness/suite/contract.js';
import { alpacaEvalInstructions } from './instruction-set.js';
import { isCompleteRun, type AlpacaEvalResult } from './result.js';

/**
 * `bench runs diff A B` for two AlpacaEval runs (two judges, two nights, two templates on
 * the same items): per model, score and rank deltas with their significance (disjoint
 * bootstrap intervals, harness/leaderboard/run-diff.ts); per item, each run's rating of
 * every (model, instruction) both judged with the same outputs, read back from the store
 * (a judge that runs in process, the length baseline, is evaluated again instead).
 */

export interface RunRef {
  readonly judge: string;
  readonly model: string;
  readonly templateVersion: string;
  readonly finishedAt: string;
  readonly instructions: number;
  readonly models: number;
  readonly complete: boolean;
}

export interface ItemChange {
  readonly model: string;
  /** index into the instruction set */
  readonly index: number;
  readonly a: number;
  readonly b: number;
}

export interface ItemsDiff {
  /** items (model, instruction) with a value in both runs */
  readonly compared: number;
  /** items of the shared models and instructions that one run lacks a value for (not stored, unparsed) */
  readonly missing: number;
  readonly models: number;
  readonly instructions: number;
  /** where each run's values come from */
  readonly from: { readonly a: 'store' | 'recomputed'; readonly b: 'store' | 'recomputed' };
  /** Spearman of the two runs' item values */
  readonly spearman: Estimate;
  /** on the same scale only: items whose rating differs, and the mean absolute change */
  readonly changed: number | null;
  readonly meanAbsoluteChange: number | null;
  /** on the same scale only: the largest changes, biggest first */
  readonly largest: readonly ItemChange[];
}

export interface AlpacaEvalDiff {
  readonly a: RunRef;
  readonly b: RunRef;
  readonly models: ModelsDiff;
  /** or why items could not be compared */
  readonly items: ItemsDiff | { readonly reason: string };
}

const LARGEST = 10;

export async function diffAlpacaEvalRuns(
  a: AlpacaEvalResult,
  b: AlpacaEvalResult,
  context: RunDiffContext,
): Promise<AlpacaEvalDiff> {
  const models = diffModels(a, b);
  return { a: ref(a), b: ref(b), models, items: await diffItems(a, b, models, context) };
}

function ref(r: AlpacaEvalResult): RunRef {
  return {
    judge: r.judge.name,
    model: r.judge.model,
    templateVersion: r.judge.templateVersion,
    finishedAt: r.manifest.finishedAt,
    instructions: r.settings.instructions,
    models: r.models.length,
    complete: isCompleteRun(r),
  };
}

async function diffItems(
  a: AlpacaEvalResult,
  b: AlpacaEvalResult,
  models: ModelsDiff,
  context: RunDiffContext,
): Promise<ItemsDiff | { reason: string }> {
  if (a.manifest.instructionSetSha256 !== b.manifest.instructionSetSha256)
    return { reason: 'the runs judged different instruction sets' };
  if (!context.source) return { reason: 'no source to read the judged outputs from' };
  const judges: Judge[] = [];
  for (const run of [a, b]) {
    const judge = context.judge(run.judge);
    if (typeof judge === 'string') return { reason: judge };
    judges.push(judge);
  }
  const inB = new Set(b.instructionIndices);
  const indices = a.instructionIndices.filter((i) => inB.has(i));
  const set = alpacaEvalInstructions();
  const index = new InstructionIndex(set.instructions);
  const hashB = new Map(b.models.map((m) => [m.model, m.contentHash]));
  const shared = a.models.filter((m) => hashB.get(m.model) === m.contentHash);

  const xs: number[] = [];
  const ys: number[] = [];
  const items: { model: string; index: number }[] = [];
  let missing = 0;
  let judgedModels = 0;
  for (const m of shared) {
    let submission;
    try {
      submission = await readSubmission(context.source, m.model);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      context.warn(`${e.message} (its items are not compared)`);
      continue;
    }
    // the source's outputs must be the ones both runs judged
    if (!submission || submission.contentHash !== m.contentHash) continue;
    judgedModels++;
    const outputs = alignOutputs(index, submission.entries).outputs;
    const tasks: JudgeTask[] = [];
    const at: number[] = [];
    for (const i of indices) {
      const output = outputs[i];
      if (output === undefined) continue;
      tasks.push({ protocol: 'single', instruction: set.instructions[i]!, response: output });
      at.push(i);
    }
    const [va, vb] = [values(judges[0]!, tasks, context), values(judges[1]!, tasks, context)];
    tasks.forEach((_, k) => {
      const x = va[k];
      const y = vb[k];
      if (x === undefined || y === undefined) {
        missing++;
        return;
      }
      xs.push(x);
      ys.push(y);
      items.push({ model: m.model, index: at[k]! });
    });
  }
  if (judgedModels === 0) return { reason: 'no model of both runs has the same outputs in the source' };
  const sameScale = models.sameScale;
  let changed: number | null = null;
  let meanAbsoluteChange: number | null = null;
  let largest: ItemChange[] = [];
  if (sameScale) {
    changed = 0;
    let total = 0;
    const changes: ItemChange[] = [];
    xs.forEach((x, k) => {
      const d = ys[k]! - x;
      total += Math.abs(d);
      if (d !== 0) {
        changed!++;
        changes.push({ ...items[k]!, a: x, b: ys[k]! });
      }
    });
    meanAbsoluteChange = xs.length > 0 ? total / xs.length : null;
    largest = changes
      .sort(
        (p, q) =>
          Math.abs(q.b - q.a) - Math.abs(p.b - p.a) || p.model.localeCompare(q.model) || p.index - q.index,
      )
      .slice(0, LARGEST);
  }
  return {
    compared: xs.length,
    missing,
    models: judgedModels,
    instructions: indices.length,
    from: { a: source(judges[0]!), b: source(judges[1]!) },
    spearman: spearman(xs, ys),
    changed,
    meanAbsoluteChange,
    largest,
  };
}

const source = (judge: Judge) => (judge.mode === 'local' ? 'recomputed' : 'store');

/** Each task's rating by `judge`: evaluated (in process) or read from the store; undefined where there is none. */
function values(judge: Judge, tasks: readonly JudgeTask[], context: RunDiffContext): (number | undefined)[] {
  if (judge.mode === 'local') {
    return tasks.map((t) => {
      const j = judge.evaluate(t);
      return j.kind === 'ok' ? j.rating : undefined;
    });
  }
  // Through the task index first, as a warm run does: only tasks it lacks (a store from
  // before it) are rendered to learn their key.
  const digests = judge.requestIdentity === undefined ? [] : tasks.map(taskDigest);
  const byTask =
    judge.requestIdentity === undefined ? null : context.judgmentsByTask(judge.requestIdentity, digests);
  const rest = tasks.flatMap((t, i) => (byTask?.has(digests[i]!) ? [] : [i]));
  const keys = rest.map((i) => judge.prepare(tasks[i]!).key);
  const byKey = keys.length > 0 ? context.judgments(keys) : null;
  const found = tasks.map((_, i) => byTask?.get(digests[i] ?? ''));
  rest.forEach((i, k) => {
    found[i] = byKey?.get(keys[k]!);
  });
  return found.map((j) => (j?.kind === 'ok' ? j.rating : undefined));
}

const MODELS_SHOWN = 20;

/** The comparison as the terminal shows it. */
export function renderAlpacaEvalDiff(d: AlpacaEvalDiff): string {
  const run = (r: RunRef) =>
    `${r.judge} (${r.model}, template ${r.templateVersion}), ${r.finishedAt}, ${r.models} models x ${r.instructions} instructions${r.complete ? ', complete' : ''}`;
  const m = d.models;
  const lines = [
    terminalText(`A: ${run(d.a)}`),
    terminalText(`B: ${run(d.b)}`),
    '',
    `${m.compared} models ranked in both; Spearman of their scores ${fixed(m.spearman.value, 4)}; ` +
      `${m.rankSignificant} rank change(s) significant (95% rank intervals apart)` +
      (m.sameScale
        ? `, ${m.scoreSignificant} score change(s)`
        : '; scores on different scales, not compared'),
  ];
  if (m.onlyA.length) lines.push(terminalText(`only in A: ${m.onlyA.join(', ')}`));
  if (m.onlyB.length) lines.push(terminalText(`only in B: ${m.onlyB.join(', ')}`));
  const shown = m.models.slice(0, MODELS_SHOWN);
  lines.push(
    formatTable(
      [
        'model',
        'rank A',
        '95% CI',
        'rank B',
        '95% CI',
        'change',
        'significant',
        ...(m.sameScale ? ['score A', 'score B', 'change'] : []),
      ],
      shown.map((x) => [
        terminalText(x.model),
        x.a.rank === null ? '–' : String(x.a.rank),
        interval(x.a.rankCi95, 1),
        x.b.rank === null ? '–' : String(x.b.rank),
        interval(x.b.rankCi95, 1),
        x.rankDelta === null ? '–' : `${x.rankDelta > 0 ? '+' : ''}${x.rankDelta}`,
        x.rankSignificant === null ? '–' : x.rankSignificant ? 'yes' : 'no',
        ...(m.sameScale ? [fixed(x.a.score, 3), fixed(x.b.score, 3), fixed(x.scoreDelta, 3)] : []),
      ]),
    ).trimEnd(),
  );
  if (m.models.length > shown.length) lines.push(`(${m.models.length - shown.length} more in --json)`);
  lines.push('');
  const items = d.items;
  if ('reason' in items) lines.push(terminalText(`items: not compared (${items.reason})`));
  else {
    lines.push(
      `items: ${items.compared} (model, instruction) compared over ${items.models} models x ${items.instructions} instructions ` +
        `(A ${items.from.a === 'store' ? 'from the store' : 'recomputed'}, B ${items.from.b === 'store' ? 'from the store' : 'recomputed'}` +
        `${items.missing ? `; ${items.missing} lacking a value in one run` : ''}); Spearman ${fixed(items.spearman.value, 4)}` +
        (items.changed !== null
          ? `; ${items.changed} changed, mean absolute change ${fixed(items.meanAbsoluteChange, 3)}`
          : ''),
    );
    for (const c of items.largest)
      lines.push(terminalText(`  ${c.model} #${c.index}: ${fixed(c.a, 3)} -> ${fixed(c.b, 3)}`));
  }
  return `${lines.join('\n')}\n`;
}
