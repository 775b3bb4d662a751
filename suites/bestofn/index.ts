import { existsSync } from 'node:fs';
import path from 'node:path';
import { BenchError } from '../../harness/core/errors.js';
import { RESAMPLES, SEED } from '../../harness/core/number-rules.js';
import { toCsv } from '../../harness/core/serialize.js';
import type { RunSummary } from '../../harness/runner/run-judgments.js';
import type { Suite } from '../../harness/suite/contract.js';
import {
  AUTOJ_SCORES,
  AUTOJ_UPSTREAM,
  BESTOFN_PATH,
  fileRatings,
  loadRaterFile,
  loadSelectionFile,
  readUpstreamSelection,
  type RatingTable,
  type SelectionData,
} from './data.js';
import { rateCandidates } from './live.js';
import type { BestOfNResult } from './result.js';
import { BESTOFN_DEFAULTS, scoreBestOfN } from './score.js';
import { formatBestOfNTable } from './table.js';
import { bestOfNReport } from './report/section.js';

/** `bench run bestofn`'s options, by flag name. */
export interface BestOfNSuiteOptions {
  readonly data?: string;
  readonly upstream?: string;
  readonly offline: boolean;
  readonly recorded: boolean;
  readonly rater?: string;
  readonly seed: number;
  readonly bootstrap: number;
}

/**
 * Best-of-N selection (Auto-J's third meta-evaluation task): the judge as a reward model
 * picks the best of N sampled responses, a reference rater rates the picks. Recorded mode
 * takes the judge's ratings from the selection file (`autoj`); live mode rates every
 * candidate with the judge. See README.md beside this file.
 */
