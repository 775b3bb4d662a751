import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { atomicWriteTarget, writeFileAtomic } from '../../harness/core/atomic-write.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes a string, bytes, or pieces of text, into folders it makes', async () => {
    await writeFileAtomic(join(dir, 'a', 'b.txt'), 'one');
    expect(readFileSync(join(dir, 'a', 'b.txt'), 'utf8')).toBe('one');
    await writeFileAtomic(join(dir, 'c.bin'), Uint8Array.from([1, 2, 3]));
    expect([...readFileSync(join(dir, 'c.bin'))]).toEqual([1, 2, 3]);
    function* pieces(): Generator<string> {
      for (let i = 0; i < 1000; i++) yield `${i},caf\u00e9\n`;
    }
    await writeFileAtomic(join(dir, 'd.txt'), pieces());
    expect(readFileSync(join(dir, 'd.txt'), 'utf8')).toBe([...pieces()].join(''));
  });

  it('leaves the old file whole, and no temp file, when the pieces fail half way', async () => {
    const file = join(dir, 'manifest.json');
    writeFileSync(file, 'old');
    function* failing(): Generator<string> {
      yield 'new, ';
      throw new Error('the source went away');
    }
    await expect(writeFileAtomic(file, failing())).rejects.toThrow('the source went away');
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir).filter((name) => atomicWriteTarget(name) !== null)).toEqual([]);
  });
});
