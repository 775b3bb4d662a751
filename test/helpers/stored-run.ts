import { EndpointPool } from '../../harness/client/endpoint-pool.js';
import type { JudgeInfo } from '../../harness/core/types.js';
import type { RunOptions } from '../../harness/runner/run-judgments.js';
import { storeJudgmentCache } from '../../harness/runner/store-cache.js';
import { JudgmentStore } from '../../harness/store/judgment-store.js';

/**
 * The judging stack a run uses, as the CLI wires it: an endpoint pool on `url` as the
 * client, the judgment store at `storeFile` as the cache (for the judge `info`). `work`
 * gets the runner's options; everything is closed afterwards, so the next run reopens
 * the store as a rerun would.
 */
export async function withStoredRun<T>(
  url: string,
  storeFile: string,
  info: JudgeInfo,
  work: (run: Omit<RunOptions, 'label' | 'subjects'>) => Promise<T>,
  options: { readonly batchSize?: number } = {},
): Promise<T> {
  const pool = new EndpointPool({ endpoints: [url], timeoutMs: 10_000 });
  const store = JudgmentStore.open(storeFile);
  const cache = storeJudgmentCache(store, info);
  try {
    return await work({
      signal: new AbortController().signal,
      cache,
      client: { complete: (r, s) => pool.complete(r, s), completeBatch: (r, s) => pool.completeBatch(r, s) },
      batchSize: options.batchSize ?? 8,
    });
  } finally {
    cache.close();
    store.close();
    pool.close();
  }
}
