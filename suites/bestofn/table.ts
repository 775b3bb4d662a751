/**
 * Terminal view of a Best-of-N result: per N, the rater's mean rating of the judge's
 * picks beside a random pick's and the best pick's; then the correlation. Formatting only.
 */
import { fixed, formatTable, interval } from '../../harness/core/text-table.js';
import { terminalText } from '../../harness/core/terminal-text.js';
import type { BestOfNResult } from './result.js';

export function formatBestOfNTable(result: BestOfNResult): string {
  const lines = [
    `${result.dataset.queries} queries x ${result.dataset.models.length} base models x ${result.dataset.candidates} candidates`,
    terminalText(`judge (picks): ${result.judge.mode} ${result.judge.description}`),
    terminalText(`rater (rates the picks): ${result.rater.mode} ${result.rater.description}`),
    '',
  ];
  lines.push(
    formatTable(
      ['N', 'judge pick', '95% CI', 'random pick', 'best pick', 'gain', 'sets', 'tied picks'],
      result.overall.map((r) => [
        String(r.size),
        fixed(r.judgePick, 3),
        interval(r.judgePickCi95, 2),
        fixed(r.randomPick, 3),
        fixed(r.bestPick, 3),
        fixed(r.gain, 3),
        String(r.sets),
        String(r.tiedPicks),
      ]),
    ),
  );
  const c = result.correlation;
  lines.push(
    `judge vs rater over ${c.n} candidates: Spearman ${fixed(c.spearman.value, 3)}, Kendall ${fixed(c.kendall.value, 3)}, Pearson ${fixed(c.pearson.value, 3)}`,
    `subset: ${result.subset}`,
    `ties: ${result.tieBreak}`,
  );
  for (const note of result.notes) lines.push(terminalText(note));
  return lines.join('\n') + '\n';
}
