import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EndpointPool } from '../../harness/client/endpoint-pool.js';
import type { Verdict } from '../../harness/core/types.js';
import { createGenerativeJudge, resolveJudgeModel } from '../../harness/judge/generative/judge.js';
import { loadJudgeProfile } from '../../harness/judge/generative/load.js';
import type { Judge, PreparedRequest } from '../../harness/judge/judge.js';
import type { CompletionClient } from '../../harness/runner/run-judgments.js';
import { storeJudgmentCache } from '../../harness/runner/store-cache.js';
import { JudgmentStore } from '../../harness/store/judgment-store.js';
import { outcomeOf } from '../../suites/critique/compare.js';
import { loadCritiqueData, type CritiqueData, type CritiqueLanguage } from '../../suites/critique/data.js';
import { compareCritiques, critiqueTexts, writeCritiques } from '../../suites/critique/live.js';
import { scoreCritiqueSuite } from '../../suites/critique/score.js';
import { loggedSimForFile, readSimLog } from '../helpers/vllm-sim.js';

/**
 * Live critique mode end to end against two simulators: Auto-J (vllm-sim's default model)
 * writes the critiques, a chat model compares them with the references in the
 * authors' prompt; win / tie / lose equal what the comparator answered (its --log), mapped
 * back through the recorded order, and a rerun finds everything in the store.
 */

const DATA = new URL('../../../shared/data/auto-j', import.meta.url).pathname;
const COMPARATOR = 'gpt-4-sim';
const never = new AbortController().signal;
const judgeSim = loggedSimForFile('critique-sim-judge');
const comparatorSim = loggedSimForFile('critique-sim-comparator', [
  '--model',
  COMPARATOR,
  '--max-model-len',
  '16384',
  '--garble-rate',
  '0.15',
]);
const work = judgeSim.work;

const LETTERS: Record<string, Verdict> = { A: 'first', B: 'second', C: 'tie' };

/** The prompt vllm-sim sees for chat messages (their contents joined), hashed as it logs it. */
function simPromptHash(req: PreparedRequest): string {
  const prompt = `[INST] ${req.messages!.map((m) => m.content).join('\n')} [/INST]`;
  return createHash('sha256').update(prompt).digest('hex');
}

function client(pool: EndpointPool): CompletionClient {
  return { complete: (r, s) => pool.complete(r, s), completeBatch: (r, s) => pool.completeBatch(r, s) };
}

/** Both steps of a live run, each through its pool and the same store; closes everything. */
async function liveRun(data: CritiqueData, seed: number) {
  const judgePool = new EndpointPool({ endpoints: [judgeSim.sim().url], timeoutMs: 10_000 });
  const comparatorPool = new EndpointPool({ endpoints: [comparatorSim.sim().url], timeoutMs: 10_000 });
  const store = JudgmentStore.open(join(work, 'judgments.sqlite'));
  try {
    const judge: Judge = createGenerativeJudge(loadJudgeProfile('autoj'));
    const judgeCache = storeJudgmentCache(store, judge.info);
    const written = await writeCritiques(data, {
      judge,
      run: { signal: never, cache: judgeCache, client: client(judgePool), batchSize: 4 },
    });
    judgeCache.close();
    const critiques = critiqueTexts(written.judgments, (keys) => store.getMany(keys));

    const profile = loadJudgeProfile('critique-comparator');
    const probe = await comparatorPool.probe(never, (ids) => resolveJudgeModel(profile, ids));
    const comparator = createGenerativeJudge(profile, {
      protocol: 'pairwise',
      language: data.language,
      model: probe.model!,
      maxModelLen: probe.maxModelLen!,
    });
    const comparatorCache = storeJudgmentCache(store, comparator.info);
    const compared = await compareCritiques(data, critiques, {
      comparator,
      seed,
      run: { signal: never, cache: comparatorCache, client: client(comparatorPool) },
      answers: (keys) => store.getMany(keys),
    });
    comparatorCache.close();
    const requests = compared.plan.tasks.map((t) => (t === null ? null : comparator.prepare(t)));
    const result = scoreCritiqueSuite(data, compared.comparisons, {
      judge: { name: 'autoj', mode: 'live', description: 'Auto-J on vllm-sim' },
      comparator: {
        name: 'critique-comparator',
        model: comparator.model,
        description: `${COMPARATOR} on vllm-sim`,
      },
      order: { source: 'seeded', seed },
      critiques,
      bootstrap: { resamples: 100, seed: 1 },
    });
    return { written, compared, requests, critiques, result };
  } finally {
    store.close();
    judgePool.close();
    comparatorPool.close();
  }
}

