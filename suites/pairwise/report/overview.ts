import { dateTime, int, interval, percent } from '../../../harness/report/format.js';
import type { PairwiseResult } from '../result.js';

export interface OverviewPairwiseView {
  readonly judgeName: string;
  readonly description: string;
  readonly href: string;
  readonly finished: string;
  readonly agreement: string;
  readonly agreementCi: string;
  readonly consistency: string;
  readonly consistencyCi: string;
  readonly n: string;
}

/** The overview's pairwise part: each judge's headline figures. */
export function pairwiseOverviewView(input: readonly { result: PairwiseResult; href: string }[]): {
  pairwise: OverviewPairwiseView[];
} {
  const pairwise = input.map(({ result: r, href }) => ({
    judgeName: r.judge.name,
    description: r.judge.description,
    href,
    finished: r.manifest ? dateTime(r.manifest.finishedAt) : '–',
    agreement: percent(r.overall.agreement),
    agreementCi: interval(r.overall.agreementCi95, 2),
    consistency: percent(r.overall.consistency),
    consistencyCi: interval(r.overall.consistencyCi95, 2),
    n: int(r.overall.n),
  }));
  return { pairwise };
}
