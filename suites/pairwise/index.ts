import path from 'node:path';
import { BenchError } from '../../harness/core/errors.js';
import { RESAMPLES, SEED } from '../../harness/core/number-rules.js';
import { isSafePathSegment } from '../../harness/core/safe-name.js';
import { toCsv } from '../../harness/core/serialize.js';
import type { RunSummary } from '../../harness/runner/run-judgments.js';
import type { Suite } from '../../harness/suite/contract.js';
import { resolveAutojDataDir, autojDataOption } from './data-dir.js';
import { judgePairs, pairwiseSubjectKind } from './live.js';
import { pairwiseReport } from './report/section.js';
import type { PairwiseResult } from './result.js';
import { scorePairwiseSuite } from './score.js';
import { loadPairwiseData, loadRecordedJudgments, PAIRWISE_DEFAULTS } from './suite.js';
import { formatPairwiseTable } from './table.js';
import { pairwiseJudgeSummary } from './judge-summary.js';

/** `bench run pairwise`'s options, by flag name. */
export interface PairwiseSuiteOptions {
  readonly protocol: 'pairwise' | 'single';
  readonly 'tie-margin': number;
  readonly predictions?: string;
  readonly swapped?: string;
  readonly 'recorded-judge': string;
  readonly data?: string;
  readonly seed: number;
  readonly bootstrap: number;
}

/**
 * Agreement with human labels and swap consistency on Auto-J's 1,392 pairs. Recorded mode
 * scores verdict files (--predictions, --swapped); live mode judges every pair with the
 * judge (both orders with the pairwise protocol, or each response on its own with
 * --protocol single). See README.md beside this file.
 */
