import type { LeaderboardHistory } from '../leaderboard/types.js';
import type { SourceFiles } from '../source/files.js';
import type { ArchivedRun } from '../store/run-archive.js';
import type { CritiqueLookup } from './types.js';

/**
 * How a suite appears in the report site. The report knows no suite: it reads the run
 * archive generically, gives each suite its own runs, and renders the pages the suite
 * plans from its own templates. Formatting only: every figure a page shows is in a result
 * document (or computed by the suite's statistics), never computed here.
 */
export interface SuiteReport<R> {
  /** what the site shows of the suite's runs: read from the archive, planned as pages */
  load(archive: RunArchive<R>, context: ReportContext): Promise<SiteSection>;
}

/** A suite's archived runs, as its report reads them. */
export interface RunArchive<R> {
  /** the suite's archived runs, newest first */
  readonly runs: readonly ArchivedRun[];
  /**
   * A run's document, or null (with a warning) when the file is not one of the suite's
   * result documents or has another schema version. Each file is read once.
   */
  read(file: string): Promise<R | null>;
}

/** What every suite's report may use besides its runs. */
export interface ReportContext {
  /** leaderboard histories (one per judge) from `leaderboards/<judge>/` */
  readonly histories: readonly LeaderboardHistory[];
  readonly warn: (message: string) => void;
  /** the judge's stored completion for a judgment key, when there is a store */
  readonly critiques?: CritiqueLookup;
  /** the AlpacaEval submissions named for this build (`--source`, or the run that renders) */
  readonly source?: SourceFiles;
  /** opens the source a stored run names (the suite decides whether to: never a download unasked) */
  readonly openSource: (location: string) => SourceFiles;
  /** the Auto-J paper's Table 24 for suites that compare with it: a file, or null for none */
  readonly paperFile?: string | null;
}

/** A suite's part of the site, planned before anything is written (so links are known). */
export interface SiteSection {
  /** the suite's name: its templates are `<suite>/<name>` */
  readonly suite: string;
  /** the folder of its page templates (`<name>.hbs`) and partials (`partials/<name>.hbs`) */
  readonly templates: string;
  /** entries of the navigation bar, placed by `order` among all suites' (lower first) */
  readonly nav: readonly NavPlan[];
  /** parts of the overview page, placed by `order` likewise */
  readonly overview: readonly OverviewPart[];
  readonly pages: readonly PagePlan[];
}

export interface NavPlan {
  readonly label: string;
  /** site-relative path */
  readonly page: string;
  /** the section this entry highlights: pages whose `section` it is */
  readonly section: string;
  /** default 100 (after the built-in suites' entries) */
  readonly order?: number;
}

/** A part of the overview page: one of the suite's templates, rendered with `view`. */
export interface OverviewPart {
  readonly template: string;
  readonly view: object;
  readonly order?: number;
  /** whether it shows stored results (default true); the overview says so when none does */
  readonly results?: boolean;
}

export interface PagePlan {
  /** site-relative path, `/`-separated; distinct over the whole site */
  readonly page: string;
  /** one of the suite's templates */
  readonly template: string;
  readonly title: string;
  /** the navigation section the page belongs to */
  readonly section: string;
  /** whether it needs the table script (sorting, filtering) */
  readonly script: boolean;
  /** a progress line printed when the page is rendered */
  readonly log?: string;
  /** the page's view model, made when the page is rendered (model pages read outputs) */
  view(): object | Promise<object>;
}
