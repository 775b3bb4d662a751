import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The data flows one way (source -> judge -> store -> aggregate -> statistics ->
 * leaderboard -> report): each stage of harness/ may import only the stages listed here and
 * `core`. Nothing under harness/ imports suites/ (suites are built on the harness, and the
 * CLI finds them through the registry it is given: bin/bench.ts composes the two); nothing
 * but the CLI imports the CLI.
 */
export const STAGE_IMPORTS = {
  core: [],
  source: [],
  judge: [],
  stats: [],
  serve: [],
  aggregate: ['judge', 'stats'],
  client: ['judge'],
  store: ['judge'],
  // runner/judge-session.ts starts the judge's vLLM (`serve` settings are plain data, so
  // every caller gets the same profile -> vLLM mapping); serve itself imports only core
  runner: ['judge', 'client', 'store', 'serve'],
  leaderboard: ['source', 'judge', 'store', 'runner', 'aggregate', 'stats'],
  report: ['source', 'judge', 'store', 'aggregate', 'stats', 'leaderboard'],
  // the Suite contract and executeSuite: what every suite runs on
  suite: ['source', 'judge', 'store', 'runner', 'aggregate', 'stats', 'leaderboard', 'report'],
  cli: [
    'source',
    'judge',
    'stats',
    'serve',
    'aggregate',
    'client',
    'store',
    'runner',
    'leaderboard',
    'report',
    'suite',
  ],
};
const STAGES = Object.keys(STAGE_IMPORTS);

/** Stages whose suite imports predate the suite registry (issue 10): none left. */
const SUITE_IMPORTS_PENDING = [];

function stageBoundaries(stage, allowed) {
  const forbidden = STAGES.filter((s) => s !== stage && s !== 'core' && !allowed.includes(s));
  const patterns = [];
  if (forbidden.length > 0) {
    patterns.push({
      // a relative import that climbs out of this stage into a forbidden one
      regex: `^(\\.\\./)+(harness/)?(${forbidden.join('|')})/`,
      message: `harness/${stage} may import only ${['core', ...allowed].join(', ')} (the data flows one way; see eslint.config.js)`,
    });
  }
  if (!SUITE_IMPORTS_PENDING.includes(stage)) {
    patterns.push({
      regex: '^(\\.\\./)+suites/',
      message: 'nothing under harness/ imports suites/: suites build on the harness, not the reverse',
    });
  }
  return {
    files: [`harness/${stage}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.bench/', 'site/', 'test-results/', '**/*.d.ts'] },
  js.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['harness/**/*.ts', 'suites/**/*.ts'],
    rules: {
      // Only the CLI entry may end the process; everything else returns or throws.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'exit', message: 'Only harness/cli/main.ts calls process.exit.' },
      ],
    },
  },
  {
    files: ['harness/cli/main.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  ...Object.entries(STAGE_IMPORTS).map(([stage, allowed]) => stageBoundaries(stage, allowed)),
  {
    files: ['suites/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+harness/cli/',
              message: 'suites build on the engine, not on the CLI',
            },
          ],
        },
      ],
    },
  },
);
