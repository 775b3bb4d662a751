import data from './instructions.json' with { type: 'json' };
import { sha256Hex } from '../../harness/core/hash.js';

/**
 * The 805 AlpacaEval instructions, derived from the submissions by
 * scripts/derive-instruction-set.mjs (see there for how).
 */
export interface InstructionSet {
  readonly instructions: readonly string[];
  readonly datasets: readonly string[];
  /** sha256 of the instruction texts, for provenance */
  readonly sha256: string;
}

let cached: InstructionSet | undefined;

export function alpacaEvalInstructions(): InstructionSet {
  cached ??= {
    instructions: data.instructions.map((e) => e.instruction),
    datasets: data.instructions.map((e) => e.dataset),
    sha256: sha256Hex(JSON.stringify(data.instructions.map((e) => e.instruction))),
  };
  return cached;
}
