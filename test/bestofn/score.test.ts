import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../harness/core/errors.js';
import {
  fileRatings,
  loadRaterFile,
  loadSelectionFile,
  type RatingTable,
} from '../../suites/bestofn/data.js';
import { candidateTasks, ratingsFromJudgments } from '../../suites/bestofn/live.js';
import { BESTOFN_SIZES, pickBest, scoreBestOfN } from '../../suites/bestofn/score.js';
import { formatBestOfNTable } from '../../suites/bestofn/table.js';

/**
 * Best-of-N on a fixture in the authors' format (test/fixtures/bestofn/selection.jsonl: 3
 * queries x 2 base models x 32 candidates, synthetic texts, `autoj` and `fixture-rater`
 * ratings drawn from a seeded generator), every figure recomputed here independently.
 */

const FIXTURE = new URL('../fixtures/bestofn/selection.jsonl', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'bestofn-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const judge = { name: 'autoj', mode: 'recorded' as const, description: "Auto-J's ratings in the file" };
const rater = { name: 'fixture-rater', mode: 'recorded' as const, description: 'the fixture rater' };
const fixtureLines = () => readFileSync(FIXTURE, 'utf8').split('\n').filter(Boolean);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

/** The fixture with line `i` edited. */
function edited(name: string, i: number, edit: (row: Loose) => void): string {
  const lines = fixtureLines();
  const row = JSON.parse(lines[i]!) as Loose;
  edit(row);
  lines[i] = JSON.stringify(row);
  const file = join(work, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

async function recorded(judgeRatings?: (t: RatingTable) => RatingTable) {
  const data = await loadSelectionFile(FIXTURE);
  const j = fileRatings(data, 'autoj');
  return {
    data,
    judgeRatings: judgeRatings ? judgeRatings(j) : j,
    raterRatings: fileRatings(data, 'fixture-rater'),
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The result of the recorded ratings (or edited ones), with `resamples` and `seed`. */
function scored(r: Awaited<ReturnType<typeof recorded>>, resamples: number, seed = 1) {
  const { data, judgeRatings, raterRatings } = r;
  return scoreBestOfN(data, { judge, rater, judgeRatings, raterRatings, bootstrap: { resamples, seed } });
}

describe('the selection file', () => {
  it("is read in the authors' format: per query, each base model's candidates and ratings", async () => {
    const data = await loadSelectionFile(FIXTURE);
    expect(data.queries).toBe(3);
    expect(data.models).toEqual(['llama-2-7b-chat', 'vicuna-7b-v1.5']);
    expect(data.candidates).toBe(32);
    expect(data.sets).toHaveLength(6);
    expect(data.sets[1]).toMatchObject({ query: 0, model: 'vicuna-7b-v1.5', scenario: 'planning', id: 0 });
    expect(Object.keys(data.sets[0]!.scores)).toEqual(['autoj', 'fixture-rater']);
    expect(candidateTasks(data)).toHaveLength(6 * 32);
    expect(candidateTasks(data)[33]).toEqual({
      protocol: 'single',
      instruction: data.sets[1]!.prompt,
      response: data.sets[1]!.candidates[1],
    });
  });

  it('unequal candidate counts, ratings that do not match them, a missing rater: one-line errors', async () => {
    const short = edited('short.jsonl', 1, (r) => r.outputs['vicuna-7b-v1.5'].outputs.pop());
    await expect(loadSelectionFile(short)).rejects.toThrow(
      `${short}: line 2: vicuna-7b-v1.5 has 31 candidates, line 1's have 32: every set must have as many`,
    );
    await expect(loadSelectionFile(short)).rejects.toBeInstanceOf(InputError);
    const scores = edited('scores.jsonl', 2, (r) => r.outputs['llama-2-7b-chat'].scores.autoj.push(5));
    await expect(loadSelectionFile(scores)).rejects.toThrow(
      `${scores}: line 3: "outputs.llama-2-7b-chat.scores.autoj": 33 ratings for 32 candidates: one rating per candidate`,
    );
    const models = edited('models.jsonl', 1, (r) => delete r.outputs['llama-2-7b-chat']);
    await expect(loadSelectionFile(models)).rejects.toThrow(
      `${models}: line 2: base models vicuna-7b-v1.5 differ from line 1's (llama-2-7b-chat, vicuna-7b-v1.5)`,
    );
    const text = edited('text.jsonl', 0, (r) => (r.outputs['llama-2-7b-chat'].scores.autoj[3] = 'seven'));
    await expect(loadSelectionFile(text)).rejects.toThrow(
      `${text}: line 1: "outputs.llama-2-7b-chat.scores.autoj": rating 4 is not a number: "seven"`,
    );
    const data = await loadSelectionFile(FIXTURE);
    expect(() => fileRatings(data, 'gpt-4')).toThrow(
      `${FIXTURE}: line 1: llama-2-7b-chat has no "gpt-4" scores (it has: autoj, fixture-rater)`,
    );
  });

  it("a rater's own file gives the same ratings as its scores in the selection file", async () => {
    const data = await loadSelectionFile(FIXTURE);
    const file = join(work, 'rater.jsonl');
    writeFileSync(
      file,
      fixtureLines()
        .map((l) => {
          const row = JSON.parse(l) as Loose;
          const scores = Object.fromEntries(
            Object.entries(row.outputs as Loose).map(([m, v]) => [m, (v as Loose).scores['fixture-rater']]),
          );
          return JSON.stringify({ scores });
        })
        .join('\n'),
    );
    expect((await loadRaterFile(file, data)).ratings).toEqual(fileRatings(data, 'fixture-rater'));
    writeFileSync(file, '{"scores": {}}\n');
    await expect(loadRaterFile(file, data)).rejects.toThrow(
      `${file}: 1 lines for the 3 queries of ${FIXTURE}: one line per query`,
    );
  });
});

describe('picks, means and the correlation, recomputed', () => {
  it('per N: the judge pick, a random pick and the best pick, as plain loops compute them', async () => {
    const input = await recorded();
    const { data, judgeRatings, raterRatings } = input;
    const r = scored(input, 300, 5);
    expect(r.sizes).toEqual([2, 4, 8, 16, 32]);
    for (const row of r.overall) {
      const N = row.size;
      const judged: number[] = [];
      const random: number[] = [];
      const best: number[] = [];
      let tied = 0;
      data.sets.forEach((_, s) => {
        const j = judgeRatings[s]!.slice(0, N) as number[];
        const q = raterRatings[s]!.slice(0, N) as number[];
        const top = Math.max(...j);
        const pick = j.indexOf(top);
        if (j.filter((v) => v === top).length > 1) tied++;
        judged.push(q[pick]!);
        random.push(mean(q));
        best.push(Math.max(...q));
      });
      expect(row.sets).toBe(6);
      expect(row.judgePick).toBeCloseTo(mean(judged), 12);
      expect(row.randomPick).toBeCloseTo(mean(random), 12);
      expect(row.bestPick).toBeCloseTo(mean(best), 12);
      expect(row.gain).toBeCloseTo(mean(judged) - mean(random), 12);
      expect(row.tiedPicks).toBe(tied);
      expect(row.bestPick!).toBeGreaterThanOrEqual(row.judgePick!);
      expect(row.judgePickCi95![0]).toBeLessThanOrEqual(row.judgePick!);
      expect(row.judgePickCi95![1]).toBeGreaterThanOrEqual(row.judgePick!);
    }
    // N = 32: the random pick is each set's mean over all of them
    expect(r.overall[4]!.randomPick).toBeCloseTo(mean(raterRatings.map((t) => mean(t as number[]))), 12);
    // the picks are recorded per set and N
    const p = r.picks[0]!.picks[1]!;
    const first4 = judgeRatings[0]!.slice(0, 4) as number[];
    expect(p).toEqual({
      size: 4,
      index: first4.indexOf(Math.max(...first4)),
      judgeRating: Math.max(...first4),
      raterRating: raterRatings[0]![first4.indexOf(Math.max(...first4))],
      tied: first4.filter((v) => v === Math.max(...first4)).length,
    });
    expect(r.byModel.map((m) => m.rows[0]!.sets)).toEqual([3, 3]);
    expect(formatBestOfNTable(r)).toMatch(/^\s*32\s+\d+\.\d{3}\s+\[/m);
  });

  it("the correlation is over every candidate both rated, Pearson's and Spearman's as defined", async () => {
    const input = await recorded();
    const { judgeRatings, raterRatings } = input;
    const r = scored(input, 0, 1);
    const x = judgeRatings.flat() as number[];
    const y = raterRatings.flat() as number[];
    const pearson = (a: number[], b: number[]) => {
      const ma = mean(a);
      const mb = mean(b);
      let sab = 0;
      let saa = 0;
      let sbb = 0;
      a.forEach((v, i) => {
        sab += (v - ma) * (b[i]! - mb);
        saa += (v - ma) ** 2;
        sbb += (b[i]! - mb) ** 2;
      });
      return sab / Math.sqrt(saa * sbb);
    };
    const ranks = (a: number[]) =>
      a.map((v) => a.filter((w) => w < v).length + (a.filter((w) => w === v).length + 1) / 2);
    expect(r.correlation.n).toBe(192);
    expect(r.correlation.pearson.value).toBeCloseTo(pearson(x, y), 10);
    expect(r.correlation.spearman.value).toBeCloseTo(pearson(ranks(x), ranks(y)), 10);
    expect(r.correlation.kendall.value).toBeGreaterThan(0);
    expect(r.overall[0]!.judgePickCi95).toBeNull();
  });

  it('ties go to the first candidate; an unrated candidate cannot be picked; a set with none is left out', async () => {
    expect(pickBest([5, 7, 7, 2], 4)).toEqual({ index: 1, rating: 7, tied: 2 });
    expect(pickBest([null, 3, null, 9], 3)).toEqual({ index: 1, rating: 3, tied: 1 });
    expect(pickBest([null, null, 9], 2)).toBeNull();
    const input = await recorded((t) => t.map((ratings, s) => (s === 0 ? ratings.map(() => null) : ratings)));
    const r = scored(input, 0, 1);
    expect(r.overall.every((row) => row.sets === 5 && row.noPick === 1)).toBe(true);
    expect(r.unrated).toEqual({ judge: 32, rater: 0, candidates: 192 });
    expect(r.notes).toContain('32 candidates have no judge rating: they cannot be picked');
    expect(r.picks[0]!.picks[0]).toEqual({
      size: 2,
      index: null,
      judgeRating: null,
      raterRating: null,
      tied: 0,
    });
  });

  it('the same seed gives the same intervals; an N beyond the candidates is refused', async () => {
    const { data, judgeRatings, raterRatings } = await recorded();
    const opts = { judge, rater, judgeRatings, raterRatings, bootstrap: { resamples: 200, seed: 9 } };
    expect(scoreBestOfN(data, opts).overall).toEqual(scoreBestOfN(data, opts).overall);
    expect(() => scoreBestOfN(data, { ...opts, sizes: [2, 64] })).toThrow(
      'bestofn: N = 64 is not between 1 and the 32 candidates of a set',
    );
    expect(BESTOFN_SIZES).toEqual([2, 4, 8, 16, 32]);
  });

  it('live judgments come back in sets: ratings, or null for unparsed and failed ones', async () => {
    const data = await loadSelectionFile(FIXTURE);
    const judgments = candidateTasks(data).map((_, i) =>
      i === 0
        ? ({ kind: 'unparsed', reason: 'no rating' } as const)
        : i === 1
          ? ({ kind: 'error', message: 'timeout' } as const)
          : ({ kind: 'ok', rating: (i % 10) + 1 } as const),
    );
    const table = ratingsFromJudgments(data, judgments);
    expect(table).toHaveLength(6);
    expect(table[0]!.slice(0, 3)).toEqual([null, null, 3]);
    expect(table[1]![0]).toBe((32 % 10) + 1);
  });
});
