import { describe, expect, it } from 'vitest';
import { separability } from '../../harness/stats/separability.js';
import { expectClose, expected } from './significance-fixture.js';

describe("separability against Arena-Hard's notebook code", () => {
  for (const c of expected.separability) {
    it(c.name, () => {
      const got = separability(c.intervals);
      expect(got.pairs).toBe(c.pairs);
      expectClose(got.value, c.value, 'separability');
    });
  }

  it('leaves models without an interval out, and is NaN with a reason below two models', () => {
    expect(separability([[0, 1], null, [2, 3]])).toMatchObject({ value: 1, n: 2, pairs: 1, hits: 1 });
    const one = separability([[0, 1], null]);
    expect(one.value).toBeNaN();
    expect(one.reason).toMatch(/at least 2 models/);
  });

  it('counts every model pair, also two models with identical intervals', () => {
    // upstream's list of interval values counts a pair of the same two intervals once:
    // the score case has two tied models, where the notebook's figure is higher
    const tied = expected.separability[0]!;
    expect(tied.notebookValue).toBeGreaterThan(tied.value);
    for (const c of expected.separability.slice(1)) expectClose(c.notebookValue, c.value, c.name);
    expect(
      separability([
        [0, 2],
        [0, 2],
        [0, 2],
      ]),
    ).toMatchObject({ value: 0, pairs: 3 });
  });
});
