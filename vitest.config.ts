import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/loopback-only.ts'],
    reporters: ['default', './test/setup/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests spawn servers and the built CLI; two cores, so keep parallelism modest.
    maxWorkers: 2,
  },
});
