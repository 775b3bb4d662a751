/**
 * The pages of an AlpacaEval run with `--scenarios`: a per-group leaderboard (every
 * model's score per scenario group, each group's correlations with the references) and a
 * page per scenario with its hand-written criteria and the instructions labelled with it.
 * Every figure is the result's (scenarios.ts computes them); this only formats them, and
 * the templates escape every text.
 */
import { int, num, scoreDigits, sortKey } from '../../../harness/report/format.js';
import type { PagePlan } from '../../../harness/report/index.js';
import { link, type SitePaths } from '../../../harness/report/paths.js';
import { cell, header, numCell, type HeaderView, type RowView } from '../../../harness/report/views/table.js';
import { alpacaEvalInstructions } from '../instruction-set.js';
import type { AlpacaEvalResult } from '../result.js';
import type { AlpacaEvalScenarios } from '../scenarios.js';
import { correlationView, primaryReference, referenceShort, type CorrelationView } from './common.js';

export interface ScenarioGroupsView {
  readonly judgeName: string;
  readonly leaderboardHref: string;
  readonly lede: string;
  readonly primary: string;
  readonly groups: readonly {
    readonly group: string;
    readonly n: string;
    readonly scenarios: readonly { name: string; href: string; n: string }[];
    readonly spearman: string;
    readonly spearmanCi: string;
    readonly correlations: readonly CorrelationView[];
    readonly cls: string;
  }[];
  readonly headers: readonly HeaderView[];
  readonly rows: readonly RowView[];
  readonly rowCount: string;
  readonly definitions: readonly { term: string; text: string }[];
}

export interface ScenarioPageView {
  readonly judgeName: string;
  readonly scenario: string;
  readonly group: string;
  readonly groupsHref: string;
  readonly description: string;
  readonly file: string;
  readonly sections: readonly {
    readonly name: string;
    readonly includedFrom: string;
    readonly criteria: readonly { name: string; type: string; content: string }[];
  }[];
  readonly instructions: readonly { index: number; text: string }[];
  readonly instructionCount: string;
}

/** The scenario pages of a run's leaderboard page (`alpacaeval/<judge>/index.html`). */
export function scenarioPages(
  result: AlpacaEvalResult & { scenarios: AlpacaEvalScenarios },
  leaderboardPage: string,
  paths: SitePaths,
): { groupsPage: string; pages: PagePlan[] } {
  const judge = result.judge.name;
  const base = leaderboardPage.replace(/index\.html$/, '');
  const groupsPage = `${base}scenarios/index.html`;
  const s = result.scenarios;
  const used = [...new Set(s.groups.flatMap((g) => g.scenarios.map((x) => x.scenario)))];
  const scenarioPage = new Map(
    used.map((scenario) => [scenario, `${base}scenarios/${paths.slug(`${base}scenarios`, scenario)}.html`]),
  );
  const pages: PagePlan[] = [
    {
      page: groupsPage,
      template: 'scenario-groups',
      section: groupsPage,
      title: `AlpacaEval by scenario: ${judge}`,
      script: true,
      log: `report: ${judge}: ${used.length} scenario pages`,
      view: () => scenarioGroupsView(result, groupsPage, link(groupsPage, leaderboardPage), scenarioPage),
    },
    ...used.map((scenario) => {
      const page = scenarioPage.get(scenario)!;
      return {
        page,
        template: 'scenario',
        section: groupsPage,
        title: `${scenario} · ${judge}`,
        script: false,
        view: () => scenarioPageView(s, judge, scenario, link(page, groupsPage)),
      };
    }),
  ];
  return { groupsPage, pages };
}

