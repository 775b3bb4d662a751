import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../harness/core/errors.js';
import { JudgmentStore } from '../../harness/store/judgment-store.js';
import type { JudgmentRecord } from '../../harness/store/record.js';
import { APPLICATION_ID, SCHEMA_VERSION } from '../../harness/store/schema.js';
import {
  downgradeToVersion1,
  downgradeToVersion3,
  keyOf,
  singleRecord,
  tempDir,
  unparsedRecord,
} from './records.js';
import { MAX_STORED_TEXT_CHARS } from '../../harness/store/record.js';

let dir: string;
let cleanup: () => void;
let file: string;
const open: JudgmentStore[] = [];

function openStore(options: Parameters<typeof JudgmentStore.open>[1] = {}, at = file): JudgmentStore {
  const store = JudgmentStore.open(at, options);
  open.push(store);
  return store;
}

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  file = path.join(dir, '.bench', 'judgments.sqlite');
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  cleanup();
});

describe('JudgmentStore: records', () => {
  it('creates its folder and round-trips every field', () => {
    const store = openStore();
    expect(fs.existsSync(file)).toBe(true);
    const pairwise: JudgmentRecord = {
      ...singleRecord(2),
      key: keyOf('pair'),
      protocol: 'pairwise',
      rating: null,
      verdict: 'tie',
      text: 'Both are fine. So, the final decision is Tie',
      truncation: { keptChars: 3000, originalChars: 9000 },
      promptTokens: null,
      completionTokens: null,
      tokenSource: null,
      latencyMs: null,
      finishReason: null,
    };
    const records = [singleRecord(1), unparsedRecord(3), pairwise];
    expect(store.putMany(records)).toBe(3);
    const found = store.getMany(records.map((r) => r.key));
    expect(found.size).toBe(3);
    for (const r of records) expect(found.get(r.key)).toEqual(r);
    expect(store.get(keyOf(1))).toEqual(records[0]);
    expect(store.get(keyOf('absent'))).toBeUndefined();
    expect(store.count()).toBe(3);
  });

  it('keeps one row per key: the first answer stays unless replace is asked for', () => {
    const store = openStore();
    expect(store.put(singleRecord(1))).toBe(true);
    expect(store.put(singleRecord(1, { text: 'another answer Rating: [[5]]', rating: 5 }))).toBe(false);
    expect(store.putMany([singleRecord(1), singleRecord(1), singleRecord(2)])).toBe(1);
    expect(store.count()).toBe(2);
    expect(store.get(keyOf(1))).toEqual(singleRecord(1));

    expect(store.put(singleRecord(1, { text: 'retried Rating: [[9]]', rating: 9 }), { replace: true })).toBe(
      true,
    );
    expect(store.count()).toBe(2);
    expect(store.get(keyOf(1))).toMatchObject({ rating: 9, text: 'retried Rating: [[9]]' });
  });

  it('never stores an error, nor an inconsistent record', () => {
    const store = openStore();
    const error = { ...singleRecord(1), status: 'error' } as unknown as JudgmentRecord;
    expect(() => store.put(error)).toThrow(/only ok\/unparsed; errors are never stored/);
    expect(() => store.put(singleRecord(2, { rating: Number.NaN }))).toThrow(/not a finite number/);
    expect(() => store.put(singleRecord(3, { status: 'unparsed' }))).toThrow(
      /unparsed judgment has no rating/,
    );
    expect(() => store.put(singleRecord(4, { rating: null }))).toThrow(/needs a rating or a verdict/);
    expect(() => store.put(singleRecord(5, { createdAt: 'yesterday' }))).toThrow(/not a date/);
    // A bad record fails the whole batch: nothing of it is written.
    expect(() => store.putMany([singleRecord(6), error])).toThrow();
    expect(store.count()).toBe(0);
    // The schema refuses it too, should anything bypass the check.
    const raw = new Database(file);
    expect(() =>
      raw
        .prepare(
          "INSERT INTO judgments (key, judge, model, template_version, protocol, status, created_at) VALUES ('k', 'a', 'm', 't', 'single', 'error', 'now')",
        )
        .run(),
    ).toThrow(/CHECK constraint/);
    raw.close();
  });

  it('writes endpoints without credentials, query or fragment', () => {
    const store = openStore();
    store.put(singleRecord(1, { endpoint: 'https://user:s3cret@gpu.example:8443/v1?api_key=s3cret#x' }));
    expect(store.get(keyOf(1))?.endpoint).toBe('https://gpu.example:8443/v1');
    const bytes = fs.readFileSync(file).toString('latin1') + readIfExists(`${file}-wal`);
    expect(bytes).not.toContain('s3cret');
  });
});

