/**
 * The one-way data flow is enforced by ESLint (eslint.config.js, `STAGE_IMPORTS`): these
 * check that the rule catches what it should and lets through what it should, on code
 * placed (virtually) at real paths of the tree. `npm test` lints the tree itself.
 */
import { ESLint } from 'eslint';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = process.cwd();
const eslint = new ESLint({ cwd: root });

async function restricted(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it('refuses an import from harness/ into suites/', async () => {
    const messages = await restricted(
      'harness/stats/boundary-probe.ts',
      "import { runAlpacaEval } from '../../suites/alpacaeval/suite.js';\nexport const x = runAlpacaEval;\n",
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/nothing under harness\/ imports suites\//);
  });

  it('refuses an import of suites/ from the report and the CLI too (issue 10: none is pending)', async () => {
    const cases: [string, string][] = [
      ['harness/report/views/boundary-probe.ts', '../../../suites/alpacaeval/result.js'],
      ['harness/report/boundary-probe.ts', '../../suites/pairwise/report/section.js'],
      ['harness/cli/commands/boundary-probe.ts', '../../../suites/index.js'],
      ['harness/suite/boundary-probe.ts', '../../suites/index.js'],
    ];
    for (const [file, target] of cases) {
      const messages = await restricted(file, `import * as m from '${target}';\nexport const x = m;\n`);
      expect(messages, `${file} -> ${target}`).toHaveLength(1);
      expect(messages[0]).toMatch(/nothing under harness\/ imports suites\//);
    }
  });

  it('finds no forbidden import in the report and the CLI as they are', async () => {
    const files = ['harness/report', 'harness/cli', 'harness/suite'].flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(root, dir, f)),
    );
    expect(files.length).toBeGreaterThan(30);
    const results = await eslint.lintFiles(files);
    const found = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId === 'no-restricted-imports')
        .map((m) => `${r.filePath}: ${m.message}`),
    );
    expect(found).toEqual([]);
  });

  it('refuses a stage importing a downstream stage', async () => {
    const cases: [string, string][] = [
      ['harness/source/boundary-probe.ts', '../report/index.js'],
      ['harness/stats/boundary-probe.ts', '../leaderboard/types.js'],
      ['harness/judge/autoj/boundary-probe.ts', '../../store/judgment-store.js'],
      ['harness/store/boundary-probe.ts', '../runner/run-judgments.js'],
      ['harness/serve/boundary-probe.ts', '../runner/judge-session.js'],
      ['harness/report/views/boundary-probe.ts', '../../cli/format.js'],
    ];
    for (const [file, target] of cases) {
      const messages = await restricted(file, `import * as m from '${target}';\nexport const x = m;\n`);
      expect(messages, `${file} -> ${target}`).toHaveLength(1);
      expect(messages[0]).toMatch(/may import only/);
    }
  });

  it('lets a stage import core and its upstream stages', async () => {
    const cases: [string, string][] = [
      ['harness/report/boundary-probe.ts', '../leaderboard/types.js'],
      ['harness/runner/boundary-probe.ts', '../store/judgment-store.js'],
      ['harness/runner/boundary-probe.ts', '../serve/launcher.js'],
      ['harness/client/boundary-probe.ts', '../judge/judge.js'],
      ['harness/source/boundary-probe.ts', '../core/errors.js'],
      ['suites/pairwise/boundary-probe.ts', '../../harness/runner/run-judgments.js'],
    ];
    for (const [file, target] of cases) {
      expect(await restricted(file, `import * as m from '${target}';\nexport const x = m;\n`), file).toEqual(
        [],
      );
    }
  });

  it('refuses a suite importing the CLI', async () => {
    const messages = await restricted(
      'suites/pairwise/boundary-probe.ts',
      "import { toJson } from '../../harness/cli/format.js';\nexport const x = toJson;\n",
    );
    expect(messages).toHaveLength(1);
  });
});