export const bestOfNSuite: Suite<BestOfNSuiteOptions, BestOfNResult> = {
  name: 'bestofn',
  description:
    'Best-of-N selection: the judge picks among N sampled responses, a reference rater rates the picks',
  usage:
    '$0 run bestofn [--data FILE] --rater NAME|FILE [--recorded] [--judge autoj --endpoint URL] [--json]\n\n' +
    "Reads a selection file in the authors' format (data/test/testdata_selection.jsonl: --data FILE, else from the\n" +
    'upstream repository through the HTTP cache, --offline for the cached copy only); --recorded takes the\n' +
    "judge's ratings from its autoj scores, otherwise the judge rates every candidate. The rater is a name of\n" +
    'the scores in the file, or a file of its own ({"scores": {"<base model>": [ratings]}} per query).',
  judge: 'optional',
  options: [
    {
      name: 'data',
      type: 'string',
      describe:
        "the selection file, in the authors' format (testdata_selection.jsonl) [default: --upstream's, through the HTTP cache]",
    },
    {
      name: 'upstream',
      type: 'string',
      env: 'AUTOJ_UPSTREAM',
      describe: `without --data: the raw files of GAIR-NLP/auto-j (an http(s) base URL, or a checkout) that hold ${BESTOFN_PATH} [env AUTOJ_UPSTREAM; default ${AUTOJ_UPSTREAM}]`,
    },
    {
      name: 'offline',
      type: 'boolean',
      default: false,
      describe: 'without --data: the HTTP cache only, never the network',
    },
    {
      name: 'recorded',
      type: 'boolean',
      default: false,
      describe: "the judge's ratings from the file's autoj scores (no judge is asked)",
    },
    {
      name: 'rater',
      type: 'string',
      describe: "the reference rater: a name of the file's scores, or a file of its ratings",
    },
    { name: 'seed', type: 'number', ...SEED, default: BESTOFN_DEFAULTS.seed, describe: 'bootstrap seed' },
    {
      name: 'bootstrap',
      type: 'number',
      ...RESAMPLES,
      default: BESTOFN_DEFAULTS.resamples,
      describe: 'bootstrap resamples for the 95% intervals (0 = none)',
    },
  ],
  check(options, label) {
    if (options.rater === undefined)
      throw new BenchError(`${label('rater')} NAME|FILE is missing: who rates the picks`, { exitCode: 2 });
  },
  async run(context, options) {
    let file: string;
    let data: SelectionData;
    if (options.data !== undefined) {
      file = path.resolve(context.cwd, options.data);
      data = await loadSelectionFile(file);
    } else {
      if (!context.remoteFiles)
        throw new BenchError(
          `${context.optionLabel('data')} FILE is missing: this command reads no upstream file`,
        );
      const files = context.remoteFiles(options.upstream ?? AUTOJ_UPSTREAM, {
        offline: options.offline,
        localCopy: `pass ${context.optionLabel('data')} FILE for a local copy`,
      });
      file = files.describe(BESTOFN_PATH);
      data = await readUpstreamSelection(files);
    }
    context.log(
      `bestofn: ${data.queries} queries x ${data.models.length} base models x ${data.candidates} candidates from ${file}`,
    );
    const inputs = [data.info];
    const raterName = options.rater!;
    const raterFile = path.resolve(context.cwd, raterName);
    let raterRatings: RatingTable;
    let rater: BestOfNResult['rater'];
    if (existsSync(raterFile)) {
      const loaded = await loadRaterFile(raterFile, data);
      raterRatings = loaded.ratings;
      inputs.push(loaded.info);
      rater = { name: path.basename(raterName), mode: 'recorded', description: `ratings from ${raterName}` };
    } else {
      raterRatings = fileRatings(data, raterName);
      rater = {
        name: raterName,
        mode: 'recorded',
        description: `the "${raterName}" scores of ${path.basename(file)}`,
      };
    }
    let judgeRatings: RatingTable;
    let judge: BestOfNResult['judge'];
    let judgments: RunSummary | undefined;
    if (options.recorded) {
      judgeRatings = fileRatings(data, AUTOJ_SCORES);
      judge = {
        name: AUTOJ_SCORES,
        mode: 'recorded',
        description: `the "${AUTOJ_SCORES}" scores of ${path.basename(file)}`,
      };
    } else {
      const connected = await context.judge('single');
      const rated = await rateCandidates(data, { judge: connected.judge, role: 'judge', run: connected.run });
      const s = rated.summary;
      judgments = s;
      context.log(
        `bestofn: ${s.requested} candidates (${s.cached} from the store, ${s.sent} sent), ${s.unparsed} unparsed, ${s.errors} failed`,
      );
      judgeRatings = rated.ratings;
      judge = {
        name: connected.judge.info.name,
        mode: 'live',
        description: connected.judge.info.description,
      };
    }
    const result = scoreBestOfN(data, {
      judge,
      rater,
      judgeRatings,
      raterRatings,
      bootstrap: { resamples: options.bootstrap, seed: options.seed },
      inputs,
    });
    return judgments ? { result, judgments } : { result };
  },
  table: formatBestOfNTable,
  csv: { files: ['sizes.csv'], render: (result) => ({ 'sizes.csv': sizesCsv(result) }) },
  outcome: {
    empty: (result) => (result.overall.every((row) => row.sets === 0) ? 'no pick rated' : null),
    figures: 'means',
    note: (_result, judged) => judged,
  },
  subjectKind: (subject) => (/^query \d+ .+ candidate \d+$/.test(subject) ? 'candidates' : undefined),
  report: bestOfNReport,
};

/** One row per N and base model, all models first (rater's mean ratings). */
export function sizesCsv(result: BestOfNResult): string {
  const rows = [
    ...result.overall.map((row) => ({ model: 'all', row })),
    ...result.byModel.flatMap((m) => m.rows.map((row) => ({ model: m.model, row }))),
  ];
  return toCsv(
    ['model', 'size', 'sets', 'judge_pick', 'random_pick', 'best_pick', 'gain', 'tied_picks', 'no_pick'],
    rows.map(({ model, row }) => [
      model,
      row.size,
      row.sets,
      row.judgePick ?? '',
      row.randomPick ?? '',
      row.bestPick ?? '',
      row.gain ?? '',
      row.tiedPicks,
      row.noPick,
    ]),
  );
}
