/**
 * Regression (issue 9, point 18): a test file whose `beforeAll` threw made vitest exit 1
 * while the closing line read "360 passed, 0 failed".
 */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const config = fileURLToPath(new URL('./fixtures/vitest.fixture.config.ts', import.meta.url));

it('counts the tests of a file whose setup failed as failed, and the line agrees with the exit code', async () => {
  const run = await execa('npx', ['vitest', 'run', '--config', config], {
    reject: false,
    env: { CI: 'true' },
  });
  expect(run.exitCode).toBe(1);
  const lines = run.stdout.split('\n').filter((l) => /^tests: /.test(l));
  expect(lines).toEqual(['tests: 1 passed, 2 failed']);
});
