import { existsSync } from 'node:fs';
import { errorMessage } from '../core/errors.js';
import { assembleJudgeTable, type JudgeTable, type SummarisedRun } from '../leaderboard/judges.js';
import { runArchiveOf } from '../report/load.js';
import { JudgmentStore, type JudgeTiming } from '../store/judgment-store.js';
import { listRuns, type RunEnvelope } from '../store/run-archive.js';
import type { SuiteRegistry } from '../suite/registry.js';

/**
 * The judge leaderboard from the run archive and the store: every archived run of a suite
 * that summarises its judge (newest first, checked as the report checks them), and the
 * store's latencies for the speed. A store that is missing or cannot be read gives no
 * speed (with a warning when it was named).
 */
export async function loadJudgeTable(
  suites: SuiteRegistry,
  runsDir: string,
  store: { readonly file: string; readonly named: boolean },
  warn: (message: string) => void,
): Promise<JudgeTable> {
  const archived = await listRuns(runsDir);
  const runs: SummarisedRun[] = [];
  for (const suite of suites.suites) {
    if (!suite.judgeSummary) continue;
    const archive = runArchiveOf<RunEnvelope>(archived, suite, warn);
    for (const run of archive.runs) {
      const doc = await archive.read(run.file);
      if (!doc) continue;
      try {
        const summary = suite.judgeSummary(doc);
        if (summary)
          runs.push({
            suite: suite.name,
            file: run.file,
            finishedAt: doc.manifest?.finishedAt ?? run.finishedAt,
            summary,
          });
      } catch (e) {
        warn(`${run.file}: cannot summarise the run (${errorMessage(e)}; skipped)`);
      }
    }
  }
  return {
    suites: suites.suites
      .filter((s) => s.judgeSummary)
      .map((s) => ({ name: s.name, description: s.description })),
    ...assembleJudgeTable(runs, readTimings(store, warn)),
  };
}

function readTimings(
  store: { readonly file: string; readonly named: boolean },
  warn: (m: string) => void,
): JudgeTiming[] {
  if (!existsSync(store.file)) {
    if (store.named) warn(`${store.file}: no judgment store there; no speed figures`);
    return [];
  }
  try {
    const s = JudgmentStore.open(store.file, { readonly: true });
    try {
      return s.timing();
    } finally {
      s.close();
    }
  } catch (e) {
    warn(`${errorMessage(e)}; no speed figures`);
    return [];
  }
}
