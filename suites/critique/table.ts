/**
 * Terminal view of a critique result: the authors' table (group, win rate, overall last)
 * with tie and lose beside it, then the counts that explain it. Formatting only.
 */
import { fixed, formatTable, interval } from '../../harness/core/text-table.js';
import { terminalText } from '../../harness/core/terminal-text.js';
import type { CritiqueResult } from './result.js';

export function formatCritiqueTable(result: CritiqueResult): string {
  const { overall } = result;
  const lines = [
    `${result.dataset.items} responses, ${result.dataset.scenarios} scenarios in ${result.dataset.groups} groups (${result.language})`,
    terminalText(`critiques: ${result.judge.mode} ${result.judge.description}`),
    terminalText(`compared with ChatGPT's by: ${result.comparator.description}`),
    '',
  ];
  const row = (name: string, r: CritiqueResult['overall'] | CritiqueResult['groups'][number]) => [
    name,
    fixed(r.win, 2),
    fixed(r.tie, 2),
    fixed(r.lose, 2),
    String(r.n),
  ];
  lines.push(
    formatTable(
      ['group', 'win', 'tie', 'lose', 'n'],
      [...result.groups.map((g) => row(g.group, g)), row('Overall', overall)],
    ),
  );
  const { resamples, seed } = result.bootstrap;
  if (overall.winCi95) {
    lines.push(
      `95% intervals (bootstrap, ${resamples} resamples of votes, seed ${seed}): win ${interval(overall.winCi95, 2)}, ` +
        `tie ${interval(overall.tieCi95, 2)}, lose ${interval(overall.loseCi95, 2)}`,
    );
  }
  lines.push(
    `votes ${overall.wins} / ${overall.ties} / ${overall.losses} of ${overall.items} items; ` +
      `unparsed ${overall.unparsed}, not compared ${overall.missing}`,
    `order: ${result.order.exchanged} of ${overall.items} items showed the reference as Feedback 1 ` +
      `(${result.order.source === 'seeded' ? `seed ${result.order.seed}` : 'as recorded'})`,
  );
  for (const note of result.notes) lines.push(terminalText(note));
  return lines.join('\n') + '\n';
}
