import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenarioCriteria } from '../../suites/scenarios/criteria.js';
import { loadClassifierData, loadLabelSet, SCENARIO_PATHS } from '../../suites/scenarios/data.js';
import { scoreScenarioSuite, type Prediction } from '../../suites/scenarios/score.js';
import { formatScenariosTable } from '../../suites/scenarios/table.js';

/**
 * The scenarios suite's data (623 test queries, 60 scenarios and default, the criteria) and
 * its scoring: accuracy overall and per group, group accuracy, the confusion of groups.
 */

const DATA = new URL('../../../shared/data/auto-j', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'scenarios-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const classifier = { name: 'test', mode: 'live' as const, description: 'predictions of the test' };

describe("the classifier's test set", () => {
  it('has 623 queries of 59 labels; the query is instruction + " " + input', async () => {
    const data = await loadClassifierData(DATA);
    expect(data.items).toHaveLength(623);
    expect(new Set(data.items.map((i) => i.category)).size).toBe(59);
    expect(data.items.filter((i) => i.category === 'default')).toHaveLength(79);
    expect(data.items.every((i) => i.query === `${i.instruction} ${i.input}`)).toBe(true);
    expect(
      data.items
        .filter((i) => i.group === 'Ungrouped')
        .map((i) => i.category)
        .sort(),
    ).toEqual([...Array<string>(2).fill('peer_review'), ...Array<string>(12).fill('rejecting')]);
  });

  it('a category that is not a label is a one-line error naming the file and the line', async () => {
    const dir = join(work, 'bad-category');
    cpSync(join(DATA, 'scenarios.json'), join(dir, 'scenarios.json'));
    const rows = readFileSync(join(DATA, SCENARIO_PATHS.testSet), 'utf8').split('\n').filter(Boolean);
    rows[4] = JSON.stringify({ category: 'poetry', instruction: 'Write a poem', input: '' });
    cpSync(join(DATA, SCENARIO_PATHS.testSet), join(dir, SCENARIO_PATHS.testSet));
    writeFileSync(join(dir, SCENARIO_PATHS.testSet), rows.join('\n'));
    await expect(loadClassifierData(dir)).rejects.toThrow(
      `${join(dir, SCENARIO_PATHS.testSet)}: line 5: category "poetry" is not a scenario of scenarios.json nor default`,
    );
  });
});

describe('scoring the labels', () => {
  it('perfect labels: 100 everywhere, the confusion table diagonal', async () => {
    const data = await loadClassifierData(DATA);
    const r = scoreScenarioSuite(
      data,
      data.items.map((i) => ({ label: i.category })),
      { classifier, bootstrap: { resamples: 200, seed: 1 } },
    );
    expect(r.overall).toMatchObject({ accuracy: 100, groupAccuracy: 100, n: 623, unparsed: 0 });
    expect(r.overall.accuracyCi95).toEqual([100, 100]);
    expect(r.groups.map((g) => g.n)).toEqual(
      r.confusion.order.map((g) => data.items.filter((i) => i.group === g).length),
    );
    r.confusion.counts.forEach((row, i) =>
      row.forEach((c, j) => expect(c).toBe(i === j ? r.groups[i]!.n : 0)),
    );
    expect(r.scenarios).toHaveLength(59);
  });

  it('counts a missing label as wrong, a scenario of the right group as group-correct', async () => {
    const data = await loadClassifierData(DATA);
    const { labels } = data;
    // every query labelled with the first scenario of its group, the first ten with none
    const first = (group: string) => labels.labels.find((l) => labels.groupOf(l) === group)!;
    const predictions: Prediction[] = data.items.map((item, i) =>
      i < 10 ? { label: null, problem: 'not a known label: "x"' } : { label: first(item.group) },
    );
    const r = scoreScenarioSuite(data, predictions, { classifier, bootstrap: { resamples: 0, seed: 1 } });
    const correct = data.items.filter((item, i) => i >= 10 && item.category === first(item.group)).length;
    expect(r.overall.correct).toBe(correct);
    expect(r.overall.accuracy).toBe((100 * correct) / 623);
    expect(r.overall.groupCorrect).toBe(613);
    expect(r.overall.groupAccuracy).toBe((100 * 613) / 623);
    expect(r.overall.unparsed).toBe(10);
    expect(r.confusion.unparsed.reduce((a, b) => a + b, 0)).toBe(10);
    expect(r.confusion.counts.flat().reduce((a, b) => a + b, 0)).toBe(613);
    expect(r.items[0]).toEqual({
      index: 0,
      category: data.items[0]!.category,
      predicted: null,
      correct: false,
      problem: 'not a known label: "x"',
    });
    expect(r.notes).toEqual(['10 queries have no label; they count as wrong']);
    expect(r.overall.accuracyCi95).toBeNull();
  });

  it('all default: the accuracy is the share of default queries, every other row 0', async () => {
    const data = await loadClassifierData(DATA);
    const r = scoreScenarioSuite(
      data,
      data.items.map(() => ({ label: 'default' })),
      { classifier, bootstrap: { resamples: 200, seed: 3 } },
    );
    expect(r.overall.accuracy).toBe((100 * 79) / 623);
    expect(r.groups.find((g) => g.group === 'default')!.accuracy).toBe(100);
    expect(r.groups.filter((g) => g.group !== 'default').every((g) => g.accuracy === 0)).toBe(true);
    const text = formatScenariosTable(r);
    expect(text).toMatch(/Overall\s+12\.68\s+12\.68\s+623\s+0/);
    expect(text).toContain('10 default');
  });
});

describe('a subset of the queries', () => {
  it('is scored by position, its queries keeping their indices', async () => {
    const data = await loadClassifierData(DATA);
    const some = data.items.filter((i) => i.index % 10 === 3);
    const r = scoreScenarioSuite(
      { ...data, items: some },
      some.map((i) => ({ label: i.index % 20 === 3 ? i.category : 'default' })),
      { classifier, bootstrap: { resamples: 0, seed: 1 } },
    );
    const correct = some.filter((i) => i.index % 20 === 3 || i.category === 'default').length;
    expect(r.overall).toMatchObject({ n: some.length, correct });
    expect(r.items.map((i) => i.index)).toEqual(some.map((i) => i.index));
  });
});

describe('the hand-written criteria', () => {
  it('are read for the 58 grouped scenarios, included basic sets resolved', async () => {
    const { labels } = await loadLabelSet(DATA);
    const criteria = await loadScenarioCriteria(DATA, labels);
    expect(criteria.size).toBe(58);
    const planning = criteria.get('planning')!;
    expect(planning.group).toBe('General Communication');
    expect(planning.description).toBe('Write a plan for an event or activity.');
    expect(planning.sections.map((s) => [s.name, s.includedFrom, s.criteria.length])).toEqual([
      ['basic-writing', 'other_resources/scenario_criteria/basics/basic_writing.yaml', 6],
      ['extended', null, 6],
    ]);
    expect(planning.sections[1]!.criteria[0]).toEqual({
      name: 'clarity',
      content:
        'The written plan should clearly outline the objectives, tasks, and timeline of the event or activity, ensuring that the reader can easily understand the proposed plan.',
      weight: 5,
      type: 'content',
    });
    expect(criteria.get('post_summarization')!.sections.map((s) => s.name)).toEqual(['extended']);
    expect(criteria.get('others')!.sections.map((s) => s.name)).toEqual([
      'basic-writing',
      'basic-bot',
      'extended',
    ]);
    expect(criteria.has('rejecting')).toBe(false);
  });

  it('an include outside the criteria folder is refused, naming the file', async () => {
    const dir = join(work, 'hostile');
    cpSync(join(DATA, 'scenarios.json'), join(dir, 'scenarios.json'));
    cpSync(join(DATA, SCENARIO_PATHS.criteria), join(dir, SCENARIO_PATHS.criteria), { recursive: true });
    const file = join(dir, SCENARIO_PATHS.criteria, 'specials/planning.yaml');
    writeFileSync(file, 'basic-writing:\n  !include "../../../etc/passwd.yaml"\n');
    const { labels } = await loadLabelSet(dir);
    await expect(loadScenarioCriteria(dir, labels)).rejects.toThrow(
      `${file}: !include "../../../etc/passwd.yaml" is not a criteria file under other_resources/scenario_criteria/`,
    );
    writeFileSync(file, 'extended:\n  clarity: [1, 2\n');
    await expect(loadScenarioCriteria(dir, labels)).rejects.toThrow(
      new RegExp(`^${file}: not valid YAML: line`),
    );
  });
});
