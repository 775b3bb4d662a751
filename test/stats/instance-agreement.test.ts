import { describe, expect, it } from 'vitest';
import { groupedAgreement, type AgreementFigures } from '../../harness/stats/instance-agreement.js';
import { cohenKappa } from '../../harness/stats/kappa.js';
import { expectClose, expectInterval, expected } from './significance-fixture.js';

type Label = string | null;
type Pair = [number, number];
interface Figures {
  n: number;
  units: number;
  agreement: number | null;
  observed: number | null;
  expected: number | null;
  kappa: number | null;
  agreementCi95: Pair | null;
  kappaCi95: Pair | null;
}
interface GroupedCase {
  name: string;
  groups: { first: Label[]; second: Label[]; pooled: boolean }[];
  units: number;
  resamples: number;
  seed: number;
  figures: Figures[];
  pooled: Figures;
}

// Written by scripts/significance-expected.py from the definition (units resampled, the same draws for all).
const cases = (expected as unknown as { groupedAgreement: GroupedCase[] }).groupedAgreement;

function expectFigures(got: AgreementFigures, want: Figures, what: string) {
  expect(got.n, `${what} n`).toBe(want.n);
  expect(got.units, `${what} units`).toBe(want.units);
  expectClose(got.agreement, want.agreement, `${what} agreement`);
  expectClose(got.observed, want.observed, `${what} observed`);
  expectClose(got.expected, want.expected, `${what} expected`);
  expectClose(got.kappa, want.kappa, `${what} kappa`);
  expectInterval(got.agreementCi95, want.agreementCi95, `${what} agreement ci95`);
  expectInterval(got.kappaCi95, want.kappaCi95, `${what} kappa ci95`);
}

describe('instance-level agreement and kappa per group and pooled, against the independent values', () => {
  it('has the cases', () => expect(cases.length).toBe(3));
  for (const c of cases) {
    it(c.name, () => {
      const got = groupedAgreement(c.groups, c.units, {
        bootstrap: { resamples: c.resamples, seed: c.seed },
      });
      c.figures.forEach((want, g) => expectFigures(got.groups[g]!, want, `group ${g}`));
      expectFigures(got.pooled, c.pooled, 'pooled');
    });
  }

  it('with one group, has the kappa of kappa.ts', () => {
    const c = cases[1]!;
    const got = groupedAgreement(c.groups, c.units).groups[0]!;
    const plain = cohenKappa(c.groups[0]!.first, c.groups[0]!.second);
    expectClose(got.kappa, plain.value, 'kappa');
    expect(got.n).toBe(plain.n);
  });

  it('says why a figure is undefined, and checks its inputs', () => {
    const got = groupedAgreement(
      [
        { first: ['tie', 'tie'], second: ['tie', 'tie'], pooled: false },
        { first: [null, 'a'], second: ['a', null], pooled: true },
      ],
      2,
      { bootstrap: { resamples: 10, seed: 1 } },
    );
    expect(got.groups[0]!.reason).toMatch(/chance agreement is 1/);
    expect(got.groups[1]).toMatchObject({ n: 0, units: 0, agreementCi95: null, kappaCi95: null });
    expect(got.groups[1]!.reason).toBe('no item labelled by both raters');
    expect(got.pooled.n).toBe(0);
    expect(() => groupedAgreement([{ first: ['a'], second: [], pooled: true }], 1)).toThrow(RangeError);
  });
});
