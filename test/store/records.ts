import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import type { JudgmentRecord } from '../../harness/store/record.js';

/** A fresh temporary folder for one test, removed by the returned cleanup. */
export function tempDir(prefix = 'bench-store-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function keyOf(i: number | string): string {
  return createHash('sha256').update(String(i)).digest('hex');
}

/** A plausible single-protocol Auto-J judgment; `i` makes the key and the rating. */
export function singleRecord(i: number, overrides: Partial<JudgmentRecord> = {}): JudgmentRecord {
  const rating = (i % 10) + 1;
  return {
    key: keyOf(i),
    judge: 'autoj',
    model: 'GAIR/autoj-13b',
    templateVersion: '0123456789abcdef',
    protocol: 'single',
    text: `The response answers the query (${i}). Rating: [[${rating}]]`,
    textOriginalChars: null,
    status: 'ok',
    rating,
    verdict: null,
    unparsedReason: null,
    finishReason: 'stop',
    truncation: null,
    promptTokens: 420 + (i % 7),
    completionTokens: 150,
    tokenSource: 'server',
    latencyMs: 812.5,
    endpoint: 'http://127.0.0.1:8000/v1',
    createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i % 60)).toISOString(),
    ...overrides,
  };
}

/** A judgment whose critique was cut off: stored, counted as unparsed. */
export function unparsedRecord(i: number, overrides: Partial<JudgmentRecord> = {}): JudgmentRecord {
  return singleRecord(i, {
    text: 'The response is thorough, but',
    status: 'unparsed',
    rating: null,
    unparsedReason: 'no "Rating: [[x]]" in the completion',
    finishReason: 'length',
    completionTokens: 1024,
    ...overrides,
  });
}

/**
 * Turns the store at `file` (closed) into one of schema version 1, as the harness wrote
 * before issue 9: without token_source and text_original_chars (nor issue 11's label, nor
 * issue 12's expected rating).
 * Then `rows` are inserted as version 1 would have (`text` in completions, tokens without
 * a source).
 */
export function downgradeToVersion1(file: string, rows: readonly JudgmentRecord[] = []): void {
  const db = new Database(file);
  try {
    db.exec(
      'ALTER TABLE judgments DROP COLUMN token_source; ALTER TABLE judgments DROP COLUMN text_original_chars; ' +
        'ALTER TABLE judgments DROP COLUMN label; ALTER TABLE judgments DROP COLUMN expected_rating; ' +
        'ALTER TABLE judgments DROP COLUMN expected_status',
    );
    const insert = db.prepare(
      `INSERT INTO judgments (key, judge, model, template_version, protocol, status, rating, verdict,
         unparsed_reason, finish_reason, prompt_tokens, completion_tokens, latency_ms, endpoint, created_at)
       VALUES (@key, @judge, @model, @templateVersion, @protocol, @status, @rating, @verdict,
         @unparsedReason, @finishReason, @promptTokens, @completionTokens, @latencyMs, @endpoint, @createdAt)`,
    );
    const text = db.prepare('INSERT INTO completions (id, text) VALUES (?, ?)');
    for (const r of rows) {
      const {
        truncation: _t,
        tokenSource: _s,
        textOriginalChars: _c,
        label: _l,
        expected: _e,
        text: body,
        ...columns
      } = r;
      text.run(insert.run(columns).lastInsertRowid, body);
    }
    db.pragma('user_version = 1');
  } finally {
    db.close();
  }
}

/** Turns the store at `file` (closed) into one of schema version 3: without issue 12's expected rating. */
export function downgradeToVersion3(file: string): void {
  const db = new Database(file);
  try {
    db.exec(
      'ALTER TABLE judgments DROP COLUMN expected_rating; ALTER TABLE judgments DROP COLUMN expected_status',
    );
    db.pragma('user_version = 3');
  } finally {
    db.close();
  }
}

/** The task index rows of the store at `file`, as `identity task key`, sorted. */
export function taskIndex(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT identity, task, key FROM task_index').raw().all() as string[][];
    return rows.map((r) => r.join(' ')).sort();
  } finally {
    db.close();
  }
}
