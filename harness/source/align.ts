import type { OutputEntry } from './alpacaeval.js';

/** What was wrong with one submission's coverage of the instruction set. */
export interface AlignmentReport {
  /** instructions of the set with no entry */
  readonly missing: number;
  /** entries whose instruction appeared earlier in the file (the first one is used) */
  readonly duplicated: number;
  /** entries whose instruction is not in the set */
  readonly extra: number;
  /** instructions answered with an empty, whitespace-only or null output */
  readonly empty: number;
}

export interface AlignedOutputs {
  /** one slot per instruction of the set: the output, '' for empty/null, undefined if missing */
  readonly outputs: readonly (string | undefined)[];
  readonly report: AlignmentReport;
}

/**
 * Index of the instruction set by text. Matching is exact first, then on
 * whitespace-normalised text, since some submissions re-serialise instructions.
 */
export class InstructionIndex {
  private readonly exact = new Map<string, number>();
  private readonly normalised = new Map<string, number>();
  constructor(readonly instructions: readonly string[]) {
    instructions.forEach((text, i) => {
      this.exact.set(text, i);
      this.normalised.set(normalise(text), i);
    });
  }
  get size(): number {
    return this.instructions.length;
  }
  indexOf(text: string): number | undefined {
    return this.exact.get(text) ?? this.normalised.get(normalise(text));
  }
}

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function alignOutputs(index: InstructionIndex, entries: readonly OutputEntry[]): AlignedOutputs {
  const outputs: (string | undefined)[] = new Array(index.size).fill(undefined);
  let duplicated = 0;
  let extra = 0;
  for (const entry of entries) {
    const i = index.indexOf(entry.instruction);
    if (i === undefined) {
      extra++;
      continue;
    }
    if (outputs[i] !== undefined) {
      duplicated++;
      continue;
    }
    outputs[i] = entry.output ?? '';
  }
  let missing = 0;
  let empty = 0;
  for (const o of outputs) {
    if (o === undefined) missing++;
    else if (o.trim() === '') empty++;
  }
  return { outputs, report: { missing, duplicated, extra, empty } };
}
