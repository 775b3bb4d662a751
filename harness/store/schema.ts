import type Database from 'better-sqlite3';
import { InputError } from '../core/errors.js';
import { capText, MAX_STORED_TEXT_CHARS } from './record.js';

/**
 * The store's on-disk identity. `application_id` (in the SQLite header) says "this is a
 * judgment store"; `user_version` is the schema version. A store written by a newer harness
 * (higher version) is refused with a message, never read or migrated blindly; an older one
 * is migrated when opened for writing (`migrateSchema`) and read as it is otherwise.
 *
 * Versions: 1, the first; 2 (issue 9) records where token counts come from and the
 * length of a capped raw text; 3 (issue 11) the label of a classifier's judgment; 4
 * (issue 12) the expected rating from the judge's logprobs; 5 (issue 13) the task index.
 */
export const APPLICATION_ID = 0x414a4253; // 'AJBS': Auto-J bench store
export const SCHEMA_VERSION = 6;
/** the version that added the task index (V4_TO_V5) */
export const TASK_INDEX_VERSION = 5;
/** the version that added the memo of derived values (V5_TO_V6) */
export const MEMO_VERSION = 6;
/** the oldest version this harness reads and migrates */
export const OLDEST_SCHEMA_VERSION = 1;

const SCHEMA_V1 = `
-- One row per judgment, without the raw text, so that looking up a run's keys touches
-- small rows only. id is the rowid; key is the request key the judge computed.
CREATE TABLE judgments (
  id                INTEGER PRIMARY KEY,
  key               TEXT NOT NULL UNIQUE,
  judge             TEXT NOT NULL,
  model             TEXT NOT NULL,
  template_version  TEXT NOT NULL,
  protocol          TEXT NOT NULL CHECK (protocol IN ('single', 'pairwise')),
  status            TEXT NOT NULL CHECK (status IN ('ok', 'unparsed')),
  rating            REAL,
  verdict           TEXT CHECK (verdict IN ('first', 'second', 'tie')),
  unparsed_reason   TEXT,
  finish_reason     TEXT,
  kept_chars        INTEGER,
  original_chars    INTEGER,
  prompt_tokens     INTEGER,
  completion_tokens INTEGER,
  latency_ms        REAL,
  endpoint          TEXT,
  created_at        TEXT NOT NULL
);

-- The raw completion of judgments.id, written in the same transaction.
CREATE TABLE completions (
  id   INTEGER PRIMARY KEY,
  text TEXT NOT NULL
);

-- Which suite/subject used which judgment. No foreign key: a tag may be written before its
-- judgment (or for one that failed and was not stored); statistics join, so such tags do
-- not count.
CREATE TABLE usages (
  suite   TEXT NOT NULL,
  subject TEXT NOT NULL,
  key     TEXT NOT NULL,
  PRIMARY KEY (suite, subject, key)
) WITHOUT ROWID;
CREATE INDEX usages_key ON usages (key);
`;

/**
 * Version 2 (issue 9):
 * - `token_source`: where prompt_tokens/completion_tokens come from (the server's usage, or
 *   the judge's tokenizer for a prompt sent with others); version 1 had the server's only.
 * - `text_original_chars`: the length of a raw completion stored capped (record.ts).
 */
const V1_TO_V2 = `
ALTER TABLE judgments ADD COLUMN token_source TEXT CHECK (token_source IN ('server', 'counted', 'estimated'));
ALTER TABLE judgments ADD COLUMN text_original_chars INTEGER;
UPDATE judgments SET token_source = 'server' WHERE prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL;
-- Version 1 stored an answer without completion text (text null or missing) as an empty
-- one, for good: a later run trusted it and sent nothing. An empty completion cannot be
-- told from it, so every empty one is removed, to be asked again once.
DELETE FROM judgments WHERE id IN (SELECT id FROM completions WHERE text = '');
DELETE FROM completions WHERE text = '';
`;

/**
 * Version 3 (issue 11): `label`, the answer of a judge whose answer is one of a closed
 * list of names (the scenario classifier's scenario), for a parsed judgment of such a judge.
 */
const V2_TO_V3 = `
ALTER TABLE judgments ADD COLUMN label TEXT;
`;

/**
 * Version 4 (issue 12): the expected rating the judge's logprobs imply at its rating
 * position (harness/judge/generative/expected-rating.ts). `expected_status` is NULL for a
 * judgment stored without logprobs asked (every one before version 4, a judge that does
 * not rate): a run scoring by expected rating asks it again. `missing`: asked, but the
 * answer had none usable (expected_rating NULL); `approximated`: a "1" that may start
 * "10" was split by the documented approximation.
 */
