import { InputError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import { readSubmission } from '../source/alpacaeval.js';
import { alignOutputs, InstructionIndex } from '../source/align.js';
import type { SourceFiles } from '../source/files.js';
import type { ItemText, OutputsLookup } from './types.js';

/**
 * An OutputsLookup over an alpaca_eval tree: the model's submission as the source has it
 * now, aligned to the instruction set, with the hashes the model page compares with what
 * was judged (the source may have changed since). A model without a (readable)
 * submission gives an empty map, and its page says the response is not available.
 */
export function sourceOutputs(
  files: SourceFiles,
  instructions: readonly string[],
  warn: (message: string) => void = () => {},
): OutputsLookup {
  const index = new InstructionIndex(instructions);
  return async (model, indices) => {
    const texts = new Map<number, ItemText>();
    let submission;
    try {
      submission = await readSubmission(files, model);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      warn(`${e.message} (responses left out of the model page)`);
      return texts;
    }
    if (!submission) return texts;
    const aligned = alignOutputs(index, submission.entries);
    for (const i of indices) {
      const instruction = instructions[i];
      const output = aligned.outputs[i];
      if (instruction === undefined || output === undefined) continue;
      texts.set(i, {
        instruction,
        output: output === '' ? null : output,
        outputSha256: sha256Hex(output),
        submissionSha256: submission.contentHash,
      });
    }
    return texts;
  };
}
