import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alpacaEvalInstructions } from '../../suites/alpacaeval/instruction-set.js';
import { loadScenarioCriteria } from '../../suites/scenarios/criteria.js';
import { loadLabelSet } from '../../suites/scenarios/data.js';
import { collapsed, pageText } from '../helpers/page-text.js';
import { runBench, SHARED_DATA } from '../helpers/cli.js';
import { loggedSimForFile, readSimLog } from '../helpers/vllm-sim.js';

/**
 * `bench run alpacaeval --scenarios` from the command line, the judge and the scenario
 * classifier each on a vllm-sim: every instruction gets the scenario the classifier logged
 * and its group, every group has its models' scores and correlations, a rerun sends
 * nothing to either server, and an answer that is not a scenario is counted, never a label.
 */

const judge = loggedSimForFile('ae-scenarios-judge');
const classifier = loggedSimForFile('ae-scenarios-classifier', ['--model', 'GAIR/autoj-scenario-classifier']);
const garbling = loggedSimForFile('ae-scenarios-garbling', [
  '--model',
  'GAIR/autoj-scenario-classifier',
  '--garble-rate',
  '0.2',
]);

const MODELS = ['gemma-2b-it', 'phi-2', 'alpaca-7b', 'Meta-Llama-3-8B-Instruct'];
const DATA = `${SHARED_DATA}/auto-j`;

interface Correlation {
  reference: string;
  n: number;
  spearman: { value: number | null; ci95: [number, number] | null };
}
interface Doc {
  models: { model: string; score: number }[];
  correlations: Correlation[];
  scenarios: {
    classifier: { name: string; model: string };
    instructions: { index: number; scenario: string | null; group: string | null; problem?: string }[];
    unlabelled: number;
    judgments: { requested: number; sent: number; cached: number; unparsed: number };
    groups: {
      group: string;
      n: number;
      scenarios: { scenario: string; n: number }[];
      models: { model: string; score: number | null; n: number; rank: number | null }[];
      correlations: Correlation[];
    }[];
  };
}

const args = (endpoint: string, store: string, ...extra: string[]) => [
  'run',
  'alpacaeval',
  '--endpoint',
  judge.sim().url,
  '--scenarios',
  '--classifier-endpoint',
  endpoint,
  '--autoj-data',
  DATA,
  '--models',
  ...MODELS,
  '--reference',
  'ae2',
  '--store',
  store,
  '--bootstrap',
  '40',
  ...extra,
];