const V3_TO_V4 = `
ALTER TABLE judgments ADD COLUMN expected_rating REAL;
ALTER TABLE judgments ADD COLUMN expected_status TEXT CHECK (expected_status IN ('exact', 'approximated', 'missing'));
`;

/**
 * Version 5 (issue 13): the task index, from a judge's request identity and the digest of
 * a task (its instruction and response(s): `taskDigest`) to the key of its judgment,
 * written in the transaction that writes the judgment (or, for a judgment stored before,
 * the first time a run finds it by key). A rerun looks its tasks up here in one query per
 * window instead of rendering, counting and hashing every prompt to learn its key. Rows
 * whose judgment is gone do not count (lookups join the judgments).
 */
const V4_TO_V5 = `
CREATE TABLE IF NOT EXISTS task_index (
  identity TEXT NOT NULL,
  task     TEXT NOT NULL,
  key      TEXT NOT NULL,
  PRIMARY KEY (identity, task)
) WITHOUT ROWID;
`;

/**
 * Version 6 (issue 13): `memo`, values derived from judgments and inputs (a model's
 * reduction to what aggregation needs, a statistic's bootstrap replicates), by a key that
 * names everything they are computed from (memo.ts). Derived, so it may be emptied at any
 * time; whatever changes a stored judgment empties it in the same transaction, and values
 * another build of the harness computed go as soon as this one stores its own (the memo
 * holds one build's values, not every build's).
 */
const V5_TO_V6 = `
CREATE TABLE IF NOT EXISTS memo (
  key        TEXT PRIMARY KEY,
  value      BLOB NOT NULL,
  -- the code that computed it (codeIdentity): values of other code are dropped as new ones come
  code       TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`;

export type SchemaState = 'current' | 'empty' | 'older';

/**
 * Reads the header and says whether the file is an empty database (to be initialised), a
 * current judgment store or an older one (with its version); throws an InputError naming
 * the file otherwise.
 */
export function inspectSchema(
  db: Database.Database,
  file: string,
): { readonly state: SchemaState; readonly version: number } {
  const appId = db.pragma('application_id', { simple: true }) as number;
  const version = db.pragma('user_version', { simple: true }) as number;
  if (appId === APPLICATION_ID) {
    if (version > SCHEMA_VERSION) {
      throw new InputError(
        file,
        `judgment store schema version ${version} is newer than this harness supports (${SCHEMA_VERSION}); ` +
          'upgrade the harness or use another --store',
      );
    }
    if (!Number.isInteger(version) || version < OLDEST_SCHEMA_VERSION) {
      throw new InputError(file, `judgment store with unknown schema version ${version}`);
    }
    return { state: version === SCHEMA_VERSION ? 'current' : 'older', version };
  }
  const objects = db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number;
  if (appId === 0 && version === 0 && objects === 0) return { state: 'empty', version };
  throw new InputError(
    file,
    'a SQLite database, but not a judgment store (unknown application id or tables)',
  );
}

/** Creates the schema in an empty database; runs inside the caller's write transaction. */
export function createSchema(db: Database.Database): void {
  db.exec(SCHEMA_V1);
  db.pragma(`application_id = ${APPLICATION_ID}`);
  migrateSchema(db, 1);
}

/**
 * Brings a store of version `from` to SCHEMA_VERSION; runs inside the caller's write
 * transaction, so a migration is whole or not at all.
 */
export function migrateSchema(db: Database.Database, from: number): void {
  if (from < 2) {
    db.exec(V1_TO_V2);
    capStoredTexts(db);
  }
  if (from < 3) db.exec(V2_TO_V3);
  if (from < 4) db.exec(V3_TO_V4);
  if (from < 5) db.exec(V4_TO_V5);
  if (from < 6) db.exec(V5_TO_V6);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

/** Caps raw texts stored before the cap existed (version 1 kept 60 MB ones). */
function capStoredTexts(db: Database.Database): void {
  // UTF-8 bytes are never fewer than UTF-16 units: this finds every text over the cap
  const ids = db
    .prepare('SELECT id FROM completions WHERE length(CAST(text AS BLOB)) > ?')
    .pluck()
    .all(MAX_STORED_TEXT_CHARS) as number[];
  const getText = db.prepare('SELECT text FROM completions WHERE id = ?').pluck();
  const setText = db.prepare('UPDATE completions SET text = ? WHERE id = ?');
  const setLength = db.prepare('UPDATE judgments SET text_original_chars = ? WHERE id = ?');
  for (const id of ids) {
    // one at a time: such texts can be tens of megabytes each
    const capped = capText(getText.get(id) as string);
    if (capped.originalChars === null) continue;
    setText.run(capped.text, id);
    setLength.run(capped.originalChars, id);
  }
}
