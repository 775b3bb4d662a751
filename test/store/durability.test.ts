import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { JudgmentStore } from '../../harness/store/judgment-store.js';
import { keyOf, singleRecord, tempDir } from './records.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const loader = pathToFileURL(path.join(fixtures, 'ts-loader.mjs')).href;
const child = path.join(fixtures, 'writer-child.ts');

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

it('a writer killed with SIGKILL loses nothing it reported as flushed, and leaves a sound store', async () => {
  const file = path.join(dir, 'nested', 'judgments.sqlite');
  const proc = spawn(process.execPath, ['--import', loader, child, file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let seenWhileWriting: { reported: number; count: number } | undefined;
  const killedAfter = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    proc.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const totals = [...buffered.matchAll(/^flushed (\d+)$/gm)].map((m) => Number(m[1]));
      const last = totals[totals.length - 1] ?? 0;
      if (totals.length >= 2 && seenWhileWriting === undefined) {
        // a second process reads while the writer is busy (WAL: neither waits)
        const reader = JudgmentStore.open(file, { readonly: true });
        seenWhileWriting = { reported: last, count: reader.count() };
        reader.close();
      }
      // kill in the middle of a busy stream of writes, after several commits
      if (last >= 1000 && totals.length >= 5) {
        proc.kill('SIGKILL');
        resolve(last);
      }
    });
    proc.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL')
        reject(new Error(`child exited (${code ?? signal}) before it was killed: ${stderr}`));
    });
  });
  await new Promise((resolve) =>
    proc.exitCode !== null || proc.signalCode !== null ? resolve(null) : proc.on('exit', resolve),
  );
  expect(proc.signalCode).toBe('SIGKILL');
  expect(seenWhileWriting?.count).toBeGreaterThanOrEqual(seenWhileWriting!.reported);
  // the process died with its write-ahead log in place
  expect(fs.existsSync(`${file}-wal`)).toBe(true);

  // A second process reading the store as it was left (no recovery by a writer first).
  const reader = JudgmentStore.open(file, { readonly: true });
  const count = reader.count();
  reader.close();
  expect(count).toBeGreaterThanOrEqual(killedAfter);

  const store = JudgmentStore.open(file);
  try {
    expect(store.integrityCheck()).toEqual([]);
    expect(store.count()).toBe(count);
    // judgments are written in order, so the first `count` are all there, complete
    const keys = Array.from({ length: count }, (_, i) => keyOf(i));
    const found = store.getMany(keys);
    expect(found.size).toBe(count);
    for (const i of [0, Math.floor(count / 2), count - 1])
      expect(found.get(keyOf(i))).toEqual(singleRecord(i));
    expect(store.getMany([keyOf(count)]).size).toBe(0);
    // and the usages written with them
    const stats = store.stats();
    expect(stats.untagged.judgments).toBe(0);
    expect(stats.usages.reduce((n, u) => n + u.judgments, 0)).toBe(count);
    // the store remains usable: a rerun adds what is missing
    store.put(singleRecord(count));
    expect(store.count()).toBe(count + 1);
  } finally {
    store.close();
  }
});
