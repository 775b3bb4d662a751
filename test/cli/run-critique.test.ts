import { describe, expect, it } from 'vitest';
import { runBench, SHARED_DATA } from '../helpers/cli.js';

/**
 * `bench run critique --recorded` from the command line: the suite is registered, and GPT-4's
 * recorded comparisons of Auto-J's critiques give the published 73.7 / 2.2 / 24.1 (171 / 5 /
 * 56 of 232) and the authors' per-group win rates (codes/leaderboard/README.md).
 */

const RECORDED = `${SHARED_DATA}/auto-j/data/outputs/gpt-4-Eval_auto-j_vs_chatgpt.jsonl`;
const GROUP_WIN: Record<string, number> = {
  Summarization: 100.0,
  'Exam Questions': 83.33,
  Code: 80.0,
  Rewriting: 70.0,
  'Creative Writing': 72.22,
  'Functional Writing': 55.0,
  'General Communication': 75.0,
  'NLP Tasks': 79.55,
};

describe('bench run critique --recorded', () => {
  it('prints the published figures as one JSON document', async () => {
    const r = await runBench(['run', 'critique', '--recorded', RECORDED, '--bootstrap', '200', '--json']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      suite: string;
      overall: { win: number; tie: number; lose: number; n: number };
      groups: { group: string; win: number; tie: number; lose: number; n: number }[];
      manifest: { harness: unknown };
    };
    expect(doc.suite).toBe('critique');
    expect(doc.overall.n).toBe(232);
    expect(doc.overall.win).toBeCloseTo(73.70689655172414, 10);
    expect(doc.overall.tie).toBeCloseTo(2.1551724137931036, 10);
    expect(doc.overall.lose).toBeCloseTo(24.137931034482758, 10);
    expect(doc.groups.map((g) => g.group).sort()).toEqual(Object.keys(GROUP_WIN).sort());
    for (const g of doc.groups) {
      expect(g.win, g.group).toBeCloseTo(GROUP_WIN[g.group]!, 2);
      expect(g.win + g.tie + g.lose, g.group).toBeCloseTo(100, 9);
    }
    expect(doc.groups.reduce((s, g) => s + g.n, 0)).toBe(232);
    expect(doc.manifest).toBeDefined();
  });

  it('prints the table without --json, and names the missing file in one line', async () => {
    const table = await runBench(['run', 'critique', '--recorded', RECORDED, '--bootstrap', '0']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/73\.7/);
    const missing = await runBench(['run', 'critique']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/--recorded/);
    const absent = await runBench(['run', 'critique', '--recorded', '/nonexistent/file.jsonl']);
    expect(absent.code).not.toBe(0);
    expect(absent.stderr).toMatch(/\/nonexistent\/file\.jsonl/);
  });
});