async function subset(language: CritiqueLanguage, n: number): Promise<CritiqueData> {
  const data = await loadCritiqueData(DATA, language);
  // every 29th item: a spread of scenarios and groups
  return { ...data, items: data.items.filter((i) => i.index % 29 === 0).slice(0, n) };
}

describe.each([
  ['en', 8],
  ['zh', 4],
] as const)('live critique mode against vllm-sim (%s)', (language, n) => {
  it('win / tie / lose are what the comparator answered, mapped back through the recorded order; a rerun sends nothing', async () => {
    const data = await subset(language, n);
    await Promise.all([judgeSim.sim().reset(), comparatorSim.sim().reset()]);
    const before = (await readSimLog(comparatorSim.log, 0)).length;
    const run = await liveRun(data, 11);
    expect(run.written.summary).toMatchObject({ requested: n, sent: n, errors: 0 });
    expect(run.critiques.every((c) => typeof c === 'string' && c.length > 0)).toBe(true);

    const logged = new Map(
      (await readSimLog(comparatorSim.log, before + n)).slice(before).map((l) => [l.prompt_sha256, l]),
    );
    let expectedWins = 0;
    let expectedUnparsed = 0;
    run.result.items.forEach((item, i) => {
      const line = logged.get(simPromptHash(run.requests[i]!));
      expect(line, `item ${item.index}`).toBeDefined();
      expect(line!.protocol).toBe('critique-compare');
      // the critiques went in the recorded order: the judge's first unless exchanged
      const critique = run.critiques[i]!.trim();
      const reference = data.items[i]!.reference.trim();
      expect(line!.responses).toEqual(item.exchange ? [reference, critique] : [critique, reference]);
      if (line!.verdict === null) {
        expectedUnparsed++;
        expect(item.outcome).toBeNull();
        expect(item.problem).toMatch(/^no decision \(none of "A:", "B:", "C:" in the first line\)$/);
      } else {
        const outcome = outcomeOf(LETTERS[line!.verdict]!, item.exchange);
        expect(item.decision).toBe(line!.verdict);
        expect(item.outcome).toBe(outcome);
        if (outcome === 'win') expectedWins++;
      }
      expect(item.answer).toMatch(line!.verdict === null ? /^Both pieces/ : /^[ABC]: .*\n\nReason: /);
    });
    // both orders were voted on, so the mapping back was exercised both ways
    const voted = run.result.items.filter((i) => i.outcome !== null);
    expect(voted.some((i) => i.exchange)).toBe(true);
    expect(voted.some((i) => !i.exchange)).toBe(true);
    expect(run.result.overall.wins).toBe(expectedWins);
    expect(run.result.overall.unparsed).toBe(expectedUnparsed);
    expect(run.result.overall.n).toBe(n - expectedUnparsed);
    expect(run.result.order).toMatchObject({ source: 'seeded', seed: 11 });

    const requestsBefore = [
      (await judgeSim.sim().stats()).requests,
      (await comparatorSim.sim().stats()).requests,
    ];
    const again = await liveRun(data, 11);
    expect([(await judgeSim.sim().stats()).requests, (await comparatorSim.sim().stats()).requests]).toEqual(
      requestsBefore,
    );
    expect(again.written.summary).toMatchObject({ cached: n, sent: 0 });
    expect(again.compared.summary).toMatchObject({ cached: n, sent: 0 });
    expect(again.result.items).toEqual(run.result.items);
    expect(again.result.overall).toEqual(run.result.overall);
  });
});
