import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BenchError, InputError } from '../core/errors.js';
import type { Verdict } from '../core/types.js';
import {
  expectedFromColumns,
  expectedStatus,
  publicEndpoint,
  validateRecord,
  type JudgmentRecord,
  type ParseStatus,
  type Reparsed,
  type StoredJudgment,
  type StoredOutcome,
  type TaskIndexEntry,
  type Usage,
} from './record.js';
import {
  createSchema,
  inspectSchema,
  MEMO_VERSION,
  migrateSchema,
  SCHEMA_VERSION,
  TASK_INDEX_VERSION,
} from './schema.js';

export interface OpenOptions {
  /**
   * Open for reading only (`bench cache stats/export`, a second process looking on). The
   * file must exist and be a judgment store. Default false.
   */
  readonly readonly?: boolean;
  /** Create the file (and its folder) when missing. Default: true unless readonly. */
  readonly create?: boolean;
  /** How long to wait for another process's write lock before failing. Default 10 s. */
  readonly busyTimeoutMs?: number;
}

export interface Counts {
  readonly judgments: number;
  readonly ok: number;
  readonly unparsed: number;
}

export interface StoreStats {
  /** distinct judgments in the store */
  readonly totals: Counts;
  /** per judge profile and served model */
  readonly judges: readonly (Counts & { readonly judge: string; readonly model: string })[];
  /**
   * per judge, suite and subject (the model judged, or the pair). A judgment used by two
   * subjects counts for both, so these rows can add up to more than the totals.
   */
  readonly usages: readonly (Counts & {
    readonly judge: string;
    readonly model: string;
    readonly suite: string;
    readonly subject: string;
  })[];
  /** judgments that no suite/subject has tagged */
  readonly untagged: Counts;
  /** the memo of derived values (schema v6): how many, and their bytes */
  readonly memo: { readonly values: number; readonly bytes: number };
}

/** A judgment with the suites/subjects that use it, as `iterate` yields it for export. */
export interface ExportedJudgment extends StoredJudgment {
  readonly usages: readonly { readonly suite: string; readonly subject: string }[];
}

export interface ReparseResult {
  readonly examined: number;
  readonly changed: number;
}

/** Bound parameters per lookup query; a remainder is padded by repeating a key (IN ignores repeats). */
const LOOKUP_SIZES: readonly number[] = [1, 16, 128, 512];
const MAX_LOOKUP = 512;
const PAGE = 1000;

/**
 * Columns of a judgment, in the order `judgmentFromRow` reads them (raw rows are arrays),
 * for a store of `version` (a store of version 1, read without migrating it, has no
 * token_source, its counts being the server's, and no capped text).
 */
function allColumns(version: number): string {
  const added =
    version >= 2
      ? 'j.token_source, j.text_original_chars'
      : "CASE WHEN j.prompt_tokens IS NULL AND j.completion_tokens IS NULL THEN NULL ELSE 'server' END, NULL";
  return (
    'j.key, j.judge, j.model, j.template_version, j.protocol, j.status, j.rating, j.verdict, j.unparsed_reason, ' +
    'j.finish_reason, j.kept_chars, j.original_chars, j.prompt_tokens, j.completion_tokens, j.latency_ms, ' +
    `j.endpoint, j.created_at, c.text, ${added}, ${labelColumn(version)}, ${expectedColumns(version)}`
  );
}
/** the number of columns `allColumns` selects */
const ALL_COLUMN_COUNT = 23;
const FROM_ALL = 'judgments j JOIN completions c ON c.id = j.id';
/** Columns of an outcome, in the order `outcomeFromRow` reads them (a store before version 3 has no label). */
function outcomeColumns(version: number): string {
  return (
    'j.key, j.status, j.rating, j.verdict, j.unparsed_reason, j.finish_reason, j.kept_chars, j.original_chars, ' +
    `${labelColumn(version)}, ${expectedColumns(version)}`
  );
}
function labelColumn(version: number): string {
  return version >= 3 ? 'j.label' : 'NULL';
}
/** expected_rating and expected_status (version 4); a store before them has none */
function expectedColumns(version: number): string {
  return version >= 4 ? 'j.expected_rating, j.expected_status' : 'NULL, NULL';
}
const FROM_OUTCOMES = 'judgments j';

