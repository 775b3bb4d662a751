import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGenerativeJudge } from '../../harness/judge/generative/judge.js';
import { loadJudgeProfile } from '../../harness/judge/generative/load.js';
import { scenarioTask } from '../../suites/scenarios/classify.js';
import { loadClassifierData } from '../../suites/scenarios/data.js';
import { runBench, SHARED_DATA } from '../helpers/cli.js';
import { loggedSimForFile, readSimLog } from '../helpers/vllm-sim.js';

/**
 * `bench run scenarios` from the command line against vllm-sim serving the classifier (the
 * suite's default judge): the accuracy is the share of the simulator's logged answers equal
 * to the test set's category, the garbled ones are counted unparsed, and a rerun sends nothing.
 */

const AUTOJ = `${SHARED_DATA}/auto-j`;
const { work, log, sim } = loggedSimForFile('run-scenarios', [
  '--model',
  'GAIR/autoj-scenario-classifier',
  '--garble-rate',
  '0.1',
]);

interface Doc {
  suite: string;
  judge: { name: string };
  overall: { accuracy: number; correct: number; n: number; unparsed: number };
  groups: { group: string; n: number }[];
  confusion: { counts: number[][] };
}

describe('bench run scenarios against vllm-sim', () => {
  it('accuracy is the share of logged answers equal to the category; a rerun sends nothing', async () => {
    const store = join(work, 'judgments.sqlite');
    const args = [
      'run',
      'scenarios',
      '--endpoint',
      sim().url,
      '--store',
      store,
      '--bootstrap',
      '50',
      '--json',
    ];
    const r = await runBench(args);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.suite).toBe('scenarios');
    expect(doc.judge.name).toBe('autoj-scenario-classifier');
    expect(doc.overall.n).toBe(623);

    const data = await loadClassifierData(AUTOJ);
    const classifier = createGenerativeJudge(loadJudgeProfile('autoj-scenario-classifier'));
    const logged = new Map((await readSimLog(log, 623)).map((l) => [l.prompt_sha256, l]));
    let equal = 0;
    let garbled = 0;
    for (const item of data.items) {
      const prompt = classifier.prepare(scenarioTask(item.query)).prompt!;
      const line = logged.get(createHash('sha256').update(prompt).digest('hex'));
      expect(line, `query ${item.index}`).toBeDefined();
      if (line!.verdict === null) garbled++;
      else if (line!.verdict === item.category) equal++;
    }
    expect(garbled).toBeGreaterThan(0);
    expect(doc.overall.correct).toBe(equal);
    expect(doc.overall.accuracy).toBe((100 * equal) / 623);
    expect(doc.overall.unparsed).toBe(garbled);
    expect(doc.groups.reduce((s, g) => s + g.n, 0)).toBe(623);
    expect(doc.confusion.counts.flat().reduce((a, b) => a + b, 0)).toBe(623 - garbled);
    expect(r.stderr).toMatch(new RegExp(`${garbled} unparsed`));

    const requests = (await sim().stats()).requests;
    const again = await runBench(args);
    expect(again.code, again.stderr).toBe(0);
    expect((await sim().stats()).requests).toBe(requests);
    expect((JSON.parse(again.stdout) as Doc).overall).toEqual(doc.overall);
  });
});