export const pairwiseSuite: Suite<PairwiseSuiteOptions, PairwiseResult> = {
  name: 'pairwise',
  description: "agreement with human labels and swap consistency on Auto-J's 1,392 labelled pairs",
  usage:
    '$0 run pairwise [--judge autoj --endpoint URL] [--protocol pairwise|single] [--json]\n' +
    '$0 run pairwise --predictions FILE --swapped FILE [--json]\n\n' +
    'Scores verdicts on the pairs in the given order and in the swapped order against the human labels:\n' +
    "from a live judge, or from verdict files in the authors' format.",
  examples: [
    {
      command:
        '$0 run pairwise --predictions ../shared/data/auto-j/data/outputs/pairwise_example_output.jsonl --swapped ../shared/data/auto-j/data/outputs/pairwise_exchange_example_output.jsonl',
      description: "Auto-J's own verdicts (54.96 / 83.41)",
    },
  ],
  judge: 'optional',
  options: [
    {
      name: 'protocol',
      type: 'string',
      choices: ['pairwise', 'single'],
      default: 'pairwise',
      describe:
        'live mode: compare the two responses (pairwise), or rate each on its own and compare the ratings (single)',
    },
    {
      name: 'tie-margin',
      type: 'number',
      min: 0,
      max: 9,
      default: PAIRWISE_DEFAULTS.tieMargin,
      describe: 'single protocol: ratings this close or closer count as a tie',
    },
    {
      name: 'predictions',
      type: 'string',
      describe: 'verdicts with the responses in the given order: one {"output": 0|1|2} per line',
    },
    {
      name: 'swapped',
      type: 'string',
      describe: 'verdicts on the swapped prompts, as the judge answered them (not mapped back)',
    },
    {
      name: 'recorded-judge',
      type: 'string',
      default: 'autoj',
      describe: 'recorded mode: the judge profile whose verdicts the files are (its row in bench judges)',
    },
    autojDataOption(),
    {
      name: 'seed',
      type: 'number',
      ...SEED,
      default: PAIRWISE_DEFAULTS.seed,
      describe: 'bootstrap seed',
    },
    {
      name: 'bootstrap',
      type: 'number',
      ...RESAMPLES,
      default: PAIRWISE_DEFAULTS.resamples,
      describe: 'bootstrap resamples for the 95% intervals (0 = none)',
    },
  ],
  check(options, label) {
    if (!isSafePathSegment(options['recorded-judge'])) {
      throw new BenchError(
        `${label('recorded-judge')}: not a judge profile name (letters, digits, _ . + @ = -)`,
        {
          exitCode: 2,
        },
      );
    }
    if ((options.predictions === undefined) !== (options.swapped === undefined)) {
      const missing = options.predictions === undefined ? 'predictions' : 'swapped';
      throw new BenchError(`${label(missing)} FILE is missing: recorded mode needs both verdict files`, {
        exitCode: 2,
      });
    }
  },
  judgeProtocol: (options) => options.protocol,
  async run(context, options) {
    const started = context.now();
    const dataDir = resolveAutojDataDir(options.data, context.optionLabel('data'), context.cwd);
    const data = await loadPairwiseData(dataDir);
    context.log(`pairwise: ${data.pairs.length} pairs from ${dataDir}`);
    const bootstrap = { resamples: options.bootstrap, seed: options.seed };
    let result: PairwiseResult;
    let judgments: RunSummary | undefined;
    if (options.predictions !== undefined && options.swapped !== undefined) {
      const { predictions, swapped } = options;
      const recorded = await loadRecordedJudgments(
        data,
        path.resolve(context.cwd, predictions),
        path.resolve(context.cwd, swapped),
      );
      result = scorePairwiseSuite(data, recorded.judgments, {
        judge: {
          name: 'recorded',
          mode: 'recorded',
          description: `verdicts from ${path.basename(predictions)} (swapped: ${path.basename(swapped)})`,
          profile: options['recorded-judge'],
        },
        bootstrap,
        inputs: recorded.inputs,
      });
    } else {
      const connected = await context.judge(options.protocol);
      const live = await judgePairs(data, {
        judge: connected.judge,
        protocol: options.protocol,
        tieMargin: options['tie-margin'],
        run: connected.run,
      });
      const s = live.summary;
      judgments = s;
      context.log(
        `pairwise: ${s.requested} judgments (${s.cached} from the store, ${s.sent} sent), ${s.unparsed} unparsed, ${s.errors} failed`,
      );
      result = scorePairwiseSuite(data, live.judgments, {
        judge: {
          name: connected.judge.info.name,
          mode: 'live',
          description: connected.judge.info.description,
        },
        bootstrap,
        inputs: data.inputs,
      });
    }
    context.log(`pairwise: read and scored in ${context.now().getTime() - started.getTime()} ms`);
    return judgments ? { result, judgments } : { result };
  },
  table: formatPairwiseTable,
  csv: { files: ['groups.csv'], render: (result) => ({ 'groups.csv': groupsCsv(result) }) },
  outcome: {
    // Recorded verdicts are all there or refused; a live run without one verdict is nothing.
    empty: (_result, judgments, judged) =>
      judgments && judgments.requested - judgments.errors - judgments.unparsed === 0
        ? `no verdict: ${judged ?? 'nothing judged'}`
        : null,
    figures: 'figures',
    note: (_result, judged) => judged,
  },
  subjectKind: pairwiseSubjectKind,
  report: pairwiseReport,
  judgeSummary: pairwiseJudgeSummary,
};

/** The authors' table: one row per group, overall last (percentages, unrounded). */
export function groupsCsv(result: PairwiseResult): string {
  const rows = [...result.groups, { ...result.overall, group: 'Overall' }];
  return toCsv(
    [
      'group',
      'n',
      'agreement',
      'consistency',
      'agreement_non_tie',
      'first_rate',
      'tie_rate',
      'unparsed_pairs',
    ],
    rows.map((g) => [
      g.group,
      g.n,
      g.agreement ?? '',
      g.consistency ?? '',
      g.agreementNonTie ?? '',
      g.firstRate ?? '',
      g.tieRate ?? '',
      g.unparsedPairs,
    ]),
  );
}
