import { MIN_BAND_POINTS, trendBand } from '../charts.js';
import { interval, num } from '../format.js';

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

export interface StatLike {
  readonly value: number | null;
  readonly ci95: readonly [number, number] | null;
}

export function stat(s: StatLike | undefined, digits = 3): StatView {
  return { value: num(s?.value, digits), ci: interval(s?.ci95, digits) };
}
