import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSubmissionIds, readSubmission } from '../../harness/source/alpacaeval.js';
import { LocalFiles } from '../../harness/source/files.js';
import { readExtraSubmission, withSubmission } from '../../harness/source/overlay.js';
import { INSTRUCTIONS, makeAlpacaTree } from '../helpers/alpaca-tree.js';

/** One submission added to a source (`--model-outputs`): read as any other, the source's own left as they are. */

const tree = makeAlpacaTree({ a: { outputs: ['x', 'y'] }, b: { outputs: ['z'] } });
const base = new LocalFiles(tree);
const dir = mkdtempSync(join(tmpdir(), 'bench-overlay-'));

function file(name: string, rows: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(rows));
  return path;
}

describe('withSubmission', () => {
  it('adds the file as results/<id>/model_outputs.json, named by its own path in messages', async () => {
    const path = file('mine.json', [{ instruction: INSTRUCTIONS[0], output: 'hello', generator: 'mine' }]);
    const extra = await readExtraSubmission('mine.json', { cwd: dir, limits: base.limits });
    expect(extra.id).toBe('mine');
    const files = withSubmission(base, extra);
    expect(await listSubmissionIds(files)).toEqual(['a', 'b', 'mine']);
    const read = await readSubmission(files, 'mine');
    expect(read).toMatchObject({ file: path, entries: [{ instruction: INSTRUCTIONS[0], output: 'hello' }] });
    expect((await readSubmission(files, 'a'))?.entries).toHaveLength(2);
  });

  it('hides a source submission of the same id (its .json.gz), so the file given is the one judged', async () => {
    const extra = await readExtraSubmission(
      file('b.json', [{ instruction: INSTRUCTIONS[1], output: 'new' }]),
      {
        name: 'b',
        cwd: dir,
        limits: base.limits,
      },
    );
    const read = await readSubmission(withSubmission(base, extra), 'b');
    expect(read?.entries).toEqual([{ instruction: INSTRUCTIONS[1], output: 'new' }]);
  });

  it('takes the id from --name or the one generator, and says in one line naming the file what is wrong', async () => {
    const options = { cwd: dir, limits: base.limits };
    const none = file('none.json', [{ instruction: 'q', output: 'a' }]);
    await expect(readExtraSubmission(none, options)).rejects.toThrow(
      `${none}: has no "generator" string in its entries: give --name ID`,
    );
    await expect(readExtraSubmission(join(dir, 'missing.json'), options)).rejects.toThrow(
      /missing\.json: file not found$/,
    );
    await expect(readExtraSubmission(none, { ...options, name: '..' })).rejects.toThrow(
      /none\.json: --name "\.\." is not a valid model id/,
    );
    expect((await readExtraSubmission(none, { ...options, name: 'ok-1' })).id).toBe('ok-1');
  });
});
