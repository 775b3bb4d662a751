import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../harness/core/errors.js';
import {
  loadPairwiseTestSet,
  loadScenarioCatalog,
  loadVerdictFile,
  verdictFromCode,
  verdictToCode,
} from '../../harness/source/autoj-pairwise.js';
import { AUTOJ, tempDir, TEST_SET, verdictLines } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('authors’ codes', () => {
  it('map 0/1/2 to first/second/tie and back, and nothing else', () => {
    expect([0, 1, 2].map(verdictFromCode)).toEqual(['first', 'second', 'tie']);
    expect(verdictFromCode(3)).toBeUndefined();
    expect(verdictFromCode(0.5)).toBeUndefined();
    expect(verdictToCode('tie')).toBe(2);
  });
});

describe('the real test set and scenario groups', () => {
  it('reads 1,392 pairs in 58 scenarios of 8 groups, 24 pairs each', async () => {
    const { catalog } = await loadScenarioCatalog(path.join(AUTOJ, 'scenarios.json'));
    expect(catalog.groups.map((g) => g.group)).toEqual([
      'Summarization',
      'Exam Questions',
      'Code',
      'Rewriting',
      'Creative Writing',
      'Functional Writing',
      'General Communication',
      'NLP Tasks',
    ]);
    const { pairs, info } = await loadPairwiseTestSet(TEST_SET, catalog);
    expect(pairs).toHaveLength(1392);
    expect(info.records).toBe(1392);
    expect(info.sha256).toMatch(/^[0-9a-f]{64}$/);
    const perScenario = new Map<string, number>();
    for (const p of pairs) perScenario.set(p.scenario, (perScenario.get(p.scenario) ?? 0) + 1);
    expect(perScenario.size).toBe(58);
    expect([...perScenario.values()].every((n) => n === 24)).toBe(true);
    expect(pairs[0]!.task.protocol).toBe('pairwise');
    expect(pairs[0]!.label).toBe('second'); // the file's first label is 1
  });
});

describe('loadVerdictFile', () => {
  const expectInputError = async (promise: Promise<unknown>, file: string, pattern: RegExp) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    const message = (error as InputError).message;
    expect(message.startsWith(`${file}: `)).toBe(true);
    expect(message).toMatch(pattern);
    expect(message).not.toContain('\n');
  };

  it('reads verdicts as written and accepts blank lines at the end and CRLF', async () => {
    const file = tmp.write('ok.jsonl', '{"output": 0}\r\n{"output": 1}\n{"output": 2}\n\n');
    const { verdicts, info } = await loadVerdictFile(file, 3);
    expect(verdicts).toEqual(['first', 'second', 'tie']);
    expect(info.records).toBe(3);
  });

  it('rejects too few lines, naming the first missing line', async () => {
    const file = tmp.write('short.jsonl', verdictLines([0, 1]));
    await expectInputError(
      loadVerdictFile(file, 3),
      file,
      /^.*: line 3: missing verdict: the file has 2 verdicts, the test set 3 pairs$/,
    );
  });

  it('rejects too many lines, naming the first extra line', async () => {
    const file = tmp.write('long.jsonl', verdictLines([0, 1, 2, 0]));
    await expectInputError(loadVerdictFile(file, 3), file, /: line 4: extra verdict/);
  });

  it('rejects a label outside 0-2', async () => {
    const file = tmp.write('label3.jsonl', verdictLines([0, 3, 2]));
    await expectInputError(loadVerdictFile(file, 3), file, /: line 2: verdict 3 is not 0, 1 or 2$/);
  });

  it('rejects a string or missing output', async () => {
    const quoted = tmp.write('quoted.jsonl', '{"output": 0}\n{"output": "1"}\n');
    await expectInputError(loadVerdictFile(quoted, 2), quoted, /: line 2: verdict "1" is not 0, 1 or 2$/);
    const missing = tmp.write('missing.jsonl', '{"output": 0}\n{"verdict": 1}\n');
    await expectInputError(loadVerdictFile(missing, 2), missing, /: line 2: expected \{"output": 0\|1\|2\}$/);
  });

  it('rejects a line that is not JSON', async () => {
    const file = tmp.write('broken.jsonl', '{"output": 0}\n{"output": 1\n{"output": 2}\n');
    await expectInputError(loadVerdictFile(file, 3), file, /: line 2: invalid JSON/);
  });

  it('rejects a blank line in the middle (it would shift every verdict after it)', async () => {
    const file = tmp.write('gap.jsonl', '{"output": 0}\n\n{"output": 2}\n');
    await expectInputError(loadVerdictFile(file, 2), file, /: line 2: empty line/);
  });

  it('names a file that does not exist', async () => {
    const file = path.join(tmp.dir, 'nope.jsonl');
    await expectInputError(loadVerdictFile(file, 1), file, /no such file$/);
  });
});

describe('loadPairwiseTestSet', () => {
  const lines = readFileSync(TEST_SET, 'utf8').split('\n').slice(0, 3);

  it('rejects a label outside 0-2, naming the line', async () => {
    const bad = JSON.parse(lines[1]!) as Record<string, unknown>;
    bad.label = 3;
    const file = tmp.write('testset-label.jsonl', [lines[0], JSON.stringify(bad), lines[2]].join('\n'));
    await expect(loadPairwiseTestSet(file)).rejects.toThrow(`${file}: line 2: label 3 is not 0, 1 or 2`);
  });

  it('rejects a scenario in no group', async () => {
    const { catalog } = await loadScenarioCatalog(path.join(AUTOJ, 'scenarios.json'));
    const bad = JSON.parse(lines[0]!) as Record<string, unknown>;
    bad.scenario = 'juggling';
    const file = tmp.write('testset-scenario.jsonl', JSON.stringify(bad));
    await expect(loadPairwiseTestSet(file, catalog)).rejects.toThrow(
      `${file}: line 1: scenario "juggling" is not in any group of scenarios.json`,
    );
  });

  it('rejects a pair without a second response', async () => {
    const file = tmp.write(
      'testset-resp.jsonl',
      '{"scenario": "chitchat", "label": 0, "prompt": "Hi", "response 1": "Hello"}',
    );
    await expect(loadPairwiseTestSet(file)).rejects.toThrow(`${file}: line 1: "response 2" must be a string`);
  });
});
