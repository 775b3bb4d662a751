/**
 * The issue-12 figures on the existing pages, with values taken from the result documents:
 * the AlpacaEval leaderboard's score and rank intervals, tier, length-controlled score,
 * separability, agreement with confidence, Brier, strict pairs, the length-controlled
 * correlations and the <10-model warning; the pairwise page's kappa with its interval, the
 * baselines beside the judge and McNemar's p. Hostile text stays text.
 */
import { rankInterval } from '../../suites/alpacaeval/report/significance-view.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pValue } from '../../harness/core/text-table.js';
import { interval, num } from '../../harness/report/format.js';
import type { AlpacaEvalResult, ModelResult } from '../../suites/alpacaeval/result.js';
import type { PairwiseResult } from '../../suites/pairwise/result.js';
import { buildSite } from './build.js';
import { EVIL_MODEL, fakeAutojRun, modelIds, realPairwiseResult, SCRIPT_PAYLOAD } from './fixtures.js';

const MODELS = [...modelIds(6), EVIL_MODEL];
let result: AlpacaEvalResult;
let pairwise: PairwiseResult;
let leaderboard: string;
let pairwisePage: string;

/** The fake run with the issue-12 fields a real run computes (values chosen here, as the page only prints them). */
function withSignificance(r: AlpacaEvalResult): AlpacaEvalResult {
  const models: ModelResult[] = r.models.map((m, i) => ({
    ...m,
    scoreCi95: [m.score! - 0.25 - i / 100, m.score! + 0.31],
    rankCi95: [Math.max(1, i), i + 3],
    tier: i < 2 ? 1 : i,
    ratingScore: m.score!,
    ratingRank: m.rank!,
    expectedScore: m.score! + 0.0421,
    expectedRank: m.rank! + 1,
    lengthControlled: {
      value: m.score! - 0.5,
      standardError: 0.1,
      ci95: [m.score! - 0.7, m.score! - 0.3],
      slope: 0.4,
      n: m.n,
    },
  }));
  const share = (value: number, hits: number, pairs: number) => ({ value, n: MODELS.length, pairs, hits });
  return {
    ...r,
    models,
    correlations: r.correlations.map((c) => ({
      ...c,
      warning: `rests on ${c.n} models, fewer than 10: ${SCRIPT_PAYLOAD}`,
    })),
    significance: {
      resamples: 200,
      seed: 1,
      separability: share(0.619, 13, 21),
      definitions: { separability: 'share of model pairs whose score intervals do not overlap' },
    },
    referenceAgreement: [
      {
        reference: 'ae2',
        n: 7,
        errorColumn: 'standard_error',
        agreementWithConfidence: share(0.8125, 13, 16),
        brier: { value: 0.1234, n: 7, pairs: 21 },
        strictPairs: share(0.7142857, 15, 21),
      },
    ],
    scoreComparison: {
      score: 'rating',
      rating: r.correlations,
      expected: r.correlations,
      modelsWithExpected: r.models.length,
      expectedMissing: 0,
    },
    lengthRuler: {
      judge: 'length',
      correlations: r.correlations.map((c) => ({
        ...c,
        spearman: { ...c.spearman, value: 0.4321, ci95: [0.3012, 0.5567] },
      })),
    },
    lengthControlled: {
      baseline: 'gpt4_1106_preview',
      correlations: [
        {
          reference: 'ae2',
          n: 7,
          spearman: { lengthControlled: 0.6071, raw: 0.7857 },
          kendall: { lengthControlled: 0.4286, raw: 0.619 },
          pearson: { lengthControlled: 0.55, raw: 0.7 },
        },
      ],
    },
  };
}

beforeAll(async () => {
  result = withSignificance(fakeAutojRun(MODELS).result);
  pairwise = await realPairwiseResult(100);
  const site = join(mkdtempSync(join(tmpdir(), 'report-significance-')), 'site');
  await buildSite({ alpacaeval: [{ result }], pairwise: [pairwise], history: [] }, site, {
    now: () => new Date('2026-12-01T12:00:00Z'),
  });
  leaderboard = readFileSync(join(site, 'alpacaeval', 'autoj', 'index.html'), 'utf8');
  pairwisePage = readFileSync(join(site, 'pairwise', 'recorded.html'), 'utf8');
});

