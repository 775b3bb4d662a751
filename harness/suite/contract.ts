import type { JudgeInfo } from '../core/types.js';
import type { Judge, ParsedCompletion } from '../judge/judge.js';
import type { JudgeSummary } from '../leaderboard/judges.js';
import type { RankedRun } from '../leaderboard/snapshot.js';
import type { SuiteReport } from '../report/sections.js';
import type { StoredTexts } from '../runner/judge-session.js';
import type { RunOptions } from '../runner/run-judgments.js';
import type { SourceFiles } from '../source/files.js';
import type { RunEnvelope, RunManifest } from '../store/run-archive.js';
import type { OptionDeclaration } from './options.js';

/**
 * A suite is a declaration: what it is called, which options it takes, how it runs, and
 * how its result is shown (terminal table, CSV files, report pages). The harness does the
 * rest for every suite alike (`executeSuite`, the CLI's `bench run <suite>`): option
 * checks, the run manifest, the run archive, `--json`, `--out`, `--report`, exit status.
 * Suites live in suites/<name>/ and are listed in the registry the CLI is given
 * (suites/index.ts); nothing under harness/ imports them. See README, "Adding a suite".
 *
 * `O` is the suite's options (flag name -> value, as declared in `options`), `R` its result
 * document (what `--json` prints and .bench/runs keeps).
 */
export interface Suite<O extends object = object, R extends RunEnvelope = RunEnvelope> {
  /** `bench run <name>`; also in archive file names and result documents: [a-z0-9-]+ */
  readonly name: string;
  /** one line for `bench run --help` */
  readonly description: string;
  /** `bench run <name> --help`: how it is called, in more words */
  readonly usage?: string;
  readonly examples?: readonly { readonly command: string; readonly description: string }[];
  /**
   * Whether its runs judge: `required` (always), `optional` (some runs do: the judge's
   * flags are offered and the judge is opened only when `run` asks for it), `none`.
   */
  readonly judge: 'required' | 'optional' | 'none';
  /** the profile `--judge` defaults to for this suite (default `autoj`): a classifier's suite names its classifier */
  readonly defaultJudge?: string;
  /** whether it reads the AlpacaEval source (--source, --offline) */
  readonly source?: boolean;
  readonly options: readonly OptionDeclaration[];
  /**
   * The version of its result documents (`schemaVersion` in them): the report skips
   * archived documents of another version. Absent for documents that carry none.
   */
  readonly schemaVersion?: number;
  /** checks across options, once each option is known to be well-formed; throws a BenchError */
  check?(options: O, label: (name: string) => string): void;
  /** the protocol the judge is opened with for these options (default `single`) */
  judgeProtocol?(options: O): 'single' | 'pairwise';
  /** does the work; the harness adds the shared part of the manifest */
  run(context: SuiteContext, options: O): Promise<SuiteOutput<R>>;
  /** the result as the terminal shows it (without --json) */
  table(result: R): string;
  /** tables for `--out` (result.json is written for every suite) */
  readonly csv?: CsvTables<R>;
  /**
   * The words of a run's last line (see `bench run`: a result that ranks nothing is not
   * archived and fails; failed judgments beyond --max-failures exit 3).
   */
  readonly outcome?: SuiteOutcome<R>;
  /**
   * The kind of one of its judgment subjects (`pair 17 swapped` -> `pairs, swapped order`),
   * so `bench cache stats` counts a suite's many numbered subjects in a few rows; undefined
   * for a subject to list as it is (a model).
   */
  subjectKind?(subject: string): string | undefined;
  /** its pages in the report site */
  readonly report?: SuiteReport<R>;
  /**
   * What one of its runs says of the judge, for the judge leaderboard (`bench judges`):
   * named figures with their intervals, whether the run is complete, the judge's parse
   * failures, rulers scored beside it; null for a run that says nothing of a judge.
   */
  judgeSummary?(result: R): JudgeSummary | null;
  /** set by the suite whose leaderboard `bench refresh` keeps */
  readonly leaderboard?: LeaderboardSuite<O, R>;
  /** how `bench runs list` describes its archived runs and `bench runs diff` compares two */
  readonly runs?: SuiteRuns<R>;
}

/** What `bench runs list|diff` needs of a suite's result documents. */
export interface SuiteRuns<R> {
  /** a run in a few words: its settings, its size (judgments asked for), complete or partial */
  describe(result: R): { readonly settings: string; readonly size: number; readonly complete: boolean };
  /** two runs compared (their models, their items): the document `--json` prints */
  diff?(a: R, b: R, context: RunDiffContext): Promise<object>;
  /** that comparison as the terminal shows it */
  diffTable?(diff: object): string;
}

/** What comparing two runs may read besides their documents. */
export interface RunDiffContext {
  /** the AlpacaEval source (the outputs the runs judged), for suites that declare `source` */
  readonly source?: SourceFiles;
  /** the judge a run's result names, rebuilt without a server, or why it cannot be */
  judge(info: JudgeInfo): Judge | string;
  /** the store's parsed judgments by key; null without a store */
  judgments(keys: readonly string[]): ReadonlyMap<string, ParsedCompletion> | null;
  /**
   * The same through the store's task index (judge request identity + task digest), by
   * digest: no prompt rendered to learn its key; null without a store.
   */
  judgmentsByTask(identity: string, digests: readonly string[]): ReadonlyMap<string, ParsedCompletion> | null;
  readonly warn: (message: string) => void;
}

