import type Database from 'better-sqlite3';
import { InputError } from '../core/errors.js';

/**
 * The store's on-disk identity. `application_id` (in the SQLite header) says "this is a
 * judgment store"; `user_version` is the schema version. A store written by a newer harness
 * (higher version) is refused with a message, never read or migrated blindly.
 */
export const APPLICATION_ID = 0x414a4253; // 'AJBS': Auto-J bench store
export const SCHEMA_VERSION = 1;

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

export type SchemaState = 'current' | 'empty';

/**
 * Reads the header and says whether the file is an empty database (to be initialised) or
 * a current judgment store; throws an InputError naming the file otherwise.
 */
export function inspectSchema(db: Database.Database, file: string): SchemaState {
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
    if (version !== SCHEMA_VERSION) {
      throw new InputError(file, `judgment store with unknown schema version ${version}`);
    }
    return 'current';
  }
  const objects = db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number;
  if (appId === 0 && version === 0 && objects === 0) return 'empty';
  throw new InputError(
    file,
    'a SQLite database, but not a judgment store (unknown application id or tables)',
  );
}

/** Creates the schema in an empty database; runs inside the caller's write transaction. */
export function createSchema(db: Database.Database): void {
  db.exec(SCHEMA_V1);
  db.pragma(`application_id = ${APPLICATION_ID}`);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}
