import { terminalText } from '../core/terminal-text.js';

/**
 * Plain-text tables for the terminal: right-aligned numbers, left-aligned text. Cells are
 * shown with control characters escaped (a model id cannot clear the screen or add a row).
 */
export function formatTable(rawHeader: readonly string[], rawRows: readonly (readonly string[])[]): string {
  const header = rawHeader.map(terminalText);
  const rows = rawRows.map((r) => r.map(terminalText));
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const numeric = header.map(
    (_, c) =>
      rows.length > 0 && rows.every((r) => /^[-+]?[\d.]+%?$|^[-–]$|^n\/a$|^not run$/.test(r[c] ?? '')),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

export function fixed(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** A p-value: three decimals, or in exponent form below 0.001 (never printed as 0). */
export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  return p < 0.001 ? p.toExponential(2) : p.toFixed(3);
}

export function interval(ci: readonly [number, number] | null | undefined, digits: number): string {
  return ci ? `[${ci[0].toFixed(digits)}, ${ci[1].toFixed(digits)}]` : '–';
}

/**
 * A share (0-1) as a percentage with at most one decimal: 0.0124 -> "1.2%", 0.95 -> "95%".
 * Rounded down, so a share below a threshold never prints as the threshold (0.9496 -> "94.9%").
 */
export function formatShare(share: number): string {
  return `${Number((Math.floor(share * 1000 + 1e-9) / 10).toFixed(1))}%`;
}
