/**
 * Terminal view of a pairwise result: the authors' table (group, agreement, consistency,
 * overall last), then the figures that explain it. Formatting only: every number comes
 * from the result document.
 */
import { terminalText } from '../../harness/core/terminal-text.js';
import { pValue } from '../../harness/core/text-table.js';
import type { Interval, PairwiseResult } from './result.js';

export function formatPairwiseTable(result: PairwiseResult): string {
  const { overall } = result;
  const lines: string[] = [];
  const protocol =
    result.protocol === 'pairwise'
      ? 'pairwise protocol, both orders'
      : `single protocol, verdict from two ratings (tie margin ${result.judge.tieMargin ?? 0})`;
  lines.push(
    `${result.dataset.pairs.toLocaleString('en-US')} pairs, ${result.dataset.scenarios} scenarios in ${result.dataset.groups} groups`,
    terminalText(`judge: ${result.judge.mode} ${result.judge.description}; ${protocol}`),
    '',
  );

  const rows = [
    ...result.groups.map((g) => [g.group, num(g.agreement), num(g.consistency), String(g.n)]),
    ['Overall', num(overall.agreement), num(overall.consistency), String(overall.n)],
  ];
  lines.push(...table(['group', 'agreement', 'consistency', 'n'], rows, rows.length - 1), '');

  if (overall.consistencyNote) lines.push(`consistency: ${overall.consistencyNote}`);
  const { resamples, seed } = result.bootstrap;
  if (overall.agreementCi95) {
    const parts = [`agreement ${interval(overall.agreementCi95)}`];
    if (overall.consistencyCi95) parts.push(`consistency ${interval(overall.consistencyCi95)}`);
    lines.push(
      `95% intervals (bootstrap, ${resamples.toLocaleString('en-US')} resamples of pairs, seed ${seed}): ${parts.join(', ')}`,
    );
  }
  if (overall.kappa !== null) {
    lines.push(
      `Cohen's kappa vs human labels: ${kappaText(overall.kappa)}${overall.kappaCi95 ? ` (95% ${kappaInterval(overall.kappaCi95)})` : ''}; 0 = chance`,
    );
  }
  lines.push(
    `agreement on non-tie labels: ${pctText(overall.agreementNonTie)} (${count(overall.nNonTie)} pairs)`,
  );
  const bias = overall.positionBias;
  if (bias) {
    lines.push(
      `position bias: response shown first chosen in ${pctText(bias.firstRate)} of ${count(bias.nDecisive)} decisive verdicts (50% = none);` +
        ` same position in both orders: first ${count(bias.firstBoth)}, second ${count(bias.secondBoth)} pairs`,
    );
  } else {
    lines.push('position bias: n/a (each response is rated on its own)');
  }
  lines.push(
    `ties: judge ${pctText(overall.tieRate)} of parsed verdicts, human labels ${pctText(overall.humanTieRate)} of pairs`,
  );
  const u = overall.unparsed;
  lines.push(
    u.pairs === 0
      ? 'unparsed verdicts: none'
      : `unparsed verdicts: ${u.given} given order${u.swapped === null ? '' : `, ${u.swapped} swapped order`}; ${u.pairs} pairs count as wrong and inconsistent`,
  );

  const c = overall.confusion;
  lines.push('', 'confusion (rows: human label; columns: judge verdict in the given order):');
  const withUnparsed = c.unparsed.some((x) => x > 0);
  const header = ['', ...c.order, ...(withUnparsed ? ['unparsed'] : [])];
  const body = c.order.map((label, i) => [
    label,
    ...c.counts[i]!.map(String),
    ...(withUnparsed ? [String(c.unparsed[i])] : []),
  ]);
  lines.push(...table(header, body).map((l) => `  ${l}`), '');

  lines.push('baselines on the same pairs (one verdict per pair, given order):');
  const baseRows = result.baselines.map((b) => [
    b.name,
    num(b.agreement),
    b.agreementCi95 ? interval(b.agreementCi95) : 'n/a',
    b.kappa === null ? 'n/a' : kappaText(b.kappa),
  ]);
  lines.push(...table(['ruler', 'agreement', '95% interval', 'kappa'], baseRows).map((l) => `  ${l}`));
  const v = result.versusLength;
  // the ruler against itself says nothing
  if (result.judge.name !== 'length') {
    lines.push(
      `judge vs length ruler, pair by pair (McNemar exact): judge only right on ${count(v.judgeOnly)}, ruler only on ${count(v.rulerOnly)} of ${count(v.n)} pairs; p = ${v.p === null ? 'n/a' : pValue(v.p)}`,
    );
  }
  lines.push('');

  lines.push('published results on the same pairs (agreement / consistency):');
  const refRows = result.references.map((r) => [
    r.kind.startsWith('reward') ? `${r.judge} (reward model)` : r.judge,
    num(r.agreement),
    num(r.consistency),
  ]);
  lines.push(...table(['judge', 'agreement', 'consistency'], refRows).map((l) => `  ${l}`));
  lines.push('', 'per-scenario rows, group intervals and definitions: --json');
  return `${lines.join('\n')}\n`;
}

/**
 * Left-aligned first column, right-aligned numbers; a rule above row `ruleBefore`. Cells
 * (group and judge names from data files) are shown with control characters escaped.
 */
function table(
  header: readonly string[],
  rawRows: readonly (readonly string[])[],
  ruleBefore?: number,
): string[] {
  const rows = rawRows.map((r) => r.map(terminalText));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [render(header), rule];
  rows.forEach((row, i) => {
    if (i === ruleBefore) out.push(rule);
    out.push(render(row));
  });
  return out;
}

function num(value: number | null): string {
  return value === null ? 'n/a' : value.toFixed(2);
}

function pctText(value: number | null): string {
  return value === null ? 'n/a' : `${value.toFixed(2)}%`;
}

function interval([lo, hi]: Interval): string {
  return `${lo.toFixed(2)}-${hi.toFixed(2)}`;
}

function kappaText(value: number): string {
  return value.toFixed(3);
}

function kappaInterval([lo, hi]: Interval): string {
  return `${kappaText(lo)} to ${kappaText(hi)}`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
