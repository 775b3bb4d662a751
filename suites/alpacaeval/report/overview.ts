import type { LeaderboardHistory } from '../../../harness/leaderboard/types.js';
import {
  baseName,
  dateTime,
  publicLocation,
  int,
  plural,
  shortHash,
} from '../../../harness/report/format.js';
import type { AlpacaEvalRunInput } from './types.js';
import { correlationView, referenceShort, type CorrelationView } from './common.js';
import { fact, type Fact } from '../../../harness/report/views/page.js';

export interface OverviewAlpacaView {
  readonly judgeName: string;
  readonly description: string;
  readonly href: string;
  readonly finished: string;
  readonly summary: string;
  readonly correlations: readonly CorrelationView[];
  readonly facts: readonly Fact[];
  readonly top: readonly { rank: string; model: string; href: string }[];
}

/** A judge's runs besides its published leaderboard, each with its own pages. */
export interface OverviewOtherRunsView {
  readonly judgeName: string;
  /** the judge has no published leaderboard (no complete run, no snapshot) */
  readonly unpublished: boolean;
  readonly runs: readonly { label: string; href: string }[];
}

/** The overview's AlpacaEval part: each judge's published leaderboard, then the other runs. */
export interface OverviewView {
  readonly alpaca: readonly OverviewAlpacaView[];
  readonly otherRuns: readonly OverviewOtherRunsView[];
  readonly otherRunsNote: string;
  readonly bootstrapNote: string;
}

const TOP = 5;

export function overviewView(input: {
  alpaca: readonly { run: AlpacaEvalRunInput; href: string; modelHref: (model: string) => string }[];
  otherRuns?: readonly { judge: string; label: string; href: string }[];
}): OverviewView {
  const alpaca = input.alpaca.map(({ run, href, modelHref }) => {
    const r = run.result;
    const m = r.manifest;
    const ranked = r.models.filter((x) => x.rank !== null);
    return {
      judgeName: r.judge.name,
      description: r.judge.description,
      href,
      finished: dateTime(m.finishedAt),
      summary: `${plural(ranked.length, 'model')} ranked over ${plural(r.settings.instructions, 'instruction')}`,
      correlations: r.correlations.map(correlationView),
      facts: [
        fact('Judge model', r.judge.model, `template ${r.judge.templateVersion}`),
        fact('Data', publicLocation(m.source), `instruction set ${shortHash(m.instructionSetSha256)}`),
        fact(
          'References',
          Object.keys(m.referenceFiles).map(referenceShort).join(', ') || '–',
          [...new Set(Object.values(m.referenceFiles).map(baseName))].join(', '),
        ),
        fact('Harness', m.harnessVersion, m.gitCommit ? `commit ${shortHash(m.gitCommit)}` : ''),
      ],
      top: ranked
        .slice(0, TOP)
        .map((x) => ({ rank: String(x.rank), model: x.model, href: modelHref(x.model) })),
    };
  });
  const published = new Set(alpaca.map((a) => a.judgeName));
  const runsByJudge = new Map<string, { label: string; href: string }[]>();
  for (const r of input.otherRuns ?? []) {
    runsByJudge.set(r.judge, [...(runsByJudge.get(r.judge) ?? []), { label: r.label, href: r.href }]);
  }
  const otherRuns: OverviewOtherRunsView[] = [...runsByJudge].map(([judgeName, runs]) => ({
    judgeName,
    unpublished: !published.has(judgeName),
    runs,
  }));
  const bootstraps = [...new Set(input.alpaca.map((a) => a.run.result.settings.bootstrap))];
  return {
    alpaca,
    otherRuns,
    otherRunsNote:
      'Runs over some of the models or instructions (and complete runs the published leaderboard does not follow) have pages of their own and never replace a judge’s leaderboard, which is its newest complete run (every model of the source, every instruction) or its newest refresh snapshot.',
    bootstrapNote: `Values with their 95% interval (${bootstraps.map((b) => int(b)).join(' / ') || '–'} bootstrap resamples over instructions).`,
  };
}

/** The overview's paper part: the Auto-J paper's table, with or without a run beside it. */
export function paperOverviewView(paper: { href: string; hasRun: boolean; judge: string }): {
  paper: { href: string; summary: string };
} {
  return {
    paper: {
      href: paper.href,
      summary: paper.hasRun
        ? `Auto-J’s published ratings of 53 models beside this harness’s ${paper.judge} run.`
        : 'Auto-J’s published ratings of 53 models (no Auto-J run here yet).',
    },
  };
}

/** The overview's history part: each judge's refresh snapshots. */
export function historyOverviewView(histories: readonly { history: LeaderboardHistory; href: string }[]): {
  history: { judgeName: string; href: string; summary: string }[];
} {
  const history = histories.map(({ history: h, href }) => {
    const snaps = [...h.snapshots].sort((a, b) => a.date.localeCompare(b.date));
    return {
      judgeName: h.judge,
      href,
      summary:
        snaps.length > 0
          ? `${plural(snaps.length, 'snapshot')}, ${snaps[0]!.date} to ${snaps[snaps.length - 1]!.date}`
          : 'no snapshots yet',
    };
  });
  return { history };
}
