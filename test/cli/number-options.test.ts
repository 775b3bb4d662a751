import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBench, SHARED_DATA } from '../helpers/cli.js';
import { AUTOJ } from '../pairwise/helpers.js';

/**
 * Issue 9, point 15: every numeric option of every command is checked before any work, and
 * a value out of range is a one-line error (exit 2) naming the option. An option given
 * twice where one value is expected is one too (it was a TypeError).
 */
const SCORES = `${SHARED_DATA}/auto-j/paper/table24_alpacaeval_autoj_ratings.csv`;
const command: Record<string, string[]> = {
  alpacaeval: ['run', 'alpacaeval', '--judge', 'length'],
  pairwise: ['run', 'pairwise', '--data', AUTOJ],
  refresh: ['refresh', '--judge', 'length'],
  serve: ['serve'],
  correlate: ['correlate', '--scores', SCORES, '--reference', 'ae1'],
};

const SECONDS = 'a number of seconds > 0 and <= 86400';
const NOT_A_NUMBER = 'something that is not a number';
const cases: [string, string[], string][] = [
  [
    'alpacaeval',
    ['--concurrency', '1e9'],
    '--concurrency must be a whole number >= 1 and <= 65536, got 1000000000',
  ],
  ['alpacaeval', ['--concurrency', '0'], '--concurrency must be a whole number >= 1 and <= 65536, got 0'],
  ['alpacaeval', ['--batch-size', '2.5'], '--batch-size must be a whole number >= 1 and <= 1024, got 2.5'],
  ['alpacaeval', ['--give-up', 'abc'], `--give-up must be ${SECONDS}, got ${NOT_A_NUMBER}`],
  ['alpacaeval', ['--request-timeout', '0'], `--request-timeout must be ${SECONDS}, got 0`],
  ['alpacaeval', ['--request-timeout', '-5'], `--request-timeout must be ${SECONDS}, got -5`],
  ['alpacaeval', ['--request-timeout', 'abc'], `--request-timeout must be ${SECONDS}, got ${NOT_A_NUMBER}`],
  ['alpacaeval', ['--max-failures', '-1'], '--max-failures must be a whole number >= 0, got -1'],
  [
    'alpacaeval',
    ['--max-failures', 'abc'],
    `--max-failures must be a whole number >= 0, got ${NOT_A_NUMBER}`,
  ],
  ['alpacaeval', ['--max-failures', '1.5'], '--max-failures must be a whole number >= 0, got 1.5'],
  [
    'alpacaeval',
    ['--instructions', '5000'],
    '--instructions must be a whole number >= 1 and <= 805 (the instruction set has 805), got 5000',
  ],
  ['alpacaeval', ['--seed', '1.5'], '--seed must be a whole number, got 1.5'],
  [
    'alpacaeval',
    ['--bootstrap', '1e9'],
    '--bootstrap must be a whole number >= 0 and <= 100000, got 1000000000',
  ],
  [
    'alpacaeval',
    ['--serve-port', '70000'],
    '--serve-port must be a whole number >= 1 and <= 65535, got 70000',
  ],
  ['pairwise', ['--tie-margin', '-1'], '--tie-margin must be a number >= 0 and <= 9, got -1'],
  ['pairwise', ['--seed', 'x'], `--seed must be a whole number, got ${NOT_A_NUMBER}`],
  ['pairwise', ['--give-up', '-1'], `--give-up must be ${SECONDS}, got -1`],
  [
    'refresh',
    ['--instructions', '0'],
    '--instructions must be a whole number >= 1 and <= 805 (the instruction set has 805), got 0',
  ],
  ['refresh', ['--max-failures', '-1'], '--max-failures must be a whole number >= 0, got -1'],
  [
    'refresh',
    ['--concurrency', 'many'],
    `--concurrency must be a whole number >= 1 and <= 65536, got ${NOT_A_NUMBER}`,
  ],
  ['serve', ['--port', '0'], '--port must be a whole number >= 1 and <= 65535, got 0'],
  ['serve', ['--timeout', 'abc'], `--timeout must be ${SECONDS}, got ${NOT_A_NUMBER}`],
  [
    'serve',
    ['--gpu-memory-utilization', '1.5'],
    '--gpu-memory-utilization must be a number > 0 and <= 1, got 1.5',
  ],
  [
    'serve',
    ['--tensor-parallel-size', '0'],
    '--tensor-parallel-size must be a whole number >= 1 and <= 1024, got 0',
  ],
  [
    'serve',
    ['--max-model-len', '4096.5'],
    '--max-model-len must be a whole number >= 1 and <= 1048576, got 4096.5',
  ],
  ['correlate', ['--bootstrap', '-1'], '--bootstrap must be a whole number >= 0 and <= 100000, got -1'],
  ['correlate', ['--seed', 'abc'], `--seed must be a whole number, got ${NOT_A_NUMBER}`],
];

const repeated: [string, string[], string][] = [
  ['alpacaeval', ['--source', 'X', '--source', 'X'], '--source was given 2 times; give it once'],
  ['alpacaeval', ['--give-up', '5', '--give-up', '6'], '--give-up was given 2 times; give it once'],
  [
    'alpacaeval',
    ['--min-coverage', '90%', '--min-coverage', '0.5'],
    '--min-coverage was given 2 times; give it once',
  ],
  ['refresh', ['--date', '2024-01-01', '--date', '2024-01-02'], '--date was given 2 times; give it once'],
  ['pairwise', ['--data', AUTOJ], '--data was given 2 times; give it once'],
  ['serve', ['--port', '1', '--port', '2', '--port', '3'], '--port was given 3 times; give it once'],
];

describe('numeric options are checked before any work', () => {
  it.each([...cases, ...repeated])('%s %j', async (name, args, message) => {
    // in a folder of its own: a command that wrongly goes ahead writes nothing elsewhere
    const cwd = mkdtempSync(join(tmpdir(), 'bench-options-'));
    const r = await runBench([...command[name]!, ...args], { cwd });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`bench: ${message}\n`);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('other commands that take one value refuse it twice', async () => {
    for (const args of [
      ['report', '--out', 'a', '--out', 'b'],
      ['cache', 'stats', '--store', 'a.sqlite', '--store', 'b.sqlite'],
    ]) {
      const r = await runBench(args, { cwd: mkdtempSync(join(tmpdir(), 'bench-options-')) });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toBe(`bench: --${args.at(-2)!.slice(2)} was given 2 times; give it once\n`);
    }
  });

  it('lists still take several values', async () => {
    const r = await runBench([
      ...command.alpacaeval!,
      '--models',
      'phi-2',
      'gemma-2b-it',
      '--instructions',
      '3',
    ]);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('bench run --serve', () => {
  it('has the --vllm option its advice names', async () => {
    const run = ['run', 'alpacaeval', '--serve', '--models', 'phi-2', '--instructions', '1'];
    const notOnPath = await runBench(run, { env: { PATH: '' } });
    expect(notOnPath.code).toBe(1);
    const advice = notOnPath.stderr.trimEnd().split('\n').at(-1)!;
    expect(advice).toMatch(/^bench: vllm is not on PATH: .* or pass --vllm \/path\/to\/vllm; /);

    const missing = join(mkdtempSync(join(tmpdir(), 'bench-vllm-')), 'vllm');
    const given = await runBench([...run, '--vllm', missing], { env: { PATH: '' } });
    expect(given.code).toBe(1);
    expect(given.stderr.trimEnd().split('\n').at(-1)).toMatch(
      new RegExp(`^bench: --vllm ${missing}: no executable file there`),
    );
  });
});