describe('JudgmentStore: lookups', () => {
  it('getMany and getOutcomes find exactly the stored keys among many, across batch sizes', () => {
    const store = openStore();
    const stored = Array.from({ length: 3000 }, (_, i) =>
      i % 11 === 0 ? unparsedRecord(i) : singleRecord(i),
    );
    store.putMany(stored);
    const byKey = new Map(stored.map((r) => [r.key, r]));
    for (const n of [1, 2, 16, 17, 511, 512, 513, 1025, 6000]) {
      // half present, half absent, with repeats
      const keys = Array.from({ length: n }, (_, i) => keyOf(i % 2 === 0 ? i : -i));
      keys.push(...keys.slice(0, 5));
      const expected = keys.filter((k) => byKey.has(k));
      const full = store.getMany(keys);
      const outcomes = store.getOutcomes(keys);
      expect(full.size).toBe(new Set(expected).size);
      expect(outcomes.size).toBe(full.size);
      for (const k of expected) {
        const r = byKey.get(k)!;
        expect(full.get(k)).toEqual(r);
        expect(outcomes.get(k)).toEqual({
          key: r.key,
          status: r.status,
          rating: r.rating,
          verdict: r.verdict,
          unparsedReason: r.unparsedReason,
          finishReason: r.finishReason,
          truncation: r.truncation,
        });
      }
    }
    expect(store.getMany([]).size).toBe(0);
  });

  it('looks up 10,000 keys in one call', () => {
    const store = openStore();
    const n = 10_000;
    store.putMany(Array.from({ length: n }, (_, i) => singleRecord(i)));
    const keys = Array.from({ length: n }, (_, i) => keyOf(i));
    const outcomes = store.getOutcomes(keys);
    expect(outcomes.size).toBe(n);
    expect(outcomes.get(keyOf(2345))?.rating).toBe(6);
    expect(store.getMany(keys).size).toBe(n);
  });
});

describe('JudgmentStore: the task index of an older store', () => {
  it('a store of version 4 (expected ratings, no task index yet) read without migrating finds nothing by task, and still by key', () => {
    const store = openStore();
    store.put(singleRecord(1));
    store.close();
    const raw = new Database(file);
    raw.exec('DROP TABLE task_index');
    raw.pragma('user_version = 4');
    raw.close();
    const reader = openStore({ readonly: true });
    expect(reader.getOutcomesByTask('some identity', ['some digest']).size).toBe(0);
    expect(reader.getOutcomes([singleRecord(1).key]).size).toBe(1);
  });
});