export function scenarioGroupsView(
  result: AlpacaEvalResult & { scenarios: AlpacaEvalScenarios },
  page: string,
  leaderboardHref: string,
  scenarioPage: ReadonlyMap<string, string>,
): ScenarioGroupsView {
  const s = result.scenarios;
  const primary = primaryReference(result.settings.references);
  const groups = s.groups.filter((g) => g.n > 0);
  const spearmanOf = (correlations: AlpacaEvalResult['correlations']) => {
    const c = correlations.find((x) => x.reference === primary);
    return c ? correlationView(c).spearman : { value: '–', ci: '–' };
  };
  const byGroup = groups.map((g) => new Map(g.models.map((m) => [m.model, m])));
  const digits = scoreDigits(result.models.map((m) => m.score));
  const rows: RowView[] = result.models.map((m) => ({
    filter: m.model.toLowerCase(),
    cls: '',
    cells: [
      cell(m.model, m.model.toLowerCase()),
      numCell(int(m.rank), sortKey(m.rank)),
      numCell(num(m.score, digits), sortKey(m.score)),
      ...byGroup.map((scores) => {
        const g = scores.get(m.model);
        return numCell(num(g?.score, digits), sortKey(g?.score), {
          note: g?.rank === null || g === undefined ? '' : `#${g.rank}`,
          title: g ? `${int(g.n)} ratings` : '',
        });
      }),
    ],
  }));
  return {
    judgeName: result.judge.name,
    leaderboardHref,
    lede: `${result.judge.name}'s scores per scenario group: ${int(s.instructions.length - s.unlabelled)} of ${int(s.instructions.length)} judged instructions labelled by ${s.classifier.name} (${int(s.unlabelled)} without a label, in no group).`,
    primary: primary ? referenceShort(primary) : '',
    groups: [
      ...groups.map((g) => {
        const sp = spearmanOf(g.correlations);
        return {
          group: g.group,
          n: int(g.n),
          scenarios: g.scenarios.map((x) => ({
            name: x.scenario,
            href: link(page, scenarioPage.get(x.scenario)!),
            n: int(x.n),
          })),
          spearman: sp.value,
          spearmanCi: sp.ci,
          correlations: g.correlations.map(correlationView),
          cls: '',
        };
      }),
      {
        group: 'Overall',
        n: int(s.instructions.length),
        scenarios: [],
        spearman: spearmanOf(result.correlations).value,
        spearmanCi: spearmanOf(result.correlations).ci,
        correlations: result.correlations.map(correlationView),
        cls: 'total',
      },
    ],
    headers: [
      header('Model', 'text'),
      header('Rank', 'num', 'rank over all judged instructions', { first: 'ascending', sorted: true }),
      header('Overall', 'num', 'mean rating over all judged instructions'),
      ...groups.map((g) =>
        header(g.group, 'num', `mean rating over the ${g.n} instructions of ${g.group}; #rank`),
      ),
    ],
    rows,
    rowCount: `${int(rows.length)} models`,
    definitions: Object.entries(s.definitions).map(([term, text]) => ({ term, text })),
  };
}

export function scenarioPageView(
  s: AlpacaEvalScenarios,
  judgeName: string,
  scenario: string,
  groupsHref: string,
): ScenarioPageView {
  const set = alpacaEvalInstructions().instructions;
  const labelled = s.instructions.filter((i) => i.scenario === scenario);
  // a document archived without criteria shows none (never fails the report)
  const all = (s as Partial<AlpacaEvalScenarios>).criteria;
  const criteria = all?.scenarios[scenario];
  return {
    judgeName,
    scenario,
    group: labelled[0]?.group ?? '',
    groupsHref,
    description: (s as Partial<AlpacaEvalScenarios>).descriptions?.[scenario] ?? '',
    file: criteria?.file ?? '',
    sections: (criteria?.sections ?? []).map((section) => ({
      name: section.name,
      includedFrom: section.includedFrom ?? '',
      criteria: (section.criteria ?? all?.basics[section.includedFrom ?? ''] ?? []).map((c) => ({
        name: c.name,
        type: c.type ?? '',
        content: c.content,
      })),
    })),
    instructions: labelled.map((i) => ({ index: i.index, text: set[i.index] ?? '' })),
    instructionCount: int(labelled.length),
  };
}
