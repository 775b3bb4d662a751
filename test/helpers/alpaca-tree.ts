import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { alpacaEvalInstructions } from '../../suites/alpacaeval/instruction-set.js';

export const INSTRUCTIONS = alpacaEvalInstructions().instructions;

export interface FakeModel {
  /** output per instruction index; undefined entries are left out of the file */
  outputs?: (string | null | undefined)[];
  /** raw file content instead (for bad-input tests) */
  raw?: string | Buffer;
  gzip?: boolean;
}

/**
 * A small alpaca_eval tree in a temp folder: results/<model>/model_outputs.json[.gz] and
 * the two leaderboard CSVs the built-in references read.
 */
export function makeAlpacaTree(
  models: Record<string, FakeModel>,
  leaderboards: { ae1?: string; ae2?: string } = {},
): string {
  const root = mkdtempSync(join(tmpdir(), 'bench-ae-'));
  for (const [id, m] of Object.entries(models)) {
    const dir = join(root, 'results', id);
    mkdirSync(dir, { recursive: true });
    const body =
      m.raw ??
      JSON.stringify(
        (m.outputs ?? []).flatMap((o, i) =>
          o === undefined ? [] : [{ instruction: INSTRUCTIONS[i], output: o, generator: id, dataset: 'x' }],
        ),
      );
    const gz = m.gzip ?? true;
    writeFileSync(join(dir, gz ? 'model_outputs.json.gz' : 'model_outputs.json'), gz ? gzipSync(body) : body);
  }
  const lb = join(root, 'src/alpaca_eval/leaderboards');
  mkdirSync(join(lb, 'data_AlpacaEval'), { recursive: true });
  mkdirSync(join(lb, 'data_AlpacaEval_2'), { recursive: true });
  writeFileSync(
    join(lb, 'data_AlpacaEval/alpaca_eval_gpt4_leaderboard.csv'),
    leaderboards.ae1 ?? ',win_rate,mode\n',
  );
  writeFileSync(
    join(lb, 'data_AlpacaEval_2/weighted_alpaca_eval_gpt4_turbo_leaderboard.csv'),
    leaderboards.ae2 ?? ',win_rate,length_controlled_winrate,mode\n',
  );
  return root;
}

/** n outputs whose lengths are `base + i`, so a length-judge mean is easy to compute by hand. */
export function outputsOfLength(n: number, base: number): string[] {
  return Array.from({ length: n }, (_, i) => 'x'.repeat(base + i));
}