describe('bench run alpacaeval --scenarios', () => {
  it('labels every instruction as the classifier answered; scores and correlations per group; a rerun sends nothing', async () => {
    const store = join(judge.work, 'judgments.sqlite');
    const r = await runBench([...args(classifier.sim().url, store), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    const set = alpacaEvalInstructions().instructions;
    const { labels } = await loadLabelSet(DATA);
    const s = doc.scenarios;
    expect(s.classifier).toMatchObject({
      name: 'autoj-scenario-classifier',
      model: 'GAIR/autoj-scenario-classifier',
    });
    expect(s.instructions).toHaveLength(set.length);
    expect(s.unlabelled).toBe(0);

    // the scenario of each instruction is what the simulator answered to it
    const logged = new Map((await readSimLog(classifier.log, set.length)).map((l) => [l.query, l.verdict]));
    for (const i of s.instructions) {
      expect(i.scenario, `instruction ${i.index}`).not.toBeNull();
      expect(i.scenario).toBe(logged.get(set[i.index]!.trim()));
      expect(i.group).toBe(labels.groupOf(i.scenario!));
    }

    // per group: its instructions, each model's mean over them, correlations with intervals
    const present = s.groups.filter((g) => g.n > 0);
    expect(present.length).toBeGreaterThan(3);
    expect(present.reduce((n, g) => n + g.n, 0)).toBe(set.length);
    for (const g of present) {
      expect(g.n).toBe(s.instructions.filter((i) => i.group === g.group).length);
      expect(g.scenarios.reduce((n, x) => n + x.n, 0)).toBe(g.n);
      expect(g.models.map((m) => m.model).sort()).toEqual([...MODELS].sort());
      expect(g.correlations.map((c) => c.reference)).toEqual(['ae2']);
      const c = g.correlations[0]!;
      expect(c.n).toBe(g.models.filter((m) => m.score !== null).length);
      if (c.spearman.value !== null && g.n >= 5) expect(c.spearman.ci95).not.toBeNull();
    }
    const rankedGroups = present.filter((g) => g.models.every((m) => m.score !== null));
    expect(rankedGroups.some((g) => g.correlations[0]!.spearman.ci95 !== null)).toBe(true);

    const requests = [(await judge.sim().stats()).requests, (await classifier.sim().stats()).requests];
    const site = join(judge.work, 'site');
    const again = await runBench([...args(classifier.sim().url, store), '--report', site]);
    expect(again.code, again.stderr).toBe(0);
    expect([(await judge.sim().stats()).requests, (await classifier.sim().stats()).requests]).toEqual(
      requests,
    );
    expect(again.stderr).toMatch(/scenarios: 805 instructions \(805 from the store, 0 sent\)/);
    expect(again.stdout).toMatch(
      /scenario groups \(autoj-scenario-classifier\): 805 instructions labelled, 0 without a label/,
    );
    expect(again.stdout).toMatch(/spearman ae2/);
    // the classifier's 805 judgments counted in one row, beside the judge's models
    const stats = await runBench(['cache', 'stats', '--store', store]);
    const rows = stats.stdout.split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(rows).toContainEqual([
      'autoj-scenario-classifier',
      'alpacaeval',
      'instruction scenarios (805)',
      '805',
      '805',
      '0',
    ]);

    // the report: a per-group leaderboard, and a page per scenario with its criteria
    // a partial run (--models): its pages are under alpacaeval/autoj/runs/<run>/
    const pages = readdirSync(site, { recursive: true, encoding: 'utf8' });
    const groupsFile = pages.find((f) => /^alpacaeval\/autoj\/runs\/[^/]+\/scenarios\/index\.html$/.test(f));
    expect(groupsFile, pages.join(', ')).toBeDefined();
    const runDir = groupsFile!.replace(/scenarios\/index\.html$/, '');
    const groupsPage = readFileSync(join(site, groupsFile!), 'utf8');
    const text = pageText(groupsPage);
    for (const g of present) {
      const c = g.correlations[0]!;
      const value = c.spearman.value === null ? '–' : c.spearman.value.toFixed(3);
      expect(text).toContain(`${g.group} ${g.n} `);
      expect(text).toContain(value);
    }
    for (const m of MODELS) expect(text).toContain(m);
    expect(readFileSync(join(site, runDir, 'index.html'), 'utf8')).toContain('href="scenarios/index.html"');
    const email = s.instructions.find((i) => i.scenario === 'writing_email');
    const scenario = email ? 'writing_email' : s.instructions[0]!.scenario!;
    const criteria = await loadScenarioCriteria(DATA, labels);
    const page = pageText(readFileSync(join(site, runDir, `scenarios/${scenario}.html`), 'utf8'));
    expect(page).toContain(labels.catalog.descriptions[scenario]!);
    for (const section of criteria.get(scenario)!.sections) {
      for (const c of section.criteria) expect(page).toContain(collapsed(c.content));
    }
    const first = s.instructions.find((i) => i.scenario === scenario)!;
    expect(page).toContain(collapsed(set[first.index]!).slice(0, 60));
    expect(groupsPage).toContain(`href="${scenario}.html"`);
  });

  it('an answer that is not a scenario is counted, in no group, never a label', async () => {
    const store = join(garbling.work, 'judgments.sqlite');
    const r = await runBench([...args(garbling.sim().url, store, '--instructions', '200'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    const set = alpacaEvalInstructions().instructions;
    const logged = new Map((await readSimLog(garbling.log, set.length)).map((l) => [l.query, l.verdict]));
    const s = doc.scenarios;
    expect(s.instructions).toHaveLength(200);
    const garbled = s.instructions.filter((i) => logged.get(set[i.index]!.trim()) === null);
    expect(garbled.length).toBeGreaterThan(0);
    expect(s.unlabelled).toBe(garbled.length);
    for (const i of garbled) {
      expect(i).toMatchObject({
        scenario: null,
        group: null,
        problem: 'not a known label: "I am not sure."',
      });
    }
    expect(s.groups.reduce((n, g) => n + g.n, 0)).toBe(200 - garbled.length);
    // the whole set was labelled (stored once for every later run), its failures counted
    expect(s.judgments.requested).toBe(set.length);
    expect(s.judgments.unparsed).toBe([...logged.values()].filter((v) => v === null).length);
  });

  it('--classifier-endpoint is required with --scenarios, and goes only with it', async () => {
    const missing = await runBench(['run', 'alpacaeval', '--scenarios', '--models', 'phi-2']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--classifier-endpoint URL is missing/);
    const alone = await runBench(['run', 'alpacaeval', '--classifier-endpoint', 'http://127.0.0.1:9/v1']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--classifier-endpoint goes with --scenarios/);
  });
});
