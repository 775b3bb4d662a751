import { describe, expect, it } from 'vitest';
import type { Judgment } from '../../harness/core/types.js';
import { createLengthJudge } from '../../harness/judge/length.js';
import { aggregateExpected, runOptionsFor } from '../../suites/alpacaeval/expected-score.js';

describe('expected scores of one model', () => {
  it('is the mean of the expected ratings; a rating without one is counted, never a 0', () => {
    const judgments: Judgment[] = [
      { kind: 'ok', rating: 7, expected: { value: 6.5, approximated: false } },
      { kind: 'ok', rating: 9, expected: { value: 8.75, approximated: true } },
      { kind: 'ok', rating: 4 }, // stored before logprobs were asked
      { kind: 'ok', rating: 5, expected: { value: null, approximated: false } }, // none usable
      { kind: 'unparsed', reason: 'cut off (finish_reason length)' },
      { kind: 'error', message: 'no answer' },
    ];
    const { aggregate, vector } = aggregateExpected(judgments, [0, 2, 3, 4, 5, 6], 8);
    expect(aggregate.score).toBeCloseTo((6.5 + 8.75) / 2, 12);
    expect(aggregate.se).toBeCloseTo(Math.abs(8.75 - 6.5) / 2, 12); // sd/sqrt(2) of two values
    expect(aggregate).toMatchObject({ n: 2, missing: 2, approximated: 1 });
    expect([...vector.valid]).toEqual([1, 0, 1, 0, 0, 0, 0, 0]);
    expect(vector.values[2]).toBe(8.75);
  });

  it('has no score without any expected rating', () => {
    const { aggregate } = aggregateExpected([{ kind: 'ok', rating: 3 }], [0], 1);
    expect(aggregate).toMatchObject({ score: null, se: null, n: 0, missing: 1 });
  });

  it('--score expected needs a judge that asks for logprobs', () => {
    expect(() => runOptionsFor(createLengthJudge(), {}, 'expected')).toThrow(
      /--score expected: judge length does not ask for logprobs/,
    );
    const run = {};
    expect(runOptionsFor(createLengthJudge(), run, 'rating')).toBe(run);
  });
});
