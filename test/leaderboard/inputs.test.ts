import { describe, expect, it } from 'vitest';
import {
  collectInputs,
  describeInputChanges,
  sameInputs,
  submissionHash,
} from '../../harness/leaderboard/inputs.js';
import { lengthJudgeInfo } from '../../harness/judge/length.js';
import { readSubmission } from '../../harness/source/alpacaeval.js';
import { LocalFiles } from '../../harness/source/files.js';
import { makeAlpacaTree } from '../helpers/alpaca-tree.js';

describe('submissionHash', () => {
  it('equals the contentHash a run records, for .json and .json.gz submissions (no parsing)', async () => {
    const root = makeAlpacaTree({
      gz: { outputs: ['a', 'b'] },
      plain: { outputs: ['c'], gzip: false },
      broken: { raw: '[{"instr' },
    });
    const files = new LocalFiles(root);
    for (const m of ['gz', 'plain']) {
      expect(await submissionHash(files, m)).toBe((await readSubmission(files, m))!.contentHash);
    }
    expect(await submissionHash(files, 'broken')).toMatch(/^[0-9a-f]{64}$/);
    expect(await submissionHash(files, 'absent')).toBeNull();
  });
});

describe('collectInputs', () => {
  it('records every reference model with its value and outputs hash, and says what changed', async () => {
    const root = makeAlpacaTree({ a: { outputs: ['x'] }, b: { outputs: ['y'] } });
    const files = new LocalFiles(root);
    const reference = {
      name: 'ae2',
      file: 'f',
      column: 'win_rate',
      scores: new Map([
        ['b', 2],
        ['a', 1],
        ['c', 3],
      ]),
      excluded: [{ model: 'd', reason: 'mode "dev" is left out of the reference' }],
    };
    const base = { files, reference, judge: lengthJudgeInfo, instructionSetSha256: 'i' };
    const one = await collectInputs(base);
    expect(Object.keys(one.submissions)).toEqual(['a', 'b', 'c']);
    expect(one.submissions.c).toBeNull();
    expect(one.values).toEqual({ a: 1, b: 2, c: 3 });
    expect(sameInputs(one, await collectInputs(base))).toBe(true);

    const two = await collectInputs({
      ...base,
      reference: { ...reference, scores: new Map([...reference.scores, ['a', 1.5], ['e', 5]]) },
    });
    expect(sameInputs(one, two)).toBe(false);
    expect(describeInputChanges(one, two)).toEqual([
      '1 model new in the reference',
      '1 reference value changed',
    ]);
    const judge = await collectInputs({
      ...base,
      judge: { ...lengthJudgeInfo, templateVersion: 'length-v2' },
    });
    expect(describeInputChanges(one, judge)).toEqual(['the judge changed']);
  });
});