describe('JudgmentStore: usages and stats', () => {
  it('counts per judge and per judge/suite/subject; a shared judgment counts for each subject', () => {
    const store = openStore();
    store.putMany([singleRecord(1), singleRecord(2), unparsedRecord(3), singleRecord(4)]);
    store.putMany([
      singleRecord(10, { judge: 'autoj-bilingual', model: 'GAIR/autoj-bilingual-6b' }),
      singleRecord(11, {
        judge: 'autoj',
        model: 'GAIR/autoj-13b',
        protocol: 'pairwise',
        rating: null,
        verdict: 'first',
      }),
    ]);
    store.tag([
      { key: keyOf(1), suite: 'alpacaeval', subject: 'model-a' },
      { key: keyOf(2), suite: 'alpacaeval', subject: 'model-a' },
      { key: keyOf(3), suite: 'alpacaeval', subject: 'model-a' },
      // model-b produced the same output as model-a for instruction 1: same judgment
      { key: keyOf(1), suite: 'alpacaeval', subject: 'model-b' },
      { key: keyOf(10), suite: 'alpacaeval', subject: 'model-a' },
      { key: keyOf(11), suite: 'pairwise', subject: 'pair 17 swapped' },
      // a tag whose judgment failed and was never stored: not counted
      { key: keyOf('failed'), suite: 'alpacaeval', subject: 'model-b' },
    ]);
    // tagging is idempotent
    store.tag([{ key: keyOf(1), suite: 'alpacaeval', subject: 'model-a' }]);

    const stats = store.stats();
    expect(stats.totals).toEqual({ judgments: 6, ok: 5, unparsed: 1 });
    expect(stats.judges).toEqual([
      { judge: 'autoj', model: 'GAIR/autoj-13b', judgments: 5, ok: 4, unparsed: 1 },
      { judge: 'autoj-bilingual', model: 'GAIR/autoj-bilingual-6b', judgments: 1, ok: 1, unparsed: 0 },
    ]);
    expect(stats.usages).toEqual([
      {
        judge: 'autoj',
        model: 'GAIR/autoj-13b',
        suite: 'alpacaeval',
        subject: 'model-a',
        judgments: 3,
        ok: 2,
        unparsed: 1,
      },
      {
        judge: 'autoj',
        model: 'GAIR/autoj-13b',
        suite: 'alpacaeval',
        subject: 'model-b',
        judgments: 1,
        ok: 1,
        unparsed: 0,
      },
      {
        judge: 'autoj',
        model: 'GAIR/autoj-13b',
        suite: 'pairwise',
        subject: 'pair 17 swapped',
        judgments: 1,
        ok: 1,
        unparsed: 0,
      },
      {
        judge: 'autoj-bilingual',
        model: 'GAIR/autoj-bilingual-6b',
        suite: 'alpacaeval',
        subject: 'model-a',
        judgments: 1,
        ok: 1,
        unparsed: 0,
      },
    ]);
    expect(stats.untagged).toEqual({ judgments: 1, ok: 1, unparsed: 0 });
  });

  it('stats of an empty store are zeros', () => {
    const stats = openStore().stats();
    expect(stats).toEqual({
      totals: { judgments: 0, ok: 0, unparsed: 0 },
      judges: [],
      usages: [],
      untagged: { judgments: 0, ok: 0, unparsed: 0 },
      memo: { values: 0, bytes: 0 },
    });
  });

  it('iterates every judgment in insertion order with its usages', () => {
    const store = openStore();
    store.putMany([singleRecord(3), unparsedRecord(1), singleRecord(2)]);
    store.tag([
      { key: keyOf(1), suite: 'alpacaeval', subject: 'b' },
      { key: keyOf(1), suite: 'alpacaeval', subject: 'a' },
    ]);
    const all = [...store.iterate()];
    expect(all.map((j) => j.key)).toEqual([keyOf(3), keyOf(1), keyOf(2)]);
    expect(all[1]).toEqual({
      ...unparsedRecord(1),
      usages: [
        { suite: 'alpacaeval', subject: 'a' },
        { suite: 'alpacaeval', subject: 'b' },
      ],
    });
    expect(all[0]?.usages).toEqual([]);
  });
});

describe('JudgmentStore: reparse', () => {
  it('applies a newer parser to the stored raw text and updates only what changes', () => {
    const store = openStore();
    const cut = unparsedRecord(1, { text: 'Fine. Rating: [[ 7 ]]', unparsedReason: 'old parser' });
    store.putMany([cut, singleRecord(2), singleRecord(3, { judge: 'other' })]);
    const lenient = (text: string) => /Rating: \[\[\s*(\d+)\s*\]\]/.exec(text);
    const result = store.reparse(
      (j) => {
        const m = lenient(j.text);
        return m ? { status: 'ok', rating: Number(m[1]) } : { status: 'unparsed', reason: 'no rating' };
      },
      { judge: 'autoj' },
    );
    expect(result).toEqual({ examined: 2, changed: 1 });
    expect(store.get(cut.key)).toMatchObject({
      status: 'ok',
      rating: 7,
      unparsedReason: null,
      text: cut.text,
    });
    expect(store.get(keyOf(2))).toEqual(singleRecord(2));
  });
});

