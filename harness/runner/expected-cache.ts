import type { JudgmentCache } from './run-judgments.js';

/**
 * The store as a run scoring by expected rating sees it: a stored rating without an
 * expected one (stored before the judge asked for logprobs) is not a hit, so the run asks
 * for it again, with logprobs, and the store fills its expected rating in
 * (JudgmentStore.commit). Asking for logprobs does not change the judgment key, so the
 * stored ratings of older stores stay valid; nothing else is sent again.
 */
export function askingForExpectedRatings(cache: JudgmentCache): JudgmentCache {
  return {
    lookup(keys) {
      const found = cache.lookup(keys);
      for (const [key, hit] of found) {
        const j = hit.parsed;
        if (j.kind === 'ok' && j.rating !== undefined && j.expected === undefined) found.delete(key);
      }
      return found;
    },
    record: (entry) => cache.record(entry),
    ...(cache.tag
      ? { tag: (entries: Parameters<NonNullable<JudgmentCache['tag']>>[0]) => cache.tag!(entries) }
      : {}),
    flush: () => cache.flush(),
    ...(cache.onFailure
      ? { onFailure: (listener: (error: unknown) => void) => cache.onFailure!(listener) }
      : {}),
    get committed() {
      return cache.committed;
    },
    // values derived from the store: the suite memoises only what this view does not change
    ...(cache.memo ? { memo: cache.memo } : {}),
  };
}