type Value = string | number | null;

/** A memo value (schema v6) by its key, and the code that computed it (`codeIdentity`). */
export interface MemoEntry {
  readonly key: string;
  readonly value: Uint8Array;
  readonly code: string;
}
type Row = readonly Value[];

/**
 * Every judgment the server returned, keyed by the judge's request key, in one SQLite file
 * (WAL: readers never block the writer, a second process can read while a run writes;
 * synchronous=NORMAL: a committed transaction survives the process being killed, only an
 * OS crash or power loss can lose the last ones). Errors are never stored.
 *
 * Synchronous by design (better-sqlite3): a commit of a hundred judgments takes a few
 * milliseconds, a lookup of a whole run's keys (170k) about a second; both block the event
 * loop meanwhile. A run looks its keys up with `getOutcomes` (no raw text) and writes
 * through a `JudgmentWriter`, which commits every ~100 ms so that a killed run loses at
 * most the judgments in flight.
 */
export class JudgmentStore {
  readonly file: string;
  readonly readonly: boolean;
  private readonly db: Database.Database;
  private readonly lookups = new Map<string, Database.Statement>();
  private readonly writes: Writes | undefined;
  /** the columns of a full judgment and of an outcome in this store's schema version */
  private readonly allColumns: string;
  private readonly outcomeColumns: string;
  private readonly version: number;
  private taskLookup: Database.Statement | undefined;
  private usageLookup: Database.Statement | undefined;
  private memoLookup: Database.Statement | undefined;

  private constructor(file: string, db: Database.Database, readonly: boolean, version: number) {
    this.file = file;
    this.db = db;
    this.readonly = readonly;
    this.version = version;
    this.writes = readonly ? undefined : prepareWrites(db);
    this.allColumns = allColumns(version);
    this.outcomeColumns = outcomeColumns(version);
  }

