import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBench, SHARED_DATA } from '../helpers/cli.js';

const TABLE24 = `${SHARED_DATA}/auto-j/paper/table24_alpacaeval_autoj_ratings.csv`;
const AE1_2023_09_19 = `${SHARED_DATA}/alpaca_eval/history/data_AlpacaEval/2023-09-19_alpaca_eval_gpt4_leaderboard.csv`;

/** The paper's Table 24 (Auto-J's mean ratings) against AlpacaEval 1 as of 2023-09-19. */
const TABLE24_ARGS = [
  'correlate',
  '--scores',
  TABLE24,
  '--model-column',
  'alpaca_eval_id',
  '--score-column',
  'autoj_mean_rating',
  '--reference',
  AE1_2023_09_19,
  '--json',
];

describe('bench correlate', () => {
  it("reproduces the Auto-J paper's system-level correlation (table 24)", async () => {
    const r = await runBench(TABLE24_ARGS);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.n).toBe(53);
    expect(doc.spearman.value.toFixed(4)).toBe('0.9802');
    expect(doc.kendall.value.toFixed(4)).toBe('0.8824');
    expect(doc.pearson.value.toFixed(4)).toBe('0.9815');
    for (const s of ['spearman', 'kendall', 'pearson']) {
      const [lo, hi] = doc[s].ci95;
      expect(lo).toBeLessThan(doc[s].value);
      expect(hi).toBeGreaterThan(doc[s].value);
      expect(hi).toBeLessThanOrEqual(1);
    }
    expect(doc.unmatched.scores).toEqual([]);
    // Same seed, same interval; another seed, another one.
    const again = JSON.parse((await runBench(TABLE24_ARGS)).stdout);
    expect(again.spearman.ci95).toEqual(doc.spearman.ci95);
    const other = JSON.parse((await runBench([...TABLE24_ARGS, '--seed', '2'])).stdout);
    expect(other.spearman.ci95).not.toEqual(doc.spearman.ci95);
  });

  it('prints a readable table and lists unmatched models', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-corr-'));
    const scores = join(dir, 's.csv');
    writeFileSync(
      scores,
      'model,score\nxwinlm-70b-v0.1,9\nllama-2-70b-chat-hf,8\nvicuna-13b,5\nnot-a-model,1\n',
    );
    const r = await runBench([
      'correlate',
      '--scores',
      scores,
      '--reference',
      AE1_2023_09_19,
      '--bootstrap',
      '100',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/3 models in common/);
    expect(r.stdout).toMatch(/spearman\s+1\.0000/);
    expect(r.stdout).toMatch(/not in the reference \(1\): not-a-model/);
  });

  it('fails with one line naming the file when a column is missing', async () => {
    const r = await runBench(['correlate', '--scores', TABLE24, '--reference', AE1_2023_09_19]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(
      `bench: ${TABLE24}: no column "model" (columns: paper_model_name, alpaca_eval_id, autoj_mean_rating, gpt4_win_rate, rank_gpt4, rank_autoj)\n`,
    );
  });

  it('fails on an unknown reference name, with a suggestion', async () => {
    const r = await runBench(['correlate', '--scores', TABLE24, '--reference', 'AE2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^bench: unknown reference "AE2": use ae1, ae2, ae2-lc or the path of a leaderboard \.csv file \(did you mean "ae2"\?\)\n$/,
    );
  });

  it('never reaches for the network when a source is given as a URL and fails clearly', async () => {
    const r = await runBench([
      'correlate',
      '--scores',
      TABLE24,
      '--reference',
      'ae1',
      '--source',
      'http://127.0.0.1:9/',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^bench: http:\/\/127\.0\.0\.1:9\/src\/alpaca_eval\/leaderboards\/.*: source unreachable/,
    );
  });

  it('fails on a missing file', async () => {
    const r = await runBench(['correlate', '--scores', '/nonexistent/s.csv', '--reference', 'ae1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('bench: /nonexistent/s.csv: file not found\n');
  });
});
