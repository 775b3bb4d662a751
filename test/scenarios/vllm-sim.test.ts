import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGenerativeJudge } from '../../harness/judge/generative/judge.js';
import { loadJudgeProfile } from '../../harness/judge/generative/load.js';
import { labelQueries, predictionsOf, scenarioTask } from '../../suites/scenarios/classify.js';
import { loadClassifierData, type ClassifierData } from '../../suites/scenarios/data.js';
import { scoreScenarioSuite } from '../../suites/scenarios/score.js';
import { withStoredRun } from '../helpers/stored-run.js';
import { loggedSimForFile, readSimLog } from '../helpers/vllm-sim.js';

/**
 * The scenario classifier against vllm-sim (which answers its prompt with a scenario name,
 * or garbles some): the prompts built from the test set reach the simulator as raw
 * prompts, the labels read are what it logged, the accuracy is the share of logged
 * answers equal to the test set's category, and a rerun finds every label in the store.
 */

const DATA = new URL('../../../shared/data/auto-j', import.meta.url).pathname;
const { work, log, sim } = loggedSimForFile('scenarios-sim', [
  '--model',
  'GAIR/autoj-scenario-classifier',
  '--garble-rate',
  '0.1',
]);

const classifier = createGenerativeJudge(loadJudgeProfile('autoj-scenario-classifier'));

function run(data: ClassifierData) {
  return withStoredRun(sim().url, join(work, 'judgments.sqlite'), classifier.info, (run) =>
    labelQueries(
      data.items.map((i) => i.query),
      {
        classifier,
        labels: data.labels,
        suite: 'scenarios',
        subject: (i) => `query ${data.items[i]!.index}`,
        run,
      },
    ),
  );
}

describe('the scenario classifier against vllm-sim', () => {
  it('accuracy is the share of logged answers equal to the category; unparsed ones are counted; a rerun sends nothing', async () => {
    const all = await loadClassifierData(DATA);
    // every 7th query: 89 of the 623, some with an input
    const data = { ...all, items: all.items.filter((i) => i.index % 7 === 0) };
    expect(data.items.some((i) => i.input !== '')).toBe(true);
    await sim().reset();
    const first = await run(data);
    expect(first.summary).toMatchObject({ requested: data.items.length, sent: data.items.length, errors: 0 });

    const logged = new Map((await readSimLog(log, data.items.length)).map((l) => [l.prompt_sha256, l]));
    let equal = 0;
    let garbled = 0;
    data.items.forEach((item, i) => {
      const prompt = classifier.prepare(scenarioTask(item.query)).prompt;
      const line = logged.get(createHash('sha256').update(prompt).digest('hex'));
      expect(line, `query ${item.index}`).toBeDefined();
      expect(line!.protocol).toBe('scenario');
      expect(line!.query).toBe(item.query.trim());
      // the label read is the one the simulator says it answered (null when it garbled)
      expect(first.labels[i]!.scenario).toBe(line!.verdict);
      if (line!.verdict === null) garbled++;
      else {
        expect(first.labels[i]!.group).toBe(data.labels.groupOf(line!.verdict));
        if (line!.verdict === item.category) equal++;
      }
    });
    expect(garbled).toBeGreaterThan(0);
    expect(equal).toBeGreaterThan(0);

    const result = scoreScenarioSuite(data, predictionsOf(first.judgments), {
      classifier: { name: 'autoj-scenario-classifier', mode: 'live', description: 'vllm-sim' },
      bootstrap: { resamples: 100, seed: 1 },
    });
    expect(result.overall.correct).toBe(equal);
    expect(result.overall.accuracy).toBe((100 * equal) / data.items.length);
    expect(result.overall.unparsed).toBe(garbled);
    expect(
      result.items
        .filter((i) => i.predicted === null)
        .every((i) => i.problem === 'not a known label: "I am not sure."'),
    ).toBe(true);

    const requests = (await sim().stats()).requests;
    const again = await run(data);
    expect((await sim().stats()).requests).toBe(requests);
    expect(again.summary).toMatchObject({ cached: data.items.length, sent: 0 });
    expect(again.labels).toEqual(first.labels);
  });
});
