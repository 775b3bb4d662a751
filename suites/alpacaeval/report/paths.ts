import { SitePaths } from '../../../harness/report/paths.js';

export const PAPER_PAGE = 'paper.html';

/** Where the AlpacaEval pages live: leaderboards, model pages, other runs, histories. */
export class AlpacaEvalPaths extends SitePaths {
  alpacaEval(judge: string): string {
    return `alpacaeval/${this.slug('judges', judge)}/index.html`;
  }

  model(judge: string, model: string): string {
    const j = this.slug('judges', judge);
    return `alpacaeval/${j}/models/${this.slug(`models/${j}`, model)}.html`;
  }

  /** The leaderboard page of a run that is not the judge's published one. */
  run(judge: string, runId: string): string {
    const j = this.slug('judges', judge);
    return `alpacaeval/${j}/runs/${this.slug(`runs/${j}`, runId)}/index.html`;
  }

  runModel(judge: string, runId: string, model: string): string {
    const j = this.slug('judges', judge);
    const r = this.slug(`runs/${j}`, runId);
    return `alpacaeval/${j}/runs/${r}/models/${this.slug(`models/${j}/${r}`, model)}.html`;
  }

  history(judge: string): string {
    return `history/${this.slug('history', judge)}.html`;
  }
}
