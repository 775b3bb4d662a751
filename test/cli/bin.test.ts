import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * Regression: after `npm ci` the built entry was not executable, so `npx bench` failed with
 * "Permission denied" on a fresh clone. The build marks it executable; run it as npx does.
 * (`npm test` builds dist/ before the tests run.)
 */
const BIN = new URL('../../dist/bin/bench.js', import.meta.url).pathname;

describe('the bench executable', () => {
  it('is executable and runs by itself, as npx runs it', async () => {
    expect(() => accessSync(BIN, constants.X_OK)).not.toThrow();
    const { stdout } = await promisify(execFile)(BIN, ['--help']);
    expect(stdout).toMatch(/^bench <command> \[options\]/);
  });

  it('runs from its old path too, which npx caches link to (a clone updated in place)', async () => {
    const OLD = new URL('../../dist/harness/cli/bin.js', import.meta.url).pathname;
    expect(() => accessSync(OLD, constants.X_OK)).not.toThrow();
    const { stdout } = await promisify(execFile)(OLD, ['--help']);
    expect(stdout).toMatch(/^bench <command> \[options\]/);
  });

  it('exits non-zero with one line on a bad command', async () => {
    const failure = await promisify(execFile)(BIN, ['nope']).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr.trim().split('\n')).toHaveLength(1);
  });
});
