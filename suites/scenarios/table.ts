/**
 * Terminal view of a scenarios result: accuracy per group of the queries' own scenario,
 * overall last, then the confusion table of groups. Formatting only.
 */
import { fixed, formatTable, interval } from '../../harness/core/text-table.js';
import { terminalText } from '../../harness/core/terminal-text.js';
import type { ScenariosResult } from './result.js';

export function formatScenariosTable(result: ScenariosResult): string {
  const { overall } = result;
  const lines = [
    `${result.dataset.queries} queries of ${result.dataset.scenarios} scenarios (${result.dataset.labels} labels)`,
    terminalText(`classifier: ${result.classifier.description}`),
    '',
  ];
  const row = (name: string, r: ScenariosResult['overall']) => [
    name,
    fixed(r.accuracy, 2),
    fixed(r.groupAccuracy, 2),
    String(r.n),
    String(r.unparsed),
  ];
  lines.push(
    formatTable(
      ['group', 'accuracy', 'group accuracy', 'n', 'unparsed'],
      [...result.groups.map((g) => row(g.group, g)), row('Overall', overall)],
    ),
  );
  if (overall.accuracyCi95) {
    lines.push(
      `95% intervals (bootstrap, ${result.bootstrap.resamples} resamples of queries, seed ${result.bootstrap.seed}): ` +
        `accuracy ${interval(overall.accuracyCi95, 2)}, group accuracy ${interval(overall.groupAccuracyCi95, 2)}`,
      '',
    );
  }
  const c = result.confusion;
  lines.push('confusion (rows: own group; columns: group of the predicted scenario):');
  const short = c.order.map((g, i) => `${i + 1}`);
  lines.push(
    formatTable(
      ['own group', ...short, 'unparsed'],
      c.order.map((g, i) => [`${i + 1} ${g}`, ...c.counts[i]!.map(String), String(c.unparsed[i])]),
    ),
  );
  for (const note of result.notes) lines.push(terminalText(note));
  return lines.join('\n') + '\n';
}