describe('JudgmentStore: files', () => {
  it('uses WAL with synchronous=NORMAL and marks the file as a judgment store', () => {
    openStore().close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    raw.close();
    const store = openStore();
    // synchronous is per connection: check the store's own
    expect((store as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true })).toBe(
      1,
    );
  });

  it('bounds its memory: no mapped reads, a page cache of 8 MB (issue 13: 32 MB was a tenth of a cold run)', () => {
    for (const store of [openStore(), openStore({ readonly: true })]) {
      const db = (store as unknown as { db: Database.Database }).db;
      expect(db.pragma('mmap_size', { simple: true })).toBe(0);
      // negative: KiB
      expect(db.pragma('cache_size', { simple: true })).toBe(-8192);
    }
  });

  it('reopens an existing store with its judgments', () => {
    openStore().putMany([singleRecord(1), singleRecord(2)]);
    for (const s of open.splice(0)) s.close();
    expect(openStore().count()).toBe(2);
    expect(openStore({ readonly: true }).count()).toBe(2);
  });

  it('lets a second connection read while the first writes (WAL)', () => {
    const writer = openStore();
    writer.put(singleRecord(1));
    const reader = openStore({ readonly: true });
    expect(reader.count()).toBe(1);
    // a reader in the middle of an iteration does not block commits
    const iterator = reader.iterate();
    expect(iterator.next().done).toBe(false);
    writer.putMany([singleRecord(2), singleRecord(3)]);
    expect([...iterator]).toHaveLength(0); // its snapshot predates the commit
    expect(reader.count()).toBe(3);
    expect(reader.getMany([keyOf(2)]).size).toBe(1);
    expect(() => reader.put(singleRecord(4))).toThrow(/read-only/);
  });

  it('refuses a missing file when reading', () => {
    expect(() => JudgmentStore.open(file, { readonly: true })).toThrow(InputError);
    expect(() => JudgmentStore.open(file, { create: false })).toThrow(`${file}: no judgment store here`);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses a file that is not a SQLite database, naming it, without changing it', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const junk = 'this is not a database\n'.repeat(100);
    fs.writeFileSync(file, junk);
    for (const options of [{}, { readonly: true }]) {
      expect(() => JudgmentStore.open(file, options)).toThrow(
        `${file}: not a SQLite database (corrupt, or another kind of file)`,
      );
    }
    expect(fs.readFileSync(file, 'utf8')).toBe(junk);
  });

  it('refuses another kind of SQLite database without converting it', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const other = new Database(file);
    other.exec('CREATE TABLE notes (text TEXT)');
    other.close();
    expect(() => JudgmentStore.open(file)).toThrow(`${file}: a SQLite database, but not a judgment store`);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
    check.close();
  });

  it('refuses a store written by a newer harness', () => {
    openStore().put(singleRecord(1));
    for (const s of open.splice(0)) s.close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    for (const options of [{}, { readonly: true }]) {
      expect(() => JudgmentStore.open(file, options)).toThrow(
        `${file}: judgment store schema version ${SCHEMA_VERSION + 1} is newer than this harness supports (${SCHEMA_VERSION})`,
      );
    }
  });

  it('round-trips a capped text and counted tokens, and refuses records that do not hold together', () => {
    const store = openStore();
    const capped = singleRecord(1, {
      text: `${'x'.repeat(MAX_STORED_TEXT_CHARS)} [cut] Rating: [[3]]`,
      textOriginalChars: 3_000_000,
      tokenSource: 'counted',
    });
    store.put(capped);
    expect(store.get(keyOf(1))).toEqual(capped);
    expect(() => store.put(singleRecord(2, { text: 'x'.repeat(MAX_STORED_TEXT_CHARS + 1) }))).toThrow(
      /stored capped/,
    );
    expect(() => store.put(singleRecord(3, { textOriginalChars: 10 }))).toThrow(
      /not the length of a capped text/,
    );
    expect(() => store.put(singleRecord(4, { tokenSource: null }))).toThrow(/go together/);
    expect(() =>
      store.put(singleRecord(5, { promptTokens: null, completionTokens: null, tokenSource: 'server' })),
    ).toThrow(/go together/);
    expect(store.count()).toBe(1);
  });

  it('migrates a version 1 store when opened for writing: sources, caps, and drops answers without text', () => {
    openStore().put(singleRecord(9));
    for (const s of open.splice(0)) s.close();
    const huge = `${'A long critique. '.repeat(10_000)}Rating: [[4]]`;
    downgradeToVersion1(file, [
      singleRecord(1),
      singleRecord(2, { promptTokens: null, completionTokens: null, tokenSource: null }),
      // what version 1 made of an answer with `text: null`: an empty, unparsed judgment
      unparsedRecord(3, { text: '', unparsedReason: 'no rating (no "Rating: [[")', finishReason: 'stop' }),
      singleRecord(4, { text: huge, rating: 4 }),
    ]);

    // read-only: read as it is, nothing changed on disk
    const reader = openStore({ readonly: true });
    expect(reader.count()).toBe(5);
    expect(reader.get(keyOf(1))).toEqual(singleRecord(1));
    expect(reader.get(keyOf(2))).toMatchObject({ promptTokens: null, tokenSource: null });
    expect(reader.get(keyOf(4))).toMatchObject({ text: huge, textOriginalChars: null });
    reader.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    raw.close();

    const store = openStore();
    expect(store.count()).toBe(4);
    expect(store.get(keyOf(3))).toBeUndefined(); // asked again by the next run
    expect(store.get(keyOf(1))).toEqual(singleRecord(1));
    expect(store.get(keyOf(9))).toEqual(singleRecord(9));
    expect(store.get(keyOf(2))).toMatchObject({ promptTokens: null, tokenSource: null });
    const capped = store.get(keyOf(4))!;
    expect(capped.textOriginalChars).toBe(huge.length);
    expect(capped.text.length).toBeLessThan(MAX_STORED_TEXT_CHARS + 100);
    expect(capped.text.endsWith('Rating: [[4]]')).toBe(true);
    expect(capped.text).toMatch(/\n\[autoj-bench: \d+ characters of this answer cut here\]\n/);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
    expect(store.integrityCheck()).toEqual([]);
  });

  it('initialises an empty file but refuses to read one', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
    expect(() => JudgmentStore.open(file, { readonly: true })).toThrow(`${file}: an empty database`);
    expect(openStore().count()).toBe(0);
  });
});

