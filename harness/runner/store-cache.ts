import { codeIdentity } from '../core/code-identity.js';
import type { JudgeInfo } from '../core/types.js';
import type { JudgmentStore } from '../store/judgment-store.js';
import { judgmentRecord, storedJudgment } from '../store/record.js';
import { JudgmentWriter } from '../store/writer.js';
import type { JudgmentCache } from './run-judgments.js';

/**
 * The runner's view of the judgment store: lookups of outcomes only (no raw text), and a
 * buffered writer that commits every 100 ms, so a killed run loses at most what was in
 * flight or in the last fraction of a second. A failed commit is told to the runs
 * listening (`onFailure`) at once, from the writer's timer if need be, so they stop.
 */
export function storeJudgmentCache(
  store: JudgmentStore,
  judge: JudgeInfo,
): JudgmentCache & { close(): void } {
  const listeners = new Set<(error: unknown) => void>();
  /** the writer's failure, and whether a run was told (and so reports it) */
  let failure: { error: unknown; told: boolean } | undefined;
  const writer = new JudgmentWriter(store, {
    onError: (error) => {
      failure ??= { error, told: false };
      for (const listener of [...listeners]) {
        failure.told = true;
        listener(error);
      }
    },
  });
  return {
    get committed() {
      return writer.written;
    },
    onFailure(listener) {
      listeners.add(listener);
      if (failure) {
        failure.told = true;
        listener(failure.error);
      }
      return () => listeners.delete(listener);
    },
    lookup(keys) {
      const found = new Map<string, { parsed: ReturnType<typeof storedJudgment> }>();
      for (const [key, outcome] of store.getOutcomes(keys))
        found.set(key, { parsed: storedJudgment(outcome) });
      return found;
    },
    lookupTasks(identity, digests) {
      const found = new Map<string, { key: string; parsed: ReturnType<typeof storedJudgment> }>();
      for (const [digest, outcome] of store.getOutcomesByTask(identity, digests))
        found.set(digest, { key: outcome.key, parsed: storedJudgment(outcome) });
      return found;
    },
    tagged(subjects) {
      const bySuite = new Map<string, string[]>();
      for (const s of subjects) bySuite.set(s.suite, [...(bySuite.get(s.suite) ?? []), s.subject]);
      const out = new Map<string, Map<string, Set<string>>>();
      for (const [suite, names] of bySuite) out.set(suite, store.usedKeys(suite, names));
      return out;
    },
    index(identity, rows) {
      writer.indexTasks(rows.map((r) => ({ identity, digest: r.digest, key: r.key })));
    },
    record({ request, completion, parsed, subjects, index }) {
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
        index ? index.digests.map((digest) => ({ identity: index.identity, digest })) : [],
      );
    },
    memo: {
      recall: (keys) => store.getMemos(keys),
      remember: (key, value) => writer.remember([{ key, value, code: codeIdentity() }]),
    },
    tag(entries) {
      writer.tag(entries.map((e) => ({ key: e.key, suite: e.subject.suite, subject: e.subject.subject })));
    },
    flush() {
      writer.flush();
    },
    close() {
      try {
        writer.close();
      } catch (e) {
        // a run reported this failure already (with what is stored); a new one is thrown
        if (!failure?.told || e !== failure.error) throw e;
      }
    },
  };
}
