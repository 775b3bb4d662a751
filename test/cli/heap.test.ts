import { describe, expect, it } from 'vitest';
import { heapGrowthGiven, limitHeapGrowth, releaseHeapGrowth } from '../../harness/cli/heap.js';

describe("the bench process's heap growth (issue 13: cold-run memory)", () => {
  it('is left to a growth node was given on its command line or in NODE_OPTIONS', () => {
    expect(heapGrowthGiven(['--heap-growing-percent=20'], undefined)).toBe(true);
    expect(heapGrowthGiven(['--heap_growing_percent=20'], undefined)).toBe(true);
    expect(heapGrowthGiven([], '--max-old-space-size=900 --heap-growing-percent=80')).toBe(true);
    expect(limitHeapGrowth([], '--heap-growing-percent=80')).toBe(false);
  });

  it('is set when node was told none (other V8 options do not count)', () => {
    expect(heapGrowthGiven([], undefined)).toBe(false);
    expect(heapGrowthGiven(['--max-old-space-size=900', '--heap-growing-percentage'], '--trace-gc')).toBe(
      false,
    );
    expect(limitHeapGrowth(['--max-semi-space-size=16'], '')).toBe(true);
  });

  it('is given back only by the process that limited it (the length judge, which waits for no server)', () => {
    expect(limitHeapGrowth([], undefined)).toBe(true);
    expect(releaseHeapGrowth()).toBe(true);
    expect(releaseHeapGrowth()).toBe(false);
    // a growth node was given is never touched, so never given back
    expect(limitHeapGrowth(['--heap-growing-percent=20'], undefined)).toBe(false);
    expect(releaseHeapGrowth()).toBe(false);
  });
});