function readIfExists(f: string): string {
  return fs.existsSync(f) ? fs.readFileSync(f).toString('latin1') : '';
}

describe('JudgmentStore: expected ratings (schema version 4)', () => {
  const exact = { value: 6.25, approximated: false };
  const approximated = { value: 8.5, approximated: true };
  const missing = { value: null, approximated: false };

  it('keeps the expected rating with the judgment, and none for a judgment stored without', () => {
    const store = openStore();
    store.putMany([
      singleRecord(1, { expected: exact }),
      singleRecord(2, { expected: approximated }),
      singleRecord(3, { expected: missing }),
      singleRecord(4),
    ]);
    expect(store.get(keyOf(1))!.expected).toEqual(exact);
    expect(store.get(keyOf(2))!.expected).toEqual(approximated);
    expect(store.get(keyOf(3))!.expected).toEqual(missing);
    expect(store.get(keyOf(4))).toEqual(singleRecord(4));
    const outcomes = store.getOutcomes([1, 2, 3, 4].map(keyOf));
    expect(outcomes.get(keyOf(1))!.expected).toEqual(exact);
    expect(outcomes.get(keyOf(3))!.expected).toEqual(missing);
    expect(outcomes.get(keyOf(4))!).not.toHaveProperty('expected');
    expect([...store.iterate()].map((j) => j.expected)).toEqual([exact, approximated, missing, undefined]);
  });

  it('refuses an expected rating that is not a number, or without a parsed rating', () => {
    const store = openStore();
    expect(() => store.put(singleRecord(1, { expected: { value: NaN, approximated: false } }))).toThrow(
      /expected rating NaN/,
    );
    expect(() => store.put(unparsedRecord(2, { expected: exact }))).toThrow(/goes with a parsed rating/);
    expect(store.count()).toBe(0);
  });

  it('fills in the expected rating of a judgment stored without one, from the same answer only', () => {
    const store = openStore();
    store.putMany([singleRecord(1), singleRecord(2), singleRecord(3, { expected: exact })]);
    // asked again: the same text and rating fill it in; the first answer stays otherwise
    expect(store.put(singleRecord(1, { expected: approximated, latencyMs: 1 }))).toBe(false);
    expect(store.get(keyOf(1))).toEqual(singleRecord(1, { expected: approximated }));
    // another answer (not the same text): recorded as missing, the stored rating kept
    const other = singleRecord(2, { text: 'Another critique. Rating: [[9]]', rating: 9, expected: exact });
    store.put(other);
    expect(store.get(keyOf(2))).toEqual(singleRecord(2, { expected: missing }));
    // one that has an expected rating keeps it
    store.put(singleRecord(3, { expected: approximated }));
    expect(store.get(keyOf(3))!.expected).toEqual(exact);
    expect(store.count()).toBe(3);
  });

  it('migrates a version 3 store: its judgments have no expected rating, and can get one', () => {
    openStore().putMany([singleRecord(1), singleRecord(2)]);
    for (const s of open.splice(0)) s.close();
    downgradeToVersion3(file);
    const reader = openStore({ readonly: true });
    expect(reader.get(keyOf(1))).toEqual(singleRecord(1));
    expect(reader.getOutcomes([keyOf(1)]).get(keyOf(1))).not.toHaveProperty('expected');
    reader.close();
    const store = openStore();
    expect(store.get(keyOf(2))).toEqual(singleRecord(2));
    store.put(singleRecord(2, { expected: exact }));
    expect(store.get(keyOf(2))!.expected).toEqual(exact);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
  });
});

