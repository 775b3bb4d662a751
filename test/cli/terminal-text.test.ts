import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTable } from '../../harness/cli/format.js';
import { toJson } from '../../harness/core/serialize.js';
import { terminalText } from '../../harness/core/terminal-text.js';
import { stderrProgress } from '../../harness/runner/progress.js';
import { logTail } from '../../harness/serve/log-tail.js';
import { scorePairwiseSuite } from '../../suites/pairwise/score.js';
import { loadPairwiseData, loadRecordedJudgments } from '../../suites/pairwise/suite.js';
import { formatPairwiseTable } from '../../suites/pairwise/table.js';
import { makeAlpacaTree, outputsOfLength } from '../helpers/alpaca-tree.js';
import { runBench } from '../helpers/cli.js';
import { AUTOJ, PREDICTIONS, SWAPPED } from '../pairwise/helpers.js';

/**
 * Model ids, CSV cells, file names and server messages are untrusted: printed raw, an
 * escape sequence clears the screen or a CR/LF forges a line. What reaches the terminal
 * shows them as escapes instead.
 */
const CLEAR = '\x1b[2J';
const FORGED = `evil${CLEAR}\rbench: forged`;

/** Nothing a terminal would act on: no C0 but LF, no DEL, no C1, no bidi control. */
function expectInert(text: string): void {
  // eslint-disable-next-line no-control-regex
  expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  expect(text).not.toMatch(/^bench: forged/m);
}

describe('terminalText', () => {
  it('escapes C0, DEL, C1, line separators and bidi controls, and nothing else', () => {
    expect(terminalText(FORGED)).toBe('evil\\x1b[2J\\rbench: forged');
    expect(terminalText('a\nb\tc\x00\x7f\u009b\u2028\u202e\u2067')).toBe(
      'a\\nb\\tc\\x00\\x7f\\x9b\\u2028\\u202e\\u2067',
    );
    const plain = 'gpt-4o_2024-05-13 ünïcødé 模型 "quoted" \\ 🙂';
    expect(terminalText(plain)).toBe(plain);
  });

  it('keeps tables aligned with escaped cells', () => {
    const table = formatTable(
      ['model', 'score'],
      [
        [FORGED, '1.0'],
        ['ok', '22.5'],
      ],
    );
    expectInert(table);
    expect(table.split('\n')).toEqual([
      'model                       score',
      '--------------------------  -----',
      'evil\\x1b[2J\\rbench: forged    1.0',
      'ok                           22.5',
      '',
    ]);
  });

  it('toJson writes DEL, C1 and bidi controls as \\u escapes: the same document, safe to print', () => {
    const value = { model: `a\x7f\u009b[2J\u202eb${FORGED}`, n: [1, NaN] };
    const json = toJson(value);
    expectInert(json);
    expect(JSON.parse(json)).toEqual({ ...value, n: [1, null] });
  });

  it('progress labels and vLLM log lines are escaped', () => {
    let written = '';
    const sink = stderrProgress((t) => (written += t), { isTTY: false, intervalMs: 0 });
    const state = {
      label: FORGED,
      total: 1,
      done: 1,
      cached: 0,
      unparsed: 0,
      errors: 0,
      retries: 0,
      inFlight: 0,
    };
    sink.finish(state);
    expectInert(written);
    expect(written).toContain('evil\\x1b[2J\\rbench: forged: 1/1');

    const log = join(mkdtempSync(join(tmpdir(), 'bench-log-')), 'vllm.log');
    writeFileSync(log, `INFO \x1b[32mready\x1b[0m\nWARN \x1b]0;owned\x07 title\x1b[2J\n`);
    expect(logTail(log)).toEqual(['INFO ready', 'WARN \\x1b]0;owned\\x07 title']);
  });

  it('the pairwise table escapes group and judge names from data files', async () => {
    const data = await loadPairwiseData(AUTOJ);
    const recorded = await loadRecordedJudgments(data, PREDICTIONS, SWAPPED);
    const judge = { name: 'test', mode: 'live', description: `judge${CLEAR}` } as const;
    const result = scorePairwiseSuite(data, recorded.judgments, {
      judge,
      bootstrap: { resamples: 0, seed: 1 },
    });
    const table = formatPairwiseTable({
      ...result,
      groups: result.groups.map((g, i) => (i === 0 ? { ...g, group: FORGED } : g)),
    });
    expectInert(table);
    expect(table).toContain('evil\\x1b[2J\\rbench: forged');
    expect(table).toContain('judge\\x1b[2J');
  });
});

describe('bench run alpacaeval prints hostile ids inert', () => {
  const lengthRun = (source: string, ...extra: string[]) =>
    runBench(['run', 'alpacaeval', '--judge', 'length', '--min-coverage', '0', '--source', source, ...extra]);

  it('a results folder and CSV ids with escape sequences forge nothing in the table or the warnings', async () => {
    const root = makeAlpacaTree(
      { good: { outputs: outputsOfLength(3, 10) } },
      { ae1: `,win_rate,mode\ngood,50,minimal\n"csv${CLEAR}\nbench: forged\u202e",40,minimal\n` },
    );
    mkdirSync(join(root, 'results', FORGED));
    const r = await lengthRun(root, '--bootstrap', '0');
    expect(r.code, r.stderr).toBe(0);
    for (const output of [r.stdout, r.stderr]) expectInert(output);
    expect(r.stdout).toContain(
      '  evil\\x1b[2J\\rbench: forged: evil\\x1b[2J\\rbench: forged: model id is not a safe path segment',
    );
    expect(r.stdout).toContain(
      '  csv\\x1b[2J\\nbench: forged\\u202e [ae1]: model id is not a safe path segment',
    );
    expect(r.stderr).toContain(
      'bench: warning: evil\\x1b[2J\\rbench: forged: model id is not a safe path segment (letters, digits and _ . + @ = - only) (model skipped)',
    );
  });

  it('the error line escapes a file name', async () => {
    const r = await lengthRun(`/nonexistent/${FORGED}`);
    expect(r.code).toBe(1);
    expectInert(r.stderr);
    expect(r.stderr).toContain('bench: /nonexistent/evil\\x1b[2J\\rbench: forged: no such folder');
  });
});
