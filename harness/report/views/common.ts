import { isCompleteRun, type AlpacaEvalResult } from '../../../suites/alpacaeval/result.js';
import { MIN_BAND_POINTS, trendBand } from '../charts.js';
import { baseName, dateTime, int, interval, num, plural } from '../format.js';

/** A chart ready for the page: the SVG (rendered and checked by charts.ts) and its words. */
export interface ChartView {
  readonly title: string;
  readonly caption: string;
  readonly svg: string;
  /** the same chart drawn for narrow screens, shown instead of `svg` there; '' for none */
  readonly narrow: string;
}

/** What a scatter's least-squares line over `n` points shows, for its caption. */
export function fitDescription(n: number): string {
  return trendBand(n)
    ? 'the line is the least-squares fit with its 95% band'
    : `the line is the least-squares fit (its 95% band is drawn from ${MIN_BAND_POINTS} points on)`;
}

/** The size charts are drawn at for phones: a wide chart scaled down to it would be unreadable. */
export const NARROW_CHART = { width: 360, height: 320, tooltips: false } as const;

/**
 * A chart drawn at its own size and, when `narrow` is given, again at that size for narrow
 * screens (the page shows one or the other). `draw` gets the size to use (none: its own).
 */
export function chartView(
  title: string,
  caption: string,
  draw: (size: { width?: number; height?: number; tooltips?: boolean }) => string,
  narrow?: { width: number; height: number; tooltips?: boolean },
): ChartView {
  return { title, caption, svg: draw({}), narrow: narrow ? draw(narrow) : '' };
}

/** A statistic with its interval, as printed. */
export interface StatView {
  readonly value: string;
  readonly ci: string;
}

export interface CorrelationView {
  readonly reference: string;
  readonly label: string;
  readonly n: string;
  readonly spearman: StatView;
  readonly kendall: StatView;
  readonly pearson: StatView;
}

interface StatLike {
  readonly value: number | null;
  readonly ci95: readonly [number, number] | null;
}

export function stat(s: StatLike | undefined, digits = 3): StatView {
  return { value: num(s?.value, digits), ci: interval(s?.ci95, digits) };
}

const SHORT_NAMES: Readonly<Record<string, string>> = { ae1: 'AE1', ae2: 'AE2', 'ae2-lc': 'AE2 LC' };

/** A short column label for a reference: AE1, AE2, AE2 LC, or a CSV's file name. */
export function referenceShort(name: string): string {
  return SHORT_NAMES[name] ?? baseName(name).replace(/\.csv$/i, '');
}

export function correlationView(c: {
  reference: string;
  label?: string;
  n: number;
  spearman: StatLike;
  kendall: StatLike;
  pearson: StatLike;
}): CorrelationView {
  return {
    reference: referenceShort(c.reference),
    label: c.label ?? c.reference,
    n: String(c.n),
    spearman: stat(c.spearman),
    kendall: stat(c.kendall),
    pearson: stat(c.pearson),
  };
}

/** The reference that charts compare with: AlpacaEval 2 when present. */
export function primaryReference(references: readonly string[]): string | undefined {
  return ['ae2', 'ae1', 'ae2-lc'].find((r) => references.includes(r)) ?? references[0];
}

/**
 * What a run covered, for the label of its page: `partial run: 2 models, 5 of 805
 * instructions, 2026-12-01 09:08 UTC`, or `complete run: all 227 models, ...`.
 */
export function runLabel(
  result: Pick<AlpacaEvalResult, 'settings' | 'instructionIndices' | 'models' | 'manifest'>,
): string {
  const s = result.settings;
  const kind = isCompleteRun(result)
    ? 'complete run'
    : s.models === undefined
      ? 'partial run (its model selection is not recorded)'
      : 'partial run';
  const models =
    s.models === 'all'
      ? `all ${plural(result.models.length, 'model')}`
      : plural(s.models?.length ?? result.models.length, 'model');
  const instructions =
    s.instructions === s.instructionSetSize
      ? `all ${int(s.instructionSetSize)} instructions`
      : `${int(s.instructions)} of ${plural(s.instructionSetSize, 'instruction')}`;
  return `${kind}: ${models}, ${instructions}, ${dateTime(result.manifest.finishedAt)}`;
}