  /**
   * Opens (by default creating) the store at `file`. Throws an InputError naming the file
   * when it is missing (readonly / create: false), not a SQLite database, another kind of
   * SQLite database, or a judgment store from a newer harness. A store from an older
   * harness is migrated (schema.ts) unless opened read-only; then it is read as it is.
   */
  static open(file: string, options: OpenOptions = {}): JudgmentStore {
    const readonly = options.readonly ?? false;
    const create = !readonly && (options.create ?? true);
    if (!create && !fs.existsSync(file)) {
      throw new InputError(
        file,
        'no judgment store here (run a suite first, or pass --store / set BENCH_STORE)',
      );
    }
    if (create) fs.mkdirSync(path.dirname(file), { recursive: true });
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { readonly, fileMustExist: !create, timeout: options.busyTimeoutMs ?? 10_000 });
      const { state, version } = inspectSchema(db, file);
      // No memory-mapped reads: mapped pages count as the process's resident memory and
      // grow with the store (a rerun over all of AlpacaEval touched ~100 MB of them); reads
      // go through SQLite's page cache, bounded below: 8 MB, which a run fills whatever the
      // store's size (32 MB was a tenth of a cold run's peak; a warm rerun of 24 models took
      // no longer with 8: its reads miss a cache smaller than the store either way).
      db.pragma('mmap_size = 0');
      db.pragma('cache_size = -8192');
      if (readonly) {
        if (state === 'empty') throw new InputError(file, 'an empty database, not a judgment store');
        return new JudgmentStore(file, db, true, version);
      }
      const mode = db.pragma('journal_mode = WAL', { simple: true }) as string;
      if (mode.toLowerCase() !== 'wal') {
        throw new InputError(
          file,
          `cannot use WAL journal mode (got ${mode}); put the store on a local file system`,
        );
      }
      db.pragma('synchronous = NORMAL');
      db.pragma('journal_size_limit = 67108864');
      if (state !== 'current') {
        const conn = db;
        conn
          .transaction(() => {
            // Another process may have initialised or migrated the file since we looked.
            const now = inspectSchema(conn, file);
            if (now.state === 'empty') createSchema(conn);
            else if (now.state === 'older') migrateSchema(conn, now.version);
          })
          .immediate();
      }
      return new JudgmentStore(file, db, false, SCHEMA_VERSION);
    } catch (e) {
      db?.close();
      throw storeFailure(file, e);
    }
  }

  /** Full records (raw text included) for the keys present; absent keys are simply missing from the map. */
  getMany(keys: Iterable<string>): Map<string, StoredJudgment> {
    return this.lookup(keys, `SELECT ${this.allColumns} FROM ${FROM_ALL}`, judgmentFromRow);
  }

  /** Like `getMany` without the raw text: what a run needs to skip requests, at a fraction of the cost. */
  getOutcomes(keys: Iterable<string>): Map<string, StoredOutcome> {
    return this.lookup(keys, `SELECT ${this.outcomeColumns} FROM ${FROM_OUTCOMES}`, outcomeFromRow);
  }

  /**
   * What the task index holds for these task digests under a judge's request identity: the
   * outcome of each one's judgment (key included), by digest, in one query. A store before
   * the index's version (read without migrating it) has none: nothing is found, the run goes by key.
   */
  getOutcomesByTask(identity: string, digests: readonly string[]): Map<string, StoredOutcome> {
    const found = new Map<string, StoredOutcome>();
    if (digests.length === 0 || this.version < TASK_INDEX_VERSION) return found;
    return this.guard(() => {
      this.taskLookup ??= this.db
        .prepare(
          `SELECT t.task, ${this.outcomeColumns} FROM task_index t JOIN ${FROM_OUTCOMES} ON j.key = t.key ` +
            'WHERE t.identity = ? AND t.task IN (SELECT value FROM json_each(?))',
        )
        .raw();
      for (const row of this.taskLookup.all(identity, JSON.stringify(digests)) as Row[]) {
        found.set(row[0] as string, outcomeFromRow(row.slice(1)));
      }
      return found;
    });
  }

  /**
   * The keys a suite's subjects are tagged with already, by subject, in one query: a rerun
   * tags only what is new (a warm rerun of every model would otherwise rewrite 182k tags).
   */
  usedKeys(suite: string, subjects: readonly string[]): Map<string, Set<string>> {
    const found = new Map<string, Set<string>>();
    if (subjects.length === 0) return found;
    return this.guard(() => {
      this.usageLookup ??= this.db
        .prepare(
          'SELECT subject, key FROM usages WHERE suite = ? AND subject IN (SELECT value FROM json_each(?))',
        )
        .raw();
      for (const [subject, key] of this.usageLookup.all(suite, JSON.stringify(subjects)) as [
        string,
        string,
      ][]) {
        let keys = found.get(subject);
        if (!keys) found.set(subject, (keys = new Set()));
        keys.add(key);
      }
      return found;
    });
  }

  /**
   * The memo's values for these keys (schema v6), in one query; absent keys are missing
   * from the map. A store before the memo's version (read without migrating) has none.
   */
  getMemos(keys: readonly string[]): Map<string, Uint8Array> {
    const found = new Map<string, Uint8Array>();
    if (keys.length === 0 || this.version < MEMO_VERSION) return found;
    return this.guard(() => {
      this.memoLookup ??= this.db
        .prepare('SELECT key, value FROM memo WHERE key IN (SELECT value FROM json_each(?))')
        .raw();
      for (const [key, value] of this.memoLookup.all(JSON.stringify(keys)) as [string, Uint8Array][]) {
        found.set(key, value);
      }
      return found;
    });
  }

  get(key: string): StoredJudgment | undefined {
    return this.getMany([key]).get(key);
  }

  /** Number of judgments stored. */
  count(): number {
    return this.guard(() => this.db.prepare('SELECT count(*) FROM judgments').pluck().get() as number);
  }

  /** Stores one judgment; returns whether it was written. See `putMany`. */
  put(record: JudgmentRecord, options: { readonly replace?: boolean } = {}): boolean {
    return this.putMany([record], options) === 1;
  }

  /**
   * Stores judgments in one transaction and returns how many were written. A key already
   * present is left as it is (the first answer stays, so results computed from it stay
   * reproducible) unless `replace` is set. Endpoints are stripped of credentials.
   */
  putMany(records: readonly JudgmentRecord[], options: { readonly replace?: boolean } = {}): number {
    return this.commit({ records, usages: [], replace: options.replace ?? false });
  }

  /** Records which suite/subject uses which judgment (idempotent). */
  tag(usages: readonly Usage[]): void {
    this.commit({ records: [], usages });
  }

  /** Writes judgments and usages in one transaction; returns the number of judgments written. */
  commit(batch: {
    readonly records: readonly JudgmentRecord[];
    readonly usages: readonly Usage[];
    /** task index rows (of these records or of judgments stored before) */
    readonly index?: readonly TaskIndexEntry[];
    /** memo values (derived from judgments committed before them or with them) */
    readonly memos?: readonly MemoEntry[];
    readonly replace?: boolean;
  }): number {
    const w = this.writes;
    if (!w) throw new BenchError(`${this.file}: opened read-only`);
    for (const r of batch.records) validateRecord(r);
    const index = batch.index ?? [];
    const memos = batch.memos ?? [];
    if (batch.records.length === 0 && batch.usages.length === 0 && index.length === 0 && memos.length === 0)
      return 0;
    return this.guard(() =>
      this.db
        .transaction(() => {
          let written = 0;
          /** a stored judgment changed: what was derived from it is gone with it */
          let changedStored = false;
          for (const r of batch.records) {
            if (batch.replace) {
              const old = w.findId.get(r.key) as number | undefined;
              if (old !== undefined) {
                w.deleteJudgment.run(old);
                w.deleteText.run(old);
                changedStored = true;
              }
            }
            const params = toParams(r);
            const info = w.insert.run(params);
            if (info.changes === 1) {
              w.insertText.run(info.lastInsertRowid, r.text);
              written += 1;
            } else if (params.expectedStatus !== null) {
              // asked again for its expected rating (stored before logprobs were asked)
              const filled = w.fillExpected.run({
                key: r.key,
                text: r.text,
                rating: r.rating,
                expectedRating: params.expectedRating,
                expectedStatus: params.expectedStatus,
              }).changes;
              if (filled > 0) changedStored = true;
            }
          }
          for (const u of batch.usages) w.insertUsage.run(u.suite, u.subject, u.key);
          for (const t of index) w.insertTask.run(t.identity, t.digest, t.key);
          if (changedStored) w.clearMemo.run();
          const createdAt = new Date().toISOString();
          for (const code of new Set(memos.map((m) => m.code))) w.pruneMemo.run(code);
          for (const m of memos) w.insertMemo.run(m.key, m.value, m.code, createdAt);
          return written;
        })
        .immediate(),
    );
  }

  /** Counts per judge, per judge/suite/subject, untagged, and in total. */
  stats(): StoreStats {
    return this.guard(() => {
      const counts =
        "count(*) AS judgments, total(j.status = 'ok') AS ok, total(j.status = 'unparsed') AS unparsed";
      const totals = this.db.prepare(`SELECT ${counts} FROM judgments j`).get() as Counts;
      const judges = this.db
        .prepare(
          `SELECT j.judge, j.model, ${counts} FROM judgments j GROUP BY j.judge, j.model ORDER BY 1, 2`,
        )
        .all() as StoreStats['judges'];
      const usages = this.db
        .prepare(
          `SELECT j.judge, j.model, u.suite, u.subject, ${counts}
             FROM usages u JOIN judgments j ON j.key = u.key
            GROUP BY j.judge, j.model, u.suite, u.subject ORDER BY 1, 2, 3, 4`,
        )
        .all() as StoreStats['usages'];
      const untagged = this.db
        .prepare(
          `SELECT ${counts} FROM judgments j WHERE NOT EXISTS (SELECT 1 FROM usages u WHERE u.key = j.key)`,
        )
        .get() as Counts;
      const memo =
        this.version < MEMO_VERSION
          ? { values: 0, bytes: 0 }
          : (this.db
              .prepare('SELECT count(*) AS "values", total(length(value)) AS bytes FROM memo')
              .get() as {
              values: number;
              bytes: number;
            });
      return { totals, judges, usages, untagged, memo };
    });
  }

  /**
   * How long each judge's server was busy, from the stored latencies: a judgment occupied
   * its endpoint from `created_at - latency_ms` to `created_at` (stored when the answer
   * came). Overlapping judgments (a batch served together) count once: an endpoint's busy
   * time is the length of the union of its judgments' intervals, and the judge's wall time
   * the union over all its endpoints. Judgments without a latency (batch-engine answers)
   * are not timed. Read in one sorted pass; memory is per endpoint, not per judgment.
   * (Stored times are whole milliseconds: the rounding undoes julianday's float error.)
   */
  timing(): JudgeTiming[] {
    return this.guard(() => {
      const rows = this.db
        .prepare(
          `SELECT j.judge, coalesce(j.endpoint, ''), round((julianday(j.created_at) - 2440587.5) * 86400000.0) AS end_ms, j.latency_ms
             FROM judgments j WHERE j.latency_ms IS NOT NULL AND j.latency_ms >= 0
            ORDER BY 1, end_ms - j.latency_ms`,
        )
        .raw()
        .iterate() as IterableIterator<[string, string, number, number]>;
      const out: JudgeTiming[] = [];
      let current:
        { judge: string; timing: Mutable<JudgeTiming>; wall: Span; endpoints: Map<string, Span> } | undefined;
      const finish = () => {
        if (!current) return;
        current.timing.wallMs = closeSpan(current.wall);
        current.timing.busyMs = [...current.endpoints.values()].reduce((s, e) => s + closeSpan(e), 0);
        current.timing.endpoints = current.endpoints.size;
        out.push(current.timing);
      };
      for (const [judge, endpoint, end, latency] of rows) {
        if (!Number.isFinite(end)) continue;
        if (current?.judge !== judge) {
          finish();
          current = {
            judge,
            timing: { judge, judgments: 0, latencyMs: 0, busyMs: 0, wallMs: 0, endpoints: 0 },
            wall: { total: 0, start: NaN, end: NaN },
            endpoints: new Map(),
          };
        }
        const start = end - latency;
        current.timing.judgments += 1;
        current.timing.latencyMs += latency;
        addToSpan(current.wall, start, end);
        let span = current.endpoints.get(endpoint);
        if (!span) current.endpoints.set(endpoint, (span = { total: 0, start: NaN, end: NaN }));
        addToSpan(span, start, end);
      }
      finish();
      return out;
    });
  }

  /**
   * Every judgment in insertion order, with its usages, read lazily (for export). While
   * the iteration is in progress this connection cannot write; other connections can.
   */
  *iterate(): Generator<ExportedJudgment, void, undefined> {
    const rows = this.guard(
      () =>
        this.db
          .prepare(
            `SELECT ${this.allColumns},
                    (SELECT json_group_array(json_array(u.suite, u.subject)) FROM usages u WHERE u.key = j.key)
               FROM ${FROM_ALL} ORDER BY j.id`,
          )
          .raw()
          .iterate() as IterableIterator<Row>,
    );
    try {
      for (;;) {
        const next = this.guard(() => rows.next());
        if (next.done) return;
        const row = next.value;
        const pairs = JSON.parse(row[ALL_COLUMN_COUNT] as string) as [string, string][];
        yield { ...judgmentFromRow(row), usages: pairs.map(([suite, subject]) => ({ suite, subject })) };
      }
    } finally {
      rows.return?.();
    }
  }

  /**
   * Applies a (newer) parser to the stored raw text and updates the parsed fields where
   * they change; nothing is sent to a server. `filter` limits it to one judge/model.
   */
  reparse(
    parse: (stored: StoredJudgment) => Reparsed,
    filter: { readonly judge?: string; readonly model?: string } = {},
  ): ReparseResult {
    if (this.readonly) throw new BenchError(`${this.file}: opened read-only`);
    const where = ['j.key > @after'];
    if (filter.judge !== undefined) where.push('j.judge = @judge');
    if (filter.model !== undefined) where.push('j.model = @model');
    const page = this.guard(() =>
      this.db
        .prepare(
          `SELECT ${this.allColumns} FROM ${FROM_ALL} WHERE ${where.join(' AND ')} ORDER BY j.key LIMIT ${PAGE}`,
        )
        .raw(),
    );
    const update = this.guard(() =>
      this.db.prepare(
        'UPDATE judgments SET status = @status, rating = @rating, verdict = @verdict, label = @label, ' +
          'unparsed_reason = @reason WHERE key = @key',
      ),
    );
    let examined = 0;
    let changed = 0;
    let after = '';
    for (;;) {
      const params: Record<string, string> = { after };
      if (filter.judge !== undefined) params.judge = filter.judge;
      if (filter.model !== undefined) params.model = filter.model;
      const rows = this.guard(() => page.all(params) as Row[]);
      if (rows.length === 0) break;
      const updates: ReparseUpdate[] = [];
      for (const row of rows) {
        const stored = judgmentFromRow(row);
        const next = parse(stored);
        const u: ReparseUpdate =
          next.status === 'ok'
            ? {
                key: stored.key,
                status: 'ok',
                rating: next.rating ?? null,
                verdict: next.verdict ?? null,
                label: next.label ?? null,
                reason: null,
              }
            : {
                key: stored.key,
                status: 'unparsed',
                rating: null,
                verdict: null,
                label: null,
                reason: next.reason,
              };
        const { label: _label, expected, ...rest } = stored;
        validateRecord({
          ...rest,
          status: u.status,
          rating: u.rating,
          verdict: u.verdict,
          ...(u.label === null ? {} : { label: u.label }),
          // kept in its columns; it counts only beside a parsed rating
          ...(expected !== undefined && u.status === 'ok' && u.rating !== null ? { expected } : {}),
          unparsedReason: u.reason,
        });
        if (
          u.status !== stored.status ||
          u.rating !== stored.rating ||
          u.verdict !== stored.verdict ||
          u.label !== (stored.label ?? null) ||
          u.reason !== stored.unparsedReason
        ) {
          updates.push(u);
        }
      }
      this.guard(() =>
        this.db
          .transaction(() => {
            for (const u of updates) update.run(u);
            // what was derived from the judgments changed here is gone with them
            if (updates.length > 0) this.writes!.clearMemo.run();
          })
          .immediate(),
      );
      examined += rows.length;
      changed += updates.length;
      after = lastKey(rows[rows.length - 1]);
    }
    return { examined, changed };
  }

  /** Bytes on disk: the database file plus its write-ahead log. */
  sizeOnDisk(): number {
    let bytes = 0;
    for (const f of [this.file, `${this.file}-wal`]) {
      try {
        bytes += fs.statSync(f).size;
      } catch {
        // no write-ahead log at the moment
      }
    }
    return bytes;
  }

  /** Checks the whole file; returns SQLite's findings, an empty list when it is sound. */
  integrityCheck(): string[] {
    const result = this.guard(() => this.db.pragma('integrity_check') as { integrity_check: string }[]);
    return result.map((r) => r.integrity_check).filter((m) => m !== 'ok');
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private lookup<T>(keys: Iterable<string>, select: string, convert: (row: Row) => T): Map<string, T> {
    const unique = [...new Set(keys)];
    const found = new Map<string, T>();
    if (unique.length === 0) return found;
    this.guard(() =>
      // One read transaction: a consistent snapshot, and no lock taken per query.
      this.db.transaction(() => {
        for (let start = 0; start < unique.length; start += MAX_LOOKUP) {
          const chunk = unique.slice(start, start + MAX_LOOKUP);
          const size = LOOKUP_SIZES.find((n) => n >= chunk.length) ?? MAX_LOOKUP;
          const last = chunk[chunk.length - 1]!;
          while (chunk.length < size) chunk.push(last);
          for (const row of this.lookupStatement(select, size).all(chunk) as Row[]) {
            found.set(row[0] as string, convert(row));
          }
        }
      })(),
    );
    return found;
  }

  private lookupStatement(select: string, size: number): Database.Statement {
    const id = `${size} ${select}`;
    let statement = this.lookups.get(id);
    if (!statement) {
      const marks = new Array<string>(size).fill('?').join(', ');
      statement = this.db.prepare(`${select} WHERE j.key IN (${marks})`).raw();
      this.lookups.set(id, statement);
    }
    return statement;
  }

  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (e) {
      throw storeFailure(this.file, e);
    }
  }
}