/** How a run's result ends the command. */
export interface SuiteOutcome<R> {
  /**
   * Why the result counts for nothing (no model ranked, no verdict), with `judged` (what
   * failed or went unparsed, in words) where it belongs; null when it counts. Such a
   * result is printed but neither archived nor rendered, and the run fails.
   */
  empty(result: R, judgments: JudgmentCounts | undefined, judged: string | undefined): string | null;
  /** what the result's numbers are called: "the scores leave them out" */
  readonly figures: string;
  /** the last line of a run that counts but had failed (allowed) or unparsed judgments */
  note(result: R, judged: string): string;
}

/** What a run's judge did: judgments asked for, failed (no answer), unparsed (no verdict). */
export interface JudgmentCounts {
  readonly requested: number;
  readonly errors: number;
  readonly unparsed: number;
}

/** CSV files of a result, for `--out`. */
export interface CsvTables<R> {
  /** the file names, as `--out` lists them */
  readonly files: readonly string[];
  /** each file's text, by name */
  render(result: R): Readonly<Record<string, string>>;
}

/** What `bench refresh` needs of the suite it ranks models with. */
export interface LeaderboardSuite<O, R> {
  /** the suite's options that `bench refresh` offers as its own flags (declared in `options`) */
  readonly flags: readonly string[];
  /**
   * The suite's options for ranking `models` against one reference leaderboard, with the
   * values of `flags` (read as the suite declares them).
   */
  options(request: {
    readonly reference: string;
    readonly models: readonly string[];
    readonly seed: number;
    readonly bootstrap: number;
    readonly values: Readonly<Record<string, unknown>>;
  }): O;
  /**
   * The identity of the items judged with these options (a set, or a seeded subset of it),
   * so that a different subset is never taken for "nothing new".
   */
  selectionSha256(options: O): string;
  /**
   * The result as the leaderboard reads it (the identity: its type is checked where it is
   * declared); throws a BenchError when it ranks no model: a failed night, not a snapshot.
   */
  ranked(result: R): R & RankedRun;
}

/** A suite of any options and result, as the registry holds them. */
// Method parameters are bivariant: a Suite<AlpacaEvalOptions, AlpacaEvalResult> is one.
export type AnySuite = Suite<object, RunEnvelope>;

/** A judge opened for a suite: the judge and what the runner needs to reach it. */
export interface SuiteJudge {
  readonly judge: Judge;
  readonly run: Omit<RunOptions, 'label' | 'subjects'>;
  /** the raw texts of its stored judgments by key (a critique, a comparator's reason) */
  readonly texts: StoredTexts;
}

/**
 * A second judge a suite opens itself (the critique suite's comparator): a profile on an
 * endpoint of its own, with the run's store, concurrency and failure limit.
 */
export interface OtherJudgeRequest {
  /** a built-in profile name or a profile file */
  readonly profile: string;
  readonly protocol: 'single' | 'pairwise';
  /** its OpenAI API base URL */
  readonly endpoint: string;
  /** the model, for a profile that leaves it open (default: the one the endpoint lists) */
  readonly model?: string;
  readonly language?: string;
  /** its own key (the judge's is never sent to it) */
  readonly apiKey?: string;
  /** its context length where its endpoint lists none (a hosted model); a smaller listed one wins */
  readonly maxModelLen?: number;
  /** the option that gives `maxModelLen`, named in the error when it is needed (`--comparator-max-model-len`) */
  readonly maxModelLenOption?: string;
}

/** What the harness gives a suite's `run`. */
export interface SuiteContext {
  readonly cwd: string;
  /** aborted on Ctrl-C */
  readonly signal: AbortSignal;
  readonly now: () => Date;
  /** a warning line (untrusted text is made terminal-safe by the sink) */
  readonly warn: (message: string) => void;
  /** a progress line on stderr */
  readonly log: (message: string) => void;
  /** the AlpacaEval source, for suites that declare `source` */
  readonly source?: SourceFiles;
  /**
   * Where the harness keeps archived runs and leaderboard snapshots, for a suite that
   * places a run among stored ones (`--model-outputs`); absent where the command has none.
   */
  readonly stored?: { readonly runs: string; readonly leaderboards: string };
  /**
   * Raw files under an http(s) base URL through the same on-disk HTTP cache as the
   * AlpacaEval source (a cached file is revalidated by its ETag; with `offline`, no request
   * is sent and a file not cached is an error). Absent where the command offers none.
   */
  remoteFiles?(
    baseUrl: string,
    options: {
      readonly offline: boolean;
      /** how to do without the network, for the error when the server cannot be reached */
      readonly localCopy?: string;
    },
  ): SourceFiles;
  /** how the user gave an option, for messages: `--data`, or `$AUTOJ_DATA` when the environment did */
  optionLabel(name: string): string;
  /**
   * The judge chosen for the run, with the protocol the suite's `judgeProtocol` gave,
   * connected on first call (reaching the server, starting it with --serve, opening the
   * store): a run that asks for none never touches them.
   */
  judge(protocol: 'single' | 'pairwise'): Promise<SuiteJudge>;
  /**
   * A second judge (`OtherJudgeRequest`), connected on call and closed at the end of the
   * run like the first; its judgments go to the same store. Absent where the command offers
   * none (`bench refresh`).
   */
  otherJudge?(request: OtherJudgeRequest): Promise<SuiteJudge>;
}

/** What a suite's `run` returns: its result, manifest fields of its own, what its judge did. */
export interface SuiteOutput<R extends RunEnvelope> {
  readonly result: Omit<R, 'manifest'>;
  /** written after the shared fields of the manifest (sources read, judgment counts, ...) */
  readonly manifest?: Omit<NonNullable<R['manifest']>, keyof RunManifest>;
  /** the judge's counts, when the run judged (not for recorded verdicts) */
  readonly judgments?: JudgmentCounts;
}
