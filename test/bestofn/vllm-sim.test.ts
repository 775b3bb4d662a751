import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGenerativeJudge } from '../../harness/judge/generative/judge.js';
import { loadJudgeProfile } from '../../harness/judge/generative/load.js';
import { fileRatings, loadSelectionFile, type SelectionData } from '../../suites/bestofn/data.js';
import { candidateTasks, rateCandidates } from '../../suites/bestofn/live.js';
import { pickBest, scoreBestOfN } from '../../suites/bestofn/score.js';
import { withStoredRun } from '../helpers/stored-run.js';
import { loggedSimForFile, readSimLog } from '../helpers/vllm-sim.js';

/**
 * Live Best-of-N on the fixture: Auto-J (vllm-sim) rates all 192 candidates; the ratings
 * read are what the simulator logged, the picks follow from them, and a rerun sends nothing.
 */

const FIXTURE = new URL('../fixtures/bestofn/selection.jsonl', import.meta.url).pathname;
const { work, log, sim } = loggedSimForFile('bestofn-sim', ['--garble-rate', '0.05']);

const judge = createGenerativeJudge(loadJudgeProfile('autoj'));

function rate(data: SelectionData) {
  return withStoredRun(sim().url, join(work, 'judgments.sqlite'), judge.info, (run) =>
    rateCandidates(data, { judge, role: 'judge', run }),
  );
}

describe('live Best-of-N against vllm-sim', () => {
  it('the ratings are the logged ones, the picks their highest; a rerun sends nothing', async () => {
    const data = await loadSelectionFile(FIXTURE);
    await sim().reset();
    const first = await rate(data);
    expect(first.summary).toMatchObject({ requested: 192, sent: 192, errors: 0 });
    const logged = new Map((await readSimLog(log, 192)).map((l) => [l.prompt_sha256, l]));
    const tasks = candidateTasks(data);
    let unrated = 0;
    tasks.forEach((task, i) => {
      const line = logged.get(createHash('sha256').update(judge.prepare(task).prompt).digest('hex'));
      expect(line, `candidate ${i}`).toBeDefined();
      expect(line!.protocol).toBe('single');
      expect(first.ratings[Math.floor(i / 32)]![i % 32]).toBe(line!.rating);
      if (line!.rating === null) unrated++;
    });
    expect(unrated).toBeGreaterThan(0);

    const result = scoreBestOfN(data, {
      judge: { name: 'autoj', mode: 'live', description: 'Auto-J on vllm-sim' },
      rater: { name: 'fixture-rater', mode: 'recorded', description: 'the fixture rater' },
      judgeRatings: first.ratings,
      raterRatings: fileRatings(data, 'fixture-rater'),
      bootstrap: { resamples: 100, seed: 1 },
    });
    expect(result.unrated.judge).toBe(unrated);
    for (const [s, set] of result.picks.entries()) {
      for (const p of set.picks) expect(p.index).toBe(pickBest(first.ratings[s]!, p.size)?.index ?? null);
    }
    const requests = (await sim().stats()).requests;
    const again = await rate(data);
    expect((await sim().stats()).requests).toBe(requests);
    expect(again.summary).toMatchObject({ cached: 192, sent: 0 });
    expect(again.ratings).toEqual(first.ratings);
  });
});