interface ReparseUpdate {
  key: string;
  status: ParseStatus;
  rating: number | null;
  verdict: Verdict | null;
  label: string | null;
  reason: string | null;
}

interface Writes {
  insert: Database.Statement;
  insertTask: Database.Statement;
  insertText: Database.Statement;
  insertUsage: Database.Statement;
  findId: Database.Statement;
  deleteJudgment: Database.Statement;
  deleteText: Database.Statement;
  fillExpected: Database.Statement;
  insertMemo: Database.Statement;
  pruneMemo: Database.Statement;
  clearMemo: Database.Statement;
}

function prepareWrites(db: Database.Database): Writes {
  const columns =
    'key, judge, model, template_version, protocol, status, rating, verdict, unparsed_reason, finish_reason, ' +
    'kept_chars, original_chars, prompt_tokens, completion_tokens, latency_ms, endpoint, created_at, ' +
    'token_source, text_original_chars, label, expected_rating, expected_status';
  const values =
    '@key, @judge, @model, @templateVersion, @protocol, @status, @rating, @verdict, @unparsedReason, @finishReason, ' +
    '@keptChars, @originalChars, @promptTokens, @completionTokens, @latencyMs, @endpoint, @createdAt, ' +
    '@tokenSource, @textOriginalChars, @label, @expectedRating, @expectedStatus';
  return {
    insert: db.prepare(`INSERT INTO judgments (${columns}) VALUES (${values}) ON CONFLICT (key) DO NOTHING`),
    insertText: db.prepare('INSERT INTO completions (id, text) VALUES (?, ?)'),
    insertUsage: db.prepare('INSERT OR IGNORE INTO usages (suite, subject, key) VALUES (?, ?, ?)'),
    // the latest key a task was judged under wins (its judgment may have been replaced)
    insertTask: db.prepare('INSERT OR REPLACE INTO task_index (identity, task, key) VALUES (?, ?, ?)'),
    findId: db.prepare('SELECT id FROM judgments WHERE key = ?').pluck(),
    deleteJudgment: db.prepare('DELETE FROM judgments WHERE id = ?'),
    deleteText: db.prepare('DELETE FROM completions WHERE id = ?'),
    insertMemo: db.prepare('INSERT OR REPLACE INTO memo (key, value, code, created_at) VALUES (?, ?, ?, ?)'),
    pruneMemo: db.prepare('DELETE FROM memo WHERE code <> ?'),
    clearMemo: db.prepare('DELETE FROM memo'),
    // The first answer stays: only a stored judgment without an expected rating gets one,
    // and only from an answer with the same text and rating (greedy decoding repeats
    // itself; one that did not is recorded as missing, never mixed with the stored rating).
    fillExpected: db.prepare(
      `UPDATE judgments SET
         expected_rating = CASE WHEN same THEN @expectedRating END,
         expected_status = CASE WHEN same THEN @expectedStatus ELSE 'missing' END
       FROM (SELECT j.id AS id, (c.text = @text AND j.status = 'ok' AND j.rating IS @rating) AS same
               FROM judgments j JOIN completions c ON c.id = j.id WHERE j.key = @key) AS stored
       WHERE judgments.id = stored.id AND judgments.expected_status IS NULL`,
    ),
  };
}

