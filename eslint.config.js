import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

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
        { object: 'process', property: 'exit', message: 'Only harness/cli/bin.ts calls process.exit.' },
      ],
    },
  },
  {
    files: ['harness/cli/bin.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
