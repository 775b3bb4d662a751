import { deserialize, serialize } from 'node:v8';
import { codeIdentity } from '../core/code-identity.js';
import { sha256Hex } from '../core/hash.js';
import type { Memo } from './run-judgments.js';

/**
 * The key of a memoised value: its kind, then a digest of everything it is computed from
 * (`parts`, JSON), of the code that computes it (`codeIdentity`) and of the serialisation
 * (V8's, by V8 version). Two keys are equal only if the value would be computed again equal.
 */
export function memoKey(kind: string, parts: readonly unknown[]): string {
  return `${kind}/${sha256Hex(JSON.stringify([codeIdentity(), process.versions.v8, ...parts]))}`;
}

/** The values memoised under these keys; one that cannot be read back counts as absent (computed again). */
export function recallMemo<T>(memo: Memo, keys: readonly string[]): Map<string, T> {
  const found = new Map<string, T>();
  for (const [key, bytes] of memo.recall(keys)) {
    try {
      found.set(key, deserialize(bytes) as T);
    } catch {
      // a damaged value: computed again, and remembered over
    }
  }
  return found;
}

/** Memoises `value` (structured-clone data: plain objects, arrays, typed arrays, NaN). */
export function rememberMemo(memo: Memo, key: string, value: unknown): void {
  memo.remember(key, serialize(value));
}
