import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { InputError } from '../../harness/core/errors.js';
import { readSubmission } from '../../harness/source/alpacaeval.js';
import { alignOutputs, InstructionIndex } from '../../harness/source/align.js';
import { decodeJson } from '../../harness/source/decode.js';
import { LocalFiles } from '../../harness/source/files.js';
import { parseScoreTable } from '../../harness/source/leaderboard-csv.js';
import { makeAlpacaTree, INSTRUCTIONS } from '../helpers/alpaca-tree.js';
import { SHARED_DATA } from '../helpers/cli.js';

describe('decodeJson', () => {
  it('reads plain and gzipped JSON alike', async () => {
    expect(await decodeJson(Buffer.from('[1]'), 'a.json')).toEqual([1]);
    expect(await decodeJson(gzipSync('[1]'), 'a.json.gz')).toEqual([1]);
  });

  it('names the file and the problem', async () => {
    await expect(decodeJson(Buffer.from('[{"a": 1}, {"b"'), 'x.json')).rejects.toThrow(
      /^x\.json: truncated JSON/,
    );
    await expect(decodeJson(Buffer.from('{"a": nope}'), 'x.json')).rejects.toThrow(/^x\.json: invalid JSON/);
    await expect(decodeJson(Buffer.from(''), 'x.json')).rejects.toThrow('x.json: empty file');
    await expect(decodeJson(gzipSync('[1,2,3]').subarray(0, 12), 'x.json.gz')).rejects.toThrow(
      /^x\.json\.gz: not a valid gzip file/,
    );
  });
});

describe('readSubmission', () => {
  const root = makeAlpacaTree({
    good: { outputs: ['a', null, ''] },
    plain: { outputs: ['a'], gzip: false },
    object: { raw: '{"instruction": "x"}' },
    noinstr: { raw: JSON.stringify([{ instruction: 'x', output: 'y' }, { output: 'z' }]) },
    badoutput: { raw: JSON.stringify([{ instruction: 'x', output: 3 }]) },
  });
  const files = new LocalFiles(root);

  it('reads .json.gz and .json, keeping null outputs as null', async () => {
    const s = await readSubmission(files, 'good');
    expect(s!.entries.map((e) => e.output)).toEqual(['a', null, '']);
    expect(s!.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect((await readSubmission(files, 'plain'))!.entries).toHaveLength(1);
    expect(await readSubmission(files, 'absent')).toBeNull();
  });

  it('rejects files that are not arrays of entries, naming file and entry', async () => {
    await expect(readSubmission(files, 'object')).rejects.toThrow(
      /object\/model_outputs\.json\.gz: expected a JSON array/,
    );
    await expect(readSubmission(files, 'noinstr')).rejects.toThrow(
      /noinstr\/model_outputs\.json\.gz: entry 1 has no "instruction"/,
    );
    await expect(readSubmission(files, 'badoutput')).rejects.toThrow(
      /entry 0 has an "output" that is a number/,
    );
  });

  it('refuses model ids that are not a safe path segment', async () => {
    for (const id of ['../x', 'a/b', '..', '.hidden', '', 'a\0b']) {
      await expect(readSubmission(files, id)).rejects.toBeInstanceOf(InputError);
    }
  });
});

describe('alignOutputs', () => {
  const index = new InstructionIndex(['q1', 'q2', 'q3', 'q4']);

  it('reports missing, duplicated, extra and empty outputs', () => {
    const { outputs, report } = alignOutputs(index, [
      { instruction: 'q2', output: 'b' },
      { instruction: 'q1', output: 'a' },
      { instruction: 'q1', output: 'again' },
      { instruction: 'not in the set', output: 'z' },
      { instruction: 'q3', output: null },
    ]);
    expect(outputs).toEqual(['a', 'b', '', undefined]);
    expect(report).toEqual({ missing: 1, duplicated: 1, extra: 1, empty: 1 });
  });

  it('matches instructions whose whitespace was re-serialised', () => {
    const idx = new InstructionIndex(['What is  2+2?\n']);
    expect(alignOutputs(idx, [{ instruction: 'What is 2+2?', output: '4' }]).outputs).toEqual(['4']);
  });

  it('finds the real data mess: files with 802-804 entries and empty outputs', async () => {
    const files = new LocalFiles(`${SHARED_DATA}/alpaca_eval`);
    const idx = new InstructionIndex(INSTRUCTIONS);
    const phi = alignOutputs(idx, (await readSubmission(files, 'phi-2'))!.entries).report;
    expect(phi).toEqual({ missing: 2, duplicated: 0, extra: 0, empty: 0 });
    const gemma = alignOutputs(idx, (await readSubmission(files, 'gemma-2b-it'))!.entries).report;
    expect(gemma.empty).toBe(22);
    expect(gemma.missing).toBe(0);
  });
});

describe('parseScoreTable', () => {
  const csv =
    ',win_rate,mode\nm1,50.5,minimal\nm2,40,dev\n../evil,30,community\nm3,,community\nm1,1,community\nm4,20.25,verified\n';

  it('uses the unnamed first column, leaves out dev rows and says why rows were left out', () => {
    const t = parseScoreTable(csv, 'lb.csv', { scoreColumn: 'win_rate', excludeModes: ['dev'] });
    expect([...t.scores]).toEqual([
      ['m1', 50.5],
      ['m4', 20.25],
    ]);
    expect(t.excluded).toEqual([
      { model: 'm2', reason: 'mode "dev" is left out of the reference' },
      { model: '../evil', reason: 'model id is not a safe path segment' },
      { model: 'm3', reason: 'no numeric "win_rate" value' },
      { model: 'm1', reason: 'duplicate row (the first one is used)' },
    ]);
  });

  it('names the file and the missing column', () => {
    expect(() => parseScoreTable(csv, 'lb.csv', { scoreColumn: 'length_controlled_winrate' })).toThrow(
      'lb.csv: no column "length_controlled_winrate" (columns: (unnamed), win_rate, mode)',
    );
    expect(() => parseScoreTable('', 'e.csv', { scoreColumn: 'x' })).toThrow('e.csv: empty CSV file');
    expect(() => parseScoreTable('a,"b\n1,2', 'q.csv', { scoreColumn: 'x' })).toThrow(
      /^q\.csv: not a valid CSV file/,
    );
  });
});
