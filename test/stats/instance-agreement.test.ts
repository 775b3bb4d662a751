import { describe, expect, it } from 'vitest';
import { clusteredAgreement } from '../../harness/stats/instance-agreement.js';
import { cohenKappa } from '../../harness/stats/kappa.js';
import { expectClose, expectInterval, expected } from './significance-fixture.js';

type Label = string | null;
interface ClusteredCase {
  name: string;
  first: Label[];
  second: Label[];
  clusters: number[];
  resamples: number;
  seed: number;
  n: number;
  clusterCount: number;
  agreement: number;
  observed: number;
  expected: number;
  kappa: number | null;
  agreementCi95: [number, number] | null;
  kappaCi95: [number, number] | null;
}

// Written by scripts/significance-expected.py from the definition (clusters resampled whole).
const cases = (expected as unknown as { clusteredAgreement: ClusteredCase[] }).clusteredAgreement;

describe('agreement and kappa over clustered items, against the independent values', () => {
  it('has the cases', () => expect(cases.length).toBe(3));
  for (const c of cases) {
    it(c.name, () => {
      const got = clusteredAgreement(c.first, c.second, c.clusters, {
        bootstrap: { resamples: c.resamples, seed: c.seed },
      });
      expect(got.n).toBe(c.n);
      expect(got.clusters).toBe(c.clusterCount);
      expectClose(got.agreement, c.agreement, 'agreement');
      expectClose(got.observed, c.observed, 'observed');
      expectClose(got.expected, c.expected, 'expected');
      expectClose(got.kappa, c.kappa, 'kappa');
      expectInterval(got.agreementCi95, c.agreementCi95, 'agreement ci95');
      expectInterval(got.kappaCi95, c.kappaCi95, 'kappa ci95');
      if (c.kappa === null) expect(got.reason).toMatch(/chance agreement is 1/);
    });
  }

  it('with one item per cluster, is kappa.ts draw for draw', () => {
    const c = cases[1]!;
    const bootstrap = { resamples: c.resamples, seed: c.seed };
    const got = clusteredAgreement(c.first, c.second, c.clusters, { bootstrap });
    const plain = cohenKappa(c.first, c.second, { bootstrap });
    expectClose(got.kappa, plain.value, 'kappa');
    expectInterval(got.kappaCi95, plain.ci95 && [plain.ci95[0], plain.ci95[1]], 'kappa ci95');
  });

  it('is NaN with a reason without items, and checks its inputs', () => {
    const empty = clusteredAgreement(['a', null], [null, 'b'], [0, 1], {
      bootstrap: { resamples: 10, seed: 1 },
    });
    expect(empty).toMatchObject({ n: 0, clusters: 0, agreementCi95: null, kappaCi95: null });
    expect(empty.agreement).toBeNaN();
    expect(empty.reason).toBe('no item labelled by both raters');
    expect(() => clusteredAgreement(['a'], ['a'], [])).toThrow(RangeError);
  });
});