function toParams(r: JudgmentRecord): Record<string, Value> {
  return {
    key: r.key,
    judge: r.judge,
    model: r.model,
    templateVersion: r.templateVersion,
    protocol: r.protocol,
    status: r.status,
    rating: r.rating,
    verdict: r.verdict,
    unparsedReason: r.unparsedReason,
    finishReason: r.finishReason,
    keptChars: r.truncation?.keptChars ?? null,
    originalChars: r.truncation?.originalChars ?? null,
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
    latencyMs: r.latencyMs,
    endpoint: r.endpoint === null ? null : publicEndpoint(r.endpoint),
    createdAt: r.createdAt,
    tokenSource: r.tokenSource,
    textOriginalChars: r.textOriginalChars,
    label: r.label ?? null,
    expectedRating: r.expected?.value ?? null,
    expectedStatus: expectedStatus(r.expected),
  };
}

function lastKey(row: Row | undefined): string {
  return row?.[0] as string;
}

function expectedOf(value: Value | undefined, status: Value | undefined): Pick<StoredOutcome, 'expected'> {
  const expected = expectedFromColumns(value, status);
  return expected === undefined ? {} : { expected };
}

/** Reads a raw row of OUTCOME_COLUMNS. */
function outcomeFromRow(row: Row): StoredOutcome {
  const kept = row[6] as number | null;
  const original = row[7] as number | null;
  return {
    key: row[0] as string,
    status: row[1] as ParseStatus,
    rating: row[2] as number | null,
    verdict: row[3] as Verdict | null,
    ...(row[8] === null || row[8] === undefined ? {} : { label: row[8] as string }),
    ...expectedOf(row[9], row[10]),
    unparsedReason: row[4] as string | null,
    finishReason: row[5] as string | null,
    truncation: kept === null || original === null ? null : { keptChars: kept, originalChars: original },
  };
}

