import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../harness/core/errors.js';
import { loadCritiqueData, CRITIQUE_PATHS } from '../../suites/critique/data.js';
import { loadRecordedCritiques } from '../../suites/critique/recorded.js';
import { scoreCritiqueSuite } from '../../suites/critique/score.js';
import { formatCritiqueTable } from '../../suites/critique/table.js';
import type { CritiqueResult } from '../../suites/critique/result.js';

/**
 * Recorded mode reproduces the authors' published critique-generation result from GPT-4's
 * comparisons (data/outputs/gpt-4-Eval_auto-j_vs_chatgpt.jsonl) read as critique_eval.py
 * reads it: 171 / 5 / 56 of 232, win 73.71, and its per-group win rates
 * (codes/leaderboard/README.md).
 */

const DATA = new URL('../../../shared/data/auto-j', import.meta.url).pathname;
const RECORDED = join(DATA, CRITIQUE_PATHS.recorded);
const work = mkdtempSync(join(tmpdir(), 'critique-recorded-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const judge = { name: 'autoj', mode: 'recorded' as const, description: "Auto-J's critiques (recorded)" };
const gpt4 = { name: 'gpt-4', model: 'gpt-4', description: 'GPT-4 (recorded)' };

async function recorded(file = RECORDED, critiquesFile?: string): Promise<CritiqueResult> {
  const data = await loadCritiqueData(DATA, 'en');
  const run = await loadRecordedCritiques(data, file, critiquesFile === undefined ? {} : { critiquesFile });
  return scoreCritiqueSuite(data, run.comparisons, {
    judge,
    comparator: gpt4,
    order: { source: 'recorded' },
    ...(run.critiques ? { critiques: run.critiques } : {}),
    bootstrap: { resamples: 500, seed: 1 },
    inputs: run.inputs,
  });
}

/** The comparison file with some lines' outputs replaced. */
function edited(name: string, outputs: Record<number, string>): string {
  const lines = readFileSync(RECORDED, 'utf8').split('\n').filter(Boolean);
  for (const [i, output] of Object.entries(outputs)) {
    const row = JSON.parse(lines[Number(i)]!) as { output: string };
    row.output = output;
    lines[Number(i)] = JSON.stringify(row);
  }
  const file = join(work, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('bench run critique --recorded gpt-4-Eval_auto-j_vs_chatgpt.jsonl', () => {
  it('reproduces 73.7 / 2.2 / 24.1 (171 / 5 / 56 of 232), unrounded', async () => {
    const r = await recorded();
    expect(r.suite).toBe('critique');
    expect(r.overall.n).toBe(232);
    expect(r.overall.win).toBe((100 * 171) / 232);
    expect(r.overall.win).toBeCloseTo(73.706896551724, 11);
    expect(r.overall.tie).toBe((100 * 5) / 232);
    expect(r.overall.lose).toBe((100 * 56) / 232);
    expect([r.overall.wins, r.overall.ties, r.overall.losses]).toEqual([171, 5, 56]);
    expect(r.overall.win!.toFixed(2)).toBe('73.71');
    expect(r.overall.tie!.toFixed(2)).toBe('2.16');
    expect(r.overall.lose!.toFixed(2)).toBe('24.14');
    expect({ unparsed: r.overall.unparsed, missing: r.overall.missing }).toEqual({ unparsed: 0, missing: 0 });
    const autoj = r.published.find((p) => p.critic === 'Auto-J (Ours)')!;
    expect([r.overall.win, r.overall.tie, r.overall.lose].map((v) => v!.toFixed(1))).toEqual(
      [autoj.win, autoj.tie, autoj.lose].map((v) => v!.toFixed(1)),
    );
  });

  it("gives the authors' per-group win rates (codes/leaderboard/README.md), in their order", async () => {
    const r = await recorded();
    const published: Record<string, number> = {
      Summarization: 100.0,
      'Exam Questions': 83.33,
      Code: 80.0,
      Rewriting: 70.0,
      'Creative Writing': 72.22,
      'Functional Writing': 55.0,
      'General Communication': 75.0,
      'NLP Tasks': 79.55,
    };
    expect(r.groups.map((g) => g.group)).toEqual(Object.keys(published));
    for (const g of r.groups) expect(Number(g.win!.toFixed(2)), g.group).toBe(published[g.group]);
    expect(r.published[0]!.groups).toEqual(published);
    // counted as critique_eval.py counts them (wins / votes of the group's scenarios)
    const votes = Object.fromEntries(r.groups.map((g) => [g.group, [g.wins, g.losses, g.ties]]));
    expect(votes).toEqual({
      Summarization: [12, 0, 0],
      'Exam Questions': [10, 2, 0],
      Code: [16, 4, 0],
      Rewriting: [14, 6, 0],
      'Creative Writing': [26, 8, 2],
      'Functional Writing': [22, 16, 2],
      'General Communication': [36, 12, 0],
      'NLP Tasks': [35, 8, 1],
    });
    expect(r.groups.reduce((s, g) => s + g.n, 0)).toBe(232);
    expect(r.scenarios).toHaveLength(58);
    expect(r.scenarios.every((s) => s.items === 4)).toBe(true);
  });

  it("keeps the file's order per item, and shows each critique pair beside the comparator's reason", async () => {
    const r = await recorded(RECORDED, join(DATA, CRITIQUE_PATHS.autojCritiques));
    expect(r.order).toMatchObject({ source: 'recorded', seed: null, exchanged: 124 });
    const first = r.items[0]!;
    expect(first).toMatchObject({ index: 0, exchange: false, decision: 'A', outcome: 'win', problem: null });
    expect(first.answer).toMatch(/^A: Feedback 1 is significantly better\.\n\nReason: /);
    expect(first.critique).toBe(
      JSON.parse(readFileSync(join(DATA, CRITIQUE_PATHS.autojCritiques), 'utf8').split('\n')[0]!).output,
    );
    expect(first.reference).toMatch(/^Critiques:\n1\. Lack of clarity/);
    // exchanged and B: the judge's critique (Feedback 2) won
    const swappedWin = r.items.find((i) => i.exchange && i.decision === 'B')!;
    expect(swappedWin.outcome).toBe('win');
    const swappedLoss = r.items.find((i) => i.exchange && i.decision === 'A')!;
    expect(swappedLoss.outcome).toBe('lose');
    expect(r.items.filter((i) => i.outcome === 'tie').every((i) => i.decision === 'C')).toBe(true);
  });

  it('has seeded intervals around the point estimates, the same for the same seed', async () => {
    const a = await recorded();
    const b = await recorded();
    expect(a.overall.winCi95).toEqual(b.overall.winCi95);
    const [lo, hi] = a.overall.winCi95!;
    expect(lo).toBeLessThan(a.overall.win!);
    expect(hi).toBeGreaterThan(a.overall.win!);
    expect(hi - lo).toBeGreaterThan(5);
    expect(hi - lo).toBeLessThan(25);
    // Summarization won all 12: nothing varies
    expect(a.groups[0]!.winCi95).toEqual([100, 100]);
    const text = formatCritiqueTable(a);
    expect(text).toMatch(/Overall\s+73\.71\s+2\.16\s+24\.14\s+232/);
    expect(text).toContain('votes 171 / 5 / 56 of 232 items; unparsed 0, not compared 0');
  });
});

describe('bad comparator answers and files', () => {
  it('an answer with no option or two on its first line is counted, never a vote', async () => {
    const file = edited('two-and-none.jsonl', {
      0: 'A: Feedback 1 is better. B: Feedback 2 is better.\nReason: both',
      1: 'I cannot decide.\nA: Feedback 1 is significantly better.',
      2: 'Failed!',
    });
    const r = await recorded(file);
    expect(r.overall.n).toBe(229);
    expect(r.overall.unparsed).toBe(3);
    expect(r.overall.items).toBe(232);
    // items 0 and 1 were wins (not exchanged, A:), item 2 ("B:" exchanged) a win too
    expect(r.overall.wins).toBe(168);
    expect(r.overall.win).toBe((100 * 168) / 229);
    expect(r.items[0]).toMatchObject({ decision: null, outcome: null });
    expect(r.items[0]!.problem).toBe('ambiguous decision ("A:" and "B:" in the first line)');
    expect(r.items[1]!.problem).toBe('no decision (none of "A:", "B:", "C:" in the first line)');
    expect(r.notes).toContain('3 comparisons have no readable decision; they are counted, not votes');
  });

  it('a file that is not one comparison per item is a one-line error naming the file and the line', async () => {
    const lines = readFileSync(RECORDED, 'utf8').split('\n').filter(Boolean);
    const short = join(work, 'short.jsonl');
    writeFileSync(short, lines.slice(0, 231).join('\n') + '\n');
    await expect(recorded(short)).rejects.toThrow(
      `${short}: line 232: missing: the file has 231 comparisons, the set 232 items`,
    );
    const bad = join(work, 'bad-meta.jsonl');
    writeFileSync(
      bad,
      [lines[0], '{"output": "A: x", "meta": {"exchange": "yes"}}', ...lines.slice(2)].join('\n'),
    );
    await expect(recorded(bad)).rejects.toThrow(`${bad}: line 2: "meta" must be {"exchange": true|false}`);
    await expect(recorded(bad)).rejects.toBeInstanceOf(InputError);
    const notJson = join(work, 'not-json.jsonl');
    writeFileSync(notJson, ['{"output": "A: x"', ...lines.slice(1)].join('\n'));
    await expect(recorded(notJson)).rejects.toThrow(new RegExp(`^${notJson}: line 1: invalid JSON`));
  });

  it('a line without meta was not exchanged, as critique_eval.py reads it', async () => {
    const lines = readFileSync(RECORDED, 'utf8').split('\n').filter(Boolean);
    const at = lines.findIndex((l) => (JSON.parse(l) as { meta: { exchange: boolean } }).meta.exchange);
    const row = JSON.parse(lines[at]!) as { output: string };
    const file = join(work, 'no-meta.jsonl');
    writeFileSync(
      file,
      [...lines.slice(0, at), JSON.stringify({ output: row.output }), ...lines.slice(at + 1)].join('\n'),
    );
    const r = await recorded(file);
    expect(r.items[at]!.exchange).toBe(false);
    expect(r.order.exchanged).toBe(123);
  });
});

describe('a subset of the items', () => {
  it('is scored by position: its items keep their indices, its comparisons are aligned with it', async () => {
    const data = await loadCritiqueData(DATA, 'en');
    const all = await loadRecordedCritiques(data, RECORDED);
    const odd = data.items.filter((i) => i.index % 2 === 1);
    const r = scoreCritiqueSuite(
      { ...data, items: odd },
      odd.map((i) => all.comparisons[i.index]!),
      { judge, comparator: gpt4, order: { source: 'recorded' }, bootstrap: { resamples: 0, seed: 1 } },
    );
    const wins = odd.filter((i) => all.comparisons[i.index]!.outcome === 'win').length;
    expect(r.overall.n).toBe(116);
    expect(r.overall.wins).toBe(wins);
    expect(r.items.map((i) => i.index)).toEqual(odd.map((i) => i.index));
  });
});

describe('the Chinese set', () => {
  it('is the English set translated: the same 232 items and scenarios, its own references', async () => {
    const en = await loadCritiqueData(DATA, 'en');
    const zh = await loadCritiqueData(DATA, 'zh');
    expect(zh.items).toHaveLength(232);
    expect(zh.items.map((i) => i.scenario)).toEqual(en.items.map((i) => i.scenario));
    expect(zh.items[0]!.prompt).toMatch(/^总结以下帖子/);
    expect(zh.items[0]!.reference).not.toBe(en.items[0]!.reference);
    const r = scoreCritiqueSuite(zh, (await loadRecordedCritiques(zh, RECORDED)).comparisons, {
      judge,
      comparator: gpt4,
      order: { source: 'recorded' },
      bootstrap: { resamples: 0, seed: 1 },
    });
    expect(r.language).toBe('zh');
    expect(r.overall.winCi95).toBeNull();
    expect(r.published.map((p) => p.critic)).toEqual(['Auto-J-Bilingual (Chinese) (Ours)']);
  });
});
