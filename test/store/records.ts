import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
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
    status: 'ok',
    rating,
    verdict: null,
    unparsedReason: null,
    finishReason: 'stop',
    truncation: null,
    promptTokens: 420 + (i % 7),
    completionTokens: 150,
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