/** Reads a raw row of `allColumns`. */
function judgmentFromRow(row: Row): StoredJudgment {
  const kept = row[10] as number | null;
  const original = row[11] as number | null;
  return {
    key: row[0] as string,
    judge: row[1] as string,
    model: row[2] as string,
    templateVersion: row[3] as string,
    protocol: row[4] as StoredJudgment['protocol'],
    text: row[17] as string,
    textOriginalChars: row[19] as number | null,
    status: row[5] as ParseStatus,
    rating: row[6] as number | null,
    verdict: row[7] as Verdict | null,
    ...(row[20] === null || row[20] === undefined ? {} : { label: row[20] as string }),
    ...expectedOf(row[21], row[22]),
    unparsedReason: row[8] as string | null,
    finishReason: row[9] as string | null,
    truncation: kept === null || original === null ? null : { keptChars: kept, originalChars: original },
    promptTokens: row[12] as number | null,
    completionTokens: row[13] as number | null,
    tokenSource: row[18] as StoredJudgment['tokenSource'],
    latencyMs: row[14] as number | null,
    endpoint: row[15] as string | null,
    createdAt: row[16] as string,
  };
}

/** Turns a SQLite failure into a one-line error naming the file; other errors pass through. */
export function storeFailure(file: string, e: unknown): unknown {
  if (e instanceof BenchError || !(e instanceof Database.SqliteError)) return e;
  const code = e.code;
  const problem =
    code === 'SQLITE_NOTADB'
      ? 'not a SQLite database (corrupt, or another kind of file)'
      : code.startsWith('SQLITE_CORRUPT')
        ? `the judgment store is corrupt (${e.message})`
        : code.startsWith('SQLITE_BUSY')
          ? 'locked by another process for longer than the busy timeout'
          : code.startsWith('SQLITE_CANTOPEN')
            ? 'cannot open the file (missing folder or no permission)'
            : code.startsWith('SQLITE_READONLY')
              ? 'the file is read-only'
              : code === 'SQLITE_FULL'
                ? 'disk full'
                : `SQLite error ${code}: ${e.message}`;
  return new InputError(file, problem, { cause: e });
}

/** A judge's stored latencies, as `JudgmentStore.timing` sums them. */
export interface JudgeTiming {
  readonly judge: string;
  /** judgments with a latency */
  readonly judgments: number;
  /** sum of their latencies */
  readonly latencyMs: number;
  /** sum over endpoints of the union of their judgments' intervals */
  readonly busyMs: number;
  /** union of all its judgments' intervals, whatever the endpoint */
  readonly wallMs: number;
  /** distinct endpoints that answered */
  readonly endpoints: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The union of intervals added in order of their starts: `total` of the closed ones, the open one. */
interface Span {
  total: number;
  start: number;
  end: number;
}

function addToSpan(span: Span, start: number, end: number): void {
  if (Number.isNaN(span.start)) {
    span.start = start;
    span.end = end;
  } else if (start <= span.end) {
    span.end = Math.max(span.end, end);
  } else {
    span.total += span.end - span.start;
    span.start = start;
    span.end = end;
  }
}

function closeSpan(span: Span): number {
  return Number.isNaN(span.start) ? span.total : span.total + span.end - span.start;
}
