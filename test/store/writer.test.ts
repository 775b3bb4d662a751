import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JudgmentStore } from '../../harness/store/judgment-store.js';
import type { JudgmentRecord } from '../../harness/store/record.js';
import { JudgmentWriter } from '../../harness/store/writer.js';
import { keyOf, singleRecord, tempDir } from './records.js';

let cleanup: () => void;
let file: string;
let store: JudgmentStore;
let reader: JudgmentStore;

beforeEach(() => {
  let dir: string;
  ({ dir, cleanup } = tempDir());
  file = path.join(dir, 'judgments.sqlite');
  store = JudgmentStore.open(file);
  // what another process (or a rerun) sees: only committed judgments
  reader = JudgmentStore.open(file, { readonly: true });
});
afterEach(() => {
  store.close();
  reader.close();
  cleanup();
});

describe('JudgmentWriter', () => {
  it('commits within the flush interval, not before', async () => {
    const flushes: [number, number][] = [];
    const writer = new JudgmentWriter(store, {
      flushIntervalMs: 40,
      onFlush: (n, total) => flushes.push([n, total]),
    });
    writer.add(singleRecord(1));
    writer.add(singleRecord(2));
    expect(writer.pending).toBe(2);
    expect(reader.count()).toBe(0);
    await sleep(150);
    expect(reader.count()).toBe(2);
    expect(writer.pending).toBe(0);
    expect(flushes).toEqual([[2, 2]]);
    writer.add(singleRecord(3));
    await sleep(150);
    expect(reader.count()).toBe(3);
    expect(flushes).toEqual([
      [2, 2],
      [1, 3],
    ]);
    writer.close();
  });

  it('commits at once when maxPending judgments wait', () => {
    const writer = new JudgmentWriter(store, { flushIntervalMs: 60_000, maxPending: 10 });
    for (let i = 0; i < 25; i++) writer.add(singleRecord(i));
    expect(reader.count()).toBe(20);
    expect(writer.pending).toBe(5);
    writer.close();
    expect(reader.count()).toBe(25);
    expect(writer.written).toBe(25);
  });

  it('flush and close commit what is pending; close is final', () => {
    const writer = new JudgmentWriter(store, { flushIntervalMs: 60_000 });
    writer.add(singleRecord(1));
    writer.flush();
    expect(reader.count()).toBe(1);
    writer.add(singleRecord(2));
    writer.close();
    writer.close();
    expect(reader.count()).toBe(2);
    expect(() => writer.add(singleRecord(3))).toThrow(/after close/);
  });

  it('writes usages with their judgment, in the same commit, and on their own', () => {
    const writer = new JudgmentWriter(store, { flushIntervalMs: 60_000 });
    writer.add(singleRecord(1), [
      { suite: 'alpacaeval', subject: 'model-a' },
      { suite: 'alpacaeval', subject: 'model-b' },
    ]);
    // a judgment found in the store by a later run
    writer.tag([{ key: keyOf(1), suite: 'alpacaeval', subject: 'model-c' }]);
    writer.close();
    expect(reader.stats().usages.map((u) => [u.subject, u.judgments])).toEqual([
      ['model-a', 1],
      ['model-b', 1],
      ['model-c', 1],
    ]);
  });

  it('counts a key already stored as not written', () => {
    store.put(singleRecord(1));
    const writer = new JudgmentWriter(store);
    writer.add(singleRecord(1));
    writer.add(singleRecord(2));
    writer.close();
    expect(writer.written).toBe(1);
    expect(reader.count()).toBe(2);
  });

  it('rejects a bad record at the call site, keeping the others', () => {
    const writer = new JudgmentWriter(store);
    writer.add(singleRecord(1));
    const error = { ...singleRecord(2), status: 'error' } as unknown as JudgmentRecord;
    expect(() => writer.add(error)).toThrow(/errors are never stored/);
    writer.close();
    expect(reader.count()).toBe(1);
  });

  it('a failed timed commit is reported and makes the writer fail loudly', async () => {
    const errors: unknown[] = [];
    const writer = new JudgmentWriter(store, { flushIntervalMs: 10, onError: (e) => errors.push(e) });
    writer.add(singleRecord(1));
    store.close(); // the next commit cannot succeed
    await sleep(80);
    expect(errors).toHaveLength(1);
    expect(() => writer.add(singleRecord(2))).toThrow();
    expect(() => writer.close()).toThrow();
    expect(writer.pending).toBe(1); // not silently dropped
  });
});
