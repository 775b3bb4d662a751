import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ownString } from '../../harness/core/own-string.js';

describe('ownString', () => {
  it('keeps a piece of a text without the rest of the text', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const before = heap();
    const kept: string[] = [];
    for (let i = 0; i < 100; i++) {
      // a 200 kB text (a prompt) of which a 40-character piece is kept (a cached word)
      const text = `the kept piece number ${String(i).padStart(3, '0')} of the text ${'z'.repeat(200_000)}`;
      kept.push(ownString(text.slice(0, 40)));
    }
    expect(kept[7]).toBe('the kept piece number 007 of the text zz');
    // 100 texts of 200 kB would be 20 MB if the kept pieces kept them alive
    expect(heap() - before).toBeLessThan(5_000_000);
  });
});
