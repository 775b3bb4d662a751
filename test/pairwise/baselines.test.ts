/**
 * Kappa, the baselines (length ruler, first-always, always-tie) and McNemar against the
 * length ruler, through `bench run pairwise`, checked against a plain recomputation from
 * the data files (code points, sklearn's kappa formula, the exact binomial sum).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { pairwiseJudgeSummary } from '../../suites/pairwise/judge-summary.js';
import type { PairwiseResult } from '../../suites/pairwise/result.js';
import { AUTOJ, PREDICTIONS, runPairwiseCli, SWAPPED, TEST_SET } from './helpers.js';

const readJsonl = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const tests = readJsonl(TEST_SET);
const labels = tests.map((t) => String(t.label)); // 0 first, 1 second, 2 tie
const lengthVerdicts = tests.map((t) => {
  const a = [...(t['response 1'] as string)].length;
  const b = [...(t['response 2'] as string)].length;
  return a > b ? '0' : b > a ? '1' : '2';
});

/** Unweighted Cohen's kappa, written out as scikit-learn defines it. */
function kappa(x: readonly string[], y: readonly string[]): number {
  const n = x.length;
  const all = [...new Set([...x, ...y])];
  const po = x.filter((v, i) => v === y[i]).length / n;
  const pe = all.reduce(
    (s, l) => s + (x.filter((v) => v === l).length / n) * (y.filter((v) => v === l).length / n),
    0,
  );
  return (po - pe) / (1 - pe);
}

/** Exact two-sided McNemar: 2 P(X <= min(b, c)), X ~ Bin(b + c, 1/2), capped at 1. */
function mcnemarP(b: number, c: number): number {
  const m = b + c;
  let term = 0.5 ** m;
  let sum = 0;
  for (let k = 0; k <= Math.min(b, c); k++) {
    sum += term;
    term = (term * (m - k)) / (k + 1);
  }
  return Math.min(1, 2 * sum);
}

const json = async (args: string[]) => {
  const run = await runPairwiseCli([...args, '--data', AUTOJ, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as PairwiseResult;
};

describe('bench run pairwise --judge length', () => {
  let r: PairwiseResult;
  beforeAll(async () => {
    r = await json(['--judge', 'length']);
  });

  it('reports the length ruler’s agreement (about 53) and kappa, recomputed from the test set', () => {
    const agree = labels.filter((l, i) => l === lengthVerdicts[i]).length;
    expect(r.overall.agreement).toBeCloseTo((100 * agree) / labels.length, 9);
    expect(r.overall.agreement!).toBeGreaterThan(52);
    expect(r.overall.agreement!).toBeLessThan(54);
    expect(r.overall.kappa).toBeCloseTo(kappa(labels, lengthVerdicts), 9);
    const [lo, hi] = r.overall.kappaCi95!;
    expect(lo).toBeLessThan(r.overall.kappa!);
    expect(hi).toBeGreaterThan(r.overall.kappa!);
  });

  it('puts the three baselines beside it, on the same pairs', () => {
    const byName = new Map(r.baselines.map((b) => [b.name, b]));
    expect([...byName.keys()]).toEqual(['length', 'first', 'tie']);
    expect(byName.get('length')!.agreement).toBe(r.overall.agreement);
    expect(byName.get('length')!.kappa).toBe(r.overall.kappa);
    const share = (code: string) => (100 * labels.filter((l) => l === code).length) / labels.length;
    expect(byName.get('first')!.agreement).toBeCloseTo(share('0'), 9);
    expect(byName.get('tie')!.agreement).toBeCloseTo(share('2'), 9);
    expect(byName.get('first')!.kappa).toBe(0);
    expect(byName.get('tie')!.kappa).toBe(0);
    // the judge is the ruler: no discordant pair
    expect(r.versusLength).toMatchObject({ n: 1392, judgeOnly: 0, rulerOnly: 0, p: 1 });
  });

  it('says nothing of the ruler against itself: no McNemar line, no McNemar figure for the judge table', async () => {
    expect(pairwiseJudgeSummary(r).figures.map((f) => f.key)).not.toContain('pairwise.mcnemar-length');
    const run = await runPairwiseCli(['--judge', 'length', '--data', AUTOJ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(/McNemar/);
  });
});

describe('bench run pairwise, recorded Auto-J verdicts', () => {
  let r: PairwiseResult;
  const back: Record<string, string> = { '0': '1', '1': '0', '2': '2' };
  const given = readJsonl(PREDICTIONS).map((x) => String(x.output));
  const swapped = readJsonl(SWAPPED).map((x) => String(x.output));
  // the judge's verdict per pair: the one both orders give, else 'inconsistent'
  const judged = given.map((g, i) => (g === back[swapped[i]!] ? g : 'inconsistent'));
  beforeAll(async () => {
    r = await json(['--predictions', PREDICTIONS, '--swapped', SWAPPED]);
  });

  it('keeps 54.96 / 83.41 and adds kappa, overall and per group', () => {
    expect(Math.round(r.overall.agreement! * 100) / 100).toBe(54.96);
    expect(Math.round(r.overall.consistency! * 100) / 100).toBe(83.41);
    expect(r.overall.kappa).toBeCloseTo(kappa(labels, judged), 9);
    const scenarios = JSON.parse(readFileSync(`${AUTOJ}/scenarios.json`, 'utf8')) as {
      groups: Record<string, string[]>;
    };
    const code = r.groups.find((g) => g.group === 'Code')!;
    const inCode = tests.map((t) => scenarios.groups.Code!.includes(t.scenario as string));
    const pick = (xs: readonly string[]) => xs.filter((_, i) => inCode[i]);
    expect(code.kappa).toBeCloseTo(kappa(pick(labels), pick(judged)), 9);
    expect(r.groups.every((g) => g.kappaCi95 !== null && g.kappaCi95[0] <= g.kappa!)).toBe(true);
  });

  it('tests the judge against the length ruler with McNemar on the same pairs', () => {
    let b = 0;
    let c = 0;
    for (let i = 0; i < labels.length; i++) {
      const judgeRight = judged[i] === labels[i];
      const rulerRight = lengthVerdicts[i] === labels[i];
      if (judgeRight && !rulerRight) b++;
      if (!judgeRight && rulerRight) c++;
    }
    expect(r.versusLength).toMatchObject({ ruler: 'length', n: 1392, judgeOnly: b, rulerOnly: c });
    expect(r.versusLength.p).toBeCloseTo(mcnemarP(b, c), 9);
    expect(r.versusLength.p!).toBeGreaterThan(0);
    expect(r.versusLength.p!).toBeLessThan(1);
  });

  it('prints kappa, the baselines and the McNemar p-value in the table', async () => {
    const run = await runPairwiseCli(['--predictions', PREDICTIONS, '--swapped', SWAPPED, '--data', AUTOJ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Cohen's kappa vs human labels: 0\.\d{3} \(95% /);
    expect(run.stdout).toMatch(/^ {2}length\s+52\.95\s+\d+\.\d\d-\d+\.\d\d\s+0\.\d{3}$/m);
    expect(run.stdout).toMatch(
      /McNemar exact\): judge only right on \d+, ruler only on \d+ of 1,392 pairs; p = /,
    );
  });
});