describe('AlpacaEval leaderboard page: the issue-12 figures', () => {
  it('score interval, rank interval, tier and length-controlled score per model', () => {
    for (const header of ['Score CI', 'Rank CI', 'Tier', 'LC score'])
      expect(leaderboard).toContain(`>${header}</button>`);
    const m = result.models[2]!;
    const row = leaderboard.split('<tr').find((r) => r.includes(`>${m.model}</a>`))!;
    expect(row).toContain(`>${interval(m.scoreCi95, 3)}<`);
    expect(row).toContain(`>${interval(m.rankCi95, 0)}<`);
    expect(row).toContain(`>${m.tier}<`);
    expect(row).toContain(
      `>${num(m.lengthControlled!.value, 3)} <span class="note">${interval(m.lengthControlled!.ci95, 3)}</span>`,
    );
  });

  it('separability, agreement with confidence, Brier and strict pairs near the correlations', () => {
    expect(leaderboard).toContain(
      '<dt>Separability</dt><dd>61.9% <span class="note">13 of 21 pairs, 7 models</span>',
    );
    expect(leaderboard).toContain('81.3% <span class="note">13 of 16 pairs, 7 models</span>');
    expect(leaderboard).toContain('0.123 <span class="note">21 pairs, standard_error</span>');
    expect(leaderboard).toContain('71.4% <span class="note">15 of 21 pairs, 7 models</span>');
    expect(leaderboard.indexOf('Which differences are real')).toBeLessThan(
      leaderboard.indexOf('<h2>Ranking</h2>'),
    );
  });

  it("the length-controlled score's correlations beside the raw score's", () => {
    expect(leaderboard).toContain('<h3>Length-controlled score</h3>');
    expect(leaderboard).toContain(
      '<td class="num"><strong>0.607</strong></td><td class="num note">0.786</td><td class="num">0.429</td><td class="num note">0.619</td>',
    );
    expect(leaderboard).toContain('difference to gpt4_1106_preview&#x27;s output');
  });

  it('the <10-model warning, in the table and on the page, escaped', () => {
    expect(leaderboard).toContain(
      '<p class="callout warning">⚠ Too few models to trust these correlations (fewer than 10): AE1 (7 models), AE2 (7 models), AE2 LC (7 models).',
    );
    expect(leaderboard).toContain('title="rests on 7 models, fewer than 10: &lt;script&gt;');
    expect(leaderboard).toContain('class="warn-mark"');
    expect(leaderboard).not.toContain(SCRIPT_PAYLOAD);
    expect(leaderboard).toContain('&lt;script&gt;');
  });
});

describe('pairwise page: kappa, baselines, McNemar', () => {
  it('kappa with its interval, in the headline and beside the judge', () => {
    const o = pairwise.overall;
    expect(pairwisePage).toContain(
      `<div class="label">Kappa</div><div class="value">${num(o.kappa, 3)}</div>`,
    );
    expect(pairwisePage).toContain(`95% CI ${interval(o.kappaCi95, 3)}`);
    expect(pairwisePage).toContain(
      `${num(o.kappa, 3)} <span class="note">${interval(o.kappaCi95, 3)}</span>`,
    );
  });

  it('the length ruler, first-always and always-tie as rows beside the judge', () => {
    const labels = {
      length: 'Length ruler (longer wins)',
      first: 'First shown always wins',
      tie: 'Always a tie',
    };
    for (const b of pairwise.baselines) {
      const row = pairwisePage.split('<tr').find((r) => r.includes(`<td>${labels[b.name]}</td>`));
      expect(row, b.name).toBeDefined();
      expect(row).toContain(`${num(b.agreement, 2)}%`);
      expect(row).toContain(num(b.kappa, 3));
    }
    expect(pairwise.baselines.find((b) => b.name === 'length')!.agreement).toBeCloseTo(52.95, 2);
  });

  it("McNemar's p against the ruler", () => {
    const v = pairwise.versusLength;
    expect(pairwisePage).toContain(
      `<div class="label">McNemar p vs length ruler</div><div class="value">${pValue(v.p)}</div>`,
    );
    expect(pairwisePage).toContain(`wrong on ${v.judgeOnly} pairs, the reverse on ${v.rulerOnly}`);
  });
});

describe('the length ruler beside the judge', () => {
  it("shows its correlations on the same items under the judge's", () => {
    const at = leaderboard.indexOf('Beside it: the length ruler');
    expect(at).toBeGreaterThan(leaderboard.indexOf('Agreement with the reference leaderboards'));
    const section = leaderboard.slice(at, leaderboard.indexOf('</table>', at));
    expect(section).toContain('>0.432<');
    expect(section).toContain('0.301 – 0.557');
  });
});

describe('a run ranked by the expected rating', () => {
  it('names its score column so, and shows the mean rating beside it', async () => {
    const byExpected: AlpacaEvalResult = {
      ...result,
      settings: { ...result.settings, score: 'expected' },
      scoreComparison: { ...result.scoreComparison!, score: 'expected' },
    };
    const site = join(mkdtempSync(join(tmpdir(), 'report-expected-')), 'site');
    await buildSite({ alpacaeval: [{ result: byExpected }], pairwise: [], history: [] }, site, {
      now: () => new Date('2026-12-01T12:00:00Z'),
    });
    const page = readFileSync(join(site, 'alpacaeval', 'autoj', 'index.html'), 'utf8');
    expect(page).toContain('>Expected rating<');
    expect(page).toContain('>By rating<');
    expect(page).not.toContain('>Mean rating<');
  });
});

describe('the expected rating beside the rating that ranks', () => {
  it("has an Expected column with each model's expected score and its rank by it", () => {
    expect(leaderboard).toContain('>Expected<');
    const m = result.models.find((x) => x.rank === 1)!;
    const row = leaderboard.slice(leaderboard.indexOf(`>${m.model}<`));
    expect(row).toContain(`#${m.expectedRank}`);
  });
});

describe('rank intervals as printed', () => {
  it('shows whole ranks without decimals and an interpolated end to two decimals at most', () => {
    expect(rankInterval([1, 2])).toBe('1 – 2');
    // a percentile of bootstrap ranks between 11 and 12: was shown as "4.0 – 11.0"
    expect(rankInterval([4, 11.024999999999977])).toBe('4 – 11.02');
    expect(rankInterval([2.5, 7])).toBe('2.5 – 7');
    expect(rankInterval(null)).toBe('–');
  });
});
