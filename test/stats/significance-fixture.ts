import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/**
 * Expected values computed independently (scipy, numpy, and Arena-Hard's and FastChat's
 * own code copied in) by scripts/significance-expected.py; see there for the command that
 * made them. null stands for NaN or "no interval".
 */
type Pair = [number, number];
type Maybe = number | null;

export interface SignificanceFixture {
  rng: { seed: number; draws: number[] }[];
  normal: {
    cdf: Pair[];
    erfc: Pair[];
    quantile: Pair[];
    chi2sf1: Pair[];
    binomcdf: [number, number, number, number][];
  };
  scoreIntervals: {
    name: string;
    values: number[][];
    valid: number[][];
    resamples: number;
    seed: number;
    models: {
      score: Maybe;
      n: number;
      ci95: Pair | null;
      rank: Maybe;
      rankCi95: Pair | null;
      replicateMean: Maybe;
      replicateVariance: Maybe;
    }[];
  }[];
  tiers: { name: string; intervals: Pair[]; ranks: number[] }[];
  separability: { name: string; intervals: Pair[]; value: number; pairs: number; notebookValue: number }[];
  referenceAgreement: {
    name: string;
    models: {
      name: string;
      reference: number;
      standardError: number;
      referenceInterval: Pair;
      score: number;
      interval: Pair;
      mean: number;
      variance: number;
    }[];
    agreementWithConfidence: number;
    agreementPairs: number;
    strict: number;
    brier: number;
    brierPairs: number;
  }[];
  kappa: {
    name: string;
    first: (string | boolean | null)[];
    second: (string | boolean | null)[];
    resamples: number;
    seed: number;
    value: Maybe;
    n: number;
    observed: number;
    expected: number;
    ci95: Pair | null;
  }[];
  mcnemar: {
    b: number;
    c: number;
    first: boolean[];
    second: boolean[];
    p: number;
    chiSquare: Maybe;
    chiSquareP: Maybe;
  }[];
  lengthControl: {
    name: string;
    ratings: number[];
    modelLengths: number[];
    baselineLengths: number[];
    resamples: number;
    seed: number;
    value: number;
    slope: number;
    standardError: number;
    sdLengthDifference: number;
    raw: number;
    ci95: Pair | null;
  }[];
}

export const expected = JSON.parse(
  readFileSync(new URL('../fixtures/significance-expected.json', import.meta.url), 'utf8'),
) as SignificanceFixture;

export const TOLERANCE = 1e-9;

/** |got - want| <= 1e-9 (relative beyond 1), with a null `want` meaning NaN. */
export function isClose(got: number | null | undefined, want: Maybe, tolerance = TOLERANCE): boolean {
  if (want === null) return got === null || got === undefined || Number.isNaN(got);
  return typeof got === 'number' && Math.abs(got - want) <= tolerance * Math.max(1, Math.abs(want));
}

/** Both intervals null, or both bounds close. */
export function intervalsClose(got: readonly [number, number] | null, want: Pair | null): boolean {
  if (want === null || got === null) return want === got;
  return isClose(got[0], want[0]) && isClose(got[1], want[1]);
}

export function expectClose(
  got: number | null | undefined,
  want: Maybe,
  label: string,
  tolerance = TOLERANCE,
): void {
  expect(isClose(got, want, tolerance), `${label}: got ${got}, want ${want}`).toBe(true);
}

export function expectInterval(
  got: readonly [number, number] | null,
  want: Pair | null,
  label: string,
): void {
  expect(
    intervalsClose(got, want),
    `${label}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`,
  ).toBe(true);
}
