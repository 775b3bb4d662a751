import type { JudgeInfo } from '../core/types.js';
import type { JudgmentStore } from '../store/judgment-store.js';
import { judgmentRecord, storedJudgment } from '../store/record.js';
import { JudgmentWriter } from '../store/writer.js';
import type { JudgmentCache } from './run-judgments.js';

/**
 * The runner's view of the judgment store: lookups of outcomes only (no raw text), and a
 * buffered writer that commits every 100 ms, so a killed run loses at most what was in
 * flight or in the last fraction of a second.
 */
export function storeJudgmentCache(
  store: JudgmentStore,
  judge: JudgeInfo,
): JudgmentCache & { close(): void } {
  const writer = new JudgmentWriter(store);
  return {
    lookup(keys) {
      const found = new Map<string, { parsed: ReturnType<typeof storedJudgment> }>();
      for (const [key, outcome] of store.getOutcomes(keys))
        found.set(key, { parsed: storedJudgment(outcome) });
      return found;
    },
    record({ request, completion, parsed, subjects }) {
      writer.add(
        judgmentRecord({
          judge,
          request,
          completion,
          parsed,
          latencyMs: completion.latencyMs,
          endpoint: completion.endpoint,
          createdAt: new Date(),
        }),
        subjects,
      );
    },
    tag(entries) {
      writer.tag(entries.map((e) => ({ key: e.key, suite: e.subject.suite, subject: e.subject.subject })));
    },
    flush() {
      writer.flush();
    },
    close() {
      writer.close();
    },
  };
}
