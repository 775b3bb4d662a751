import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/** What the plain closing line counts. */
export interface PlainCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Counts tests for the closing line. A test file that fails outside its tests (an import
 * error, a `beforeAll` that throws) leaves its tests "skipped" while vitest exits 1, so such
 * a file's tests that did not pass count as failed (at least one per failed file), and so
 * does every unhandled error: the line never says "0 failed" for a failing run.
 */
export function countResults(
  testModules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<SerializedError> = [],
): PlainCounts {
  const counts: PlainCounts = { passed: 0, failed: 0, skipped: 0 };
  for (const module of testModules) {
    const broken = module.errors().length > 0;
    let notPassed = 0;
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') counts.passed++;
      else if (state === 'failed') counts.failed++;
      else if (broken) notPassed++;
      else counts.skipped++;
    }
    if (broken) counts.failed += Math.max(1, notPassed);
  }
  counts.failed += unhandledErrors.length;
  return counts;
}

/**
 * Ends the run with the plain line `N passed, N failed[, N skipped]`, which CI systems read
 * without knowing vitest's own summary format.
 */
export default class PlainSummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    const { passed, failed, skipped } = countResults(testModules, unhandledErrors);
    process.stdout.write(
      `\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
    );
  }
}