describe('JudgmentStore: the memo of derived values (schema version 6)', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  const text = (value: Uint8Array | undefined) => (value ? new TextDecoder().decode(value) : undefined);

  it('keeps values by key, the last one written winning, and finds only what it has', () => {
    const store = openStore();
    store.commit({ records: [], usages: [], memos: [{ key: 'a', value: bytes('one'), code: 'c1' }] });
    store.commit({
      records: [],
      usages: [],
      memos: [
        { key: 'a', value: bytes('two'), code: 'c1' },
        { key: 'b', value: bytes('b'), code: 'c1' },
      ],
    });
    const found = store.getMemos(['a', 'b', 'c']);
    expect(text(found.get('a'))).toBe('two');
    expect(text(found.get('b'))).toBe('b');
    expect(found.has('c')).toBe(false);
  });

  it("holds one build's values: another build's go as soon as this one stores its own", () => {
    const store = openStore();
    store.commit({ records: [], usages: [], memos: [{ key: 'old', value: bytes('o'), code: 'build-1' }] });
    store.commit({ records: [], usages: [], memos: [{ key: 'same', value: bytes('s'), code: 'build-1' }] });
    expect(store.getMemos(['old', 'same']).size).toBe(2);
    store.commit({ records: [], usages: [], memos: [{ key: 'new', value: bytes('n'), code: 'build-2' }] });
    expect([...store.getMemos(['old', 'same', 'new']).keys()]).toEqual(['new']);
  });

  it('is emptied in the transaction that changes a stored judgment: an expected rating filled in, a replace, a reparse', () => {
    const store = openStore();
    const remember = () =>
      store.commit({ records: [], usages: [], memos: [{ key: 'm', value: bytes('v'), code: 'c1' }] });
    store.putMany([singleRecord(1), singleRecord(2)]);
    remember();
    // a new judgment changes nothing derived from the others
    store.put(singleRecord(3));
    expect(store.getMemos(['m']).size).toBe(1);
    store.put(singleRecord(1, { expected: { value: 6.25, approximated: false } }));
    expect(store.getMemos(['m']).size).toBe(0);
    remember();
    store.put(singleRecord(2, { rating: 3 }), { replace: true });
    expect(store.getMemos(['m']).size).toBe(0);
    remember();
    // a reparse that changes nothing keeps it; one that changes a rating empties it
    store.reparse((j) => ({ status: 'ok', rating: j.rating ?? undefined }));
    expect(store.getMemos(['m']).size).toBe(1);
    store.reparse(() => ({ status: 'unparsed', reason: 'a stricter parser' }));
    expect(store.getMemos(['m']).size).toBe(0);
  });

  it('fills in every expected rating of one commit, not only the first (the memo is emptied once)', () => {
    const store = openStore();
    store.putMany([singleRecord(1), singleRecord(2), singleRecord(3)]);
    const exact = { value: 6.25, approximated: false };
    store.putMany([1, 2, 3].map((i) => singleRecord(i, { expected: exact })));
    for (const i of [1, 2, 3]) expect(store.get(keyOf(i))!.expected).toEqual(exact);
  });

  it('migrates a version 5 store (no memo table) when opened for writing; read without migrating it has none', () => {
    openStore().putMany([singleRecord(1)]);
    for (const s of open.splice(0)) s.close();
    const raw = new Database(file);
    raw.exec('DROP TABLE memo');
    raw.pragma('user_version = 5');
    raw.close();
    const reader = openStore({ readonly: true });
    expect(reader.getMemos(['m']).size).toBe(0);
    reader.close();
    const store = openStore();
    store.commit({ records: [], usages: [], memos: [{ key: 'm', value: bytes('v'), code: 'c1' }] });
    expect(text(store.getMemos(['m']).get('m'))).toBe('v');
    expect(store.get(keyOf(1))).toEqual(singleRecord(1));
  });
});
