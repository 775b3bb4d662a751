import { createRequire } from 'node:module';
import type * as PlotModule from '@observablehq/plot';
import type * as LinkedomModule from 'linkedom';
import { linearRegression, linearRegressionLine } from 'simple-statistics';

/**
 * Charts drawn at build time as inline SVG with Observable Plot on linkedom's small DOM,
 * so the pages need no script to show them. Untrusted strings (model ids) only ever
 * reach text nodes (`<text>`, `<title>`), which the serializer escapes; every element and
 * attribute of a chart is checked as it is serialised, before it goes into a page.
 */

export const COLORS = {
  ink: '#1f2933',
  muted: '#8a94a6',
  accent: '#2458d6',
  accentSoft: '#9db4ec',
  warm: '#c2410c',
  grid: '#e5e7eb',
} as const;

export interface ScatterPoint {
  readonly x: number;
  readonly y: number;
  /** shown as the point's tooltip and, when `labelled`, next to it */
  readonly label: string;
  readonly labelled?: boolean;
  /** site-relative link from the page the chart is on */
  readonly href?: string;
  /** drawn in the warm colour (e.g. the judge under test among references) */
  readonly highlight?: boolean;
  /** tooltip, when it should say more than the label */
  readonly title?: string;
}

export interface ScatterOptions {
  readonly xLabel: string;
  readonly yLabel: string;
  /** a fitted least-squares line, with its 95% band from `MIN_BAND_POINTS` points on */
  readonly trend?: boolean;
  /** the dashed y = x line (rank against rank, a rating against a rating) */
  readonly diagonal?: boolean;
  /** rank on the y axis: 1 at the top */
  readonly reverse?: boolean;
  /** ticks at whole numbers only (ranks) */
  readonly integerTicks?: boolean;
  readonly width?: number;
  readonly height?: number;
  /** point tooltips (default true); a phone's copy of a chart goes without, having no hover */
  readonly tooltips?: boolean;
  readonly description: string;
  readonly xDomain?: readonly [number, number];
  readonly yDomain?: readonly [number, number];
  readonly percentX?: boolean;
  readonly percentY?: boolean;
}

/**
 * Below this many points the least-squares band is not drawn: with few points its
 * t-quantile is huge and the band covers the whole plot, which says nothing.
 */
export const MIN_BAND_POINTS = 10;

/** Whether a trend line over `n` points comes with its 95% band (for captions). */
export function trendBand(n: number): boolean {
  return n >= MIN_BAND_POINTS;
}

// Plot and linkedom (with their d3 and DOM modules, ~45 MB of a process) are loaded the
// first time a chart is drawn, not by every command that imports a suite: a run that
// builds no page never loads them. `require` loads an ES module synchronously (Node 20.19+),
// so the chart functions stay synchronous.
const requireModule = createRequire(import.meta.url);
let plotModule: typeof PlotModule | undefined;
let linkedomModule: typeof LinkedomModule | undefined;
function plotLib(): typeof PlotModule {
  return (plotModule ??= requireModule('@observablehq/plot') as typeof PlotModule);
}
function parseHTML(html: string): ReturnType<typeof LinkedomModule.parseHTML> {
  linkedomModule ??= requireModule('linkedom') as typeof LinkedomModule;
  return linkedomModule.parseHTML(html);
}

const BASE_STYLE = {
  fontFamily: 'inherit',
  fontSize: '11px',
  overflow: 'visible',
  background: 'transparent',
};

function documentForPlot(): Document {
  return parseHTML('<!doctype html><html><body></body></html>').document;
}

/** Draws and serialises a chart; the serialiser checks every element and attribute on the way. */
function render(options: PlotModule.PlotOptions): string {
  return serialize(plotLib().plot({ ...options, document: documentForPlot() }) as unknown as Node);
}

const TEXT_NODE = 3;
const ELEMENT_NODE = 1;

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(value: string): string {
  return escapeText(value).replace(/"/g, '&quot;');
}

/**
 * The chart as markup, serialised here rather than by the DOM library so that every
 * text node and every attribute value is escaped (`& < > "`), whatever it holds, and
 * every element and attribute passes `checkElement` (so the markup parses back into
 * the same, checked tree: no second parse is needed).
 */
export function serialize(node: Node): string {
  if (node.nodeType === TEXT_NODE) return escapeText(node.nodeValue ?? '');
  if (node.nodeType !== ELEMENT_NODE) return '';
  const el = node as Element;
  const tag = el.localName;
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(tag)) throw new Error(`unexpected element name in a chart: ${tag}`);
  const attributes = Array.from(el.attributes as ArrayLike<Attr>);
  checkElement(tag, attributes);
  const attrs = attributes
    .map((a) => {
      if (!/^[A-Za-z_:][A-Za-z0-9_.:-]*$/.test(a.name))
        throw new Error(`unexpected attribute name in a chart: ${a.name}`);
      return ` ${a.name}="${escapeAttribute(a.value)}"`;
    })
    .join('');
  const children = Array.from(el.childNodes as ArrayLike<Node>)
    .map(serialize)
    .join('');
  return `<${tag}${attrs}>${children}</${tag}>`;
}

/** The least-squares line's values at the smallest and largest x (what the trend mark draws). */
function fitEnds(data: readonly ScatterPoint[]): number[] {
  const xs = data.map((p) => p.x);
  if (Math.min(...xs) === Math.max(...xs)) return [];
  const line = linearRegressionLine(linearRegression(data.map((p) => [p.x, p.y])));
  return [Math.min(...xs), Math.max(...xs)].map(line);
}

/** Whole-number ticks for a rank axis: 1 and round steps, about `count` of them. */
export function integerTicks(domain: readonly [number, number], count: number): number[] {
  const lo = Math.ceil(Math.min(domain[0], domain[1]));
  const hi = Math.floor(Math.max(domain[0], domain[1]));
  const raw = Math.max(1, (hi - lo) / Math.max(1, count));
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const ticks = new Set<number>();
  if (lo <= 1 && hi >= 1) ticks.add(1);
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) if (t >= lo) ticks.add(t);
  if (ticks.size === 0) ticks.add(lo);
  return [...ticks].sort((a, b) => a - b);
}

export function scatterChart(points: readonly ScatterPoint[], o: ScatterOptions): string {
  const data = [...points];
  const width = o.width ?? 640;
  const height = o.height ?? 420;
  const frame = { marginTop: 20, marginRight: 24, marginLeft: 56, marginBottom: 42 };
  const inset = 8;

  // The scales are fixed here, so that labels can be placed in pixels before drawing and
  // the equality line spans exactly the range both axes share.
  const scaleOf = (
    axis: 'x' | 'y',
    values: readonly number[],
    given: readonly [number, number] | undefined,
    range: [number, number],
    reverse: boolean,
  ) => {
    const extent: [number, number] = given
      ? [given[0], given[1]]
      : values.length > 0
        ? [Math.min(...values), Math.max(...values)]
        : [0, 1];
    if (extent[0] === extent[1]) extent[1] = extent[0] + 1;
    const scale = plotLib().scale({
      [axis]: { domain: extent, nice: given === undefined, range, reverse },
    }) as {
      domain: number[];
      apply(v: number): number;
    };
    const domain = [...scale.domain].sort((a, b) => a - b) as [number, number];
    return { domain, apply: (v: number) => scale.apply(v) };
  };
  const sx = scaleOf(
    'x',
    data.map((p) => p.x),
    o.xDomain,
    [frame.marginLeft + inset, width - frame.marginRight - inset],
    false,
  );
  // The fitted line stays inside the plot: its ends count towards the y range.
  const fitted = o.trend && data.length >= 3 ? fitEnds(data) : [];
  const sy = scaleOf(
    'y',
    [...data.map((p) => p.y), ...fitted],
    o.yDomain,
    [height - frame.marginBottom - inset, frame.marginTop + inset],
    o.reverse ?? false,
  );

  // Ranks are whole numbers: their ticks (and grid lines) are too.
  const plotWidth = width - frame.marginLeft - frame.marginRight;
  const plotHeight = height - frame.marginTop - frame.marginBottom;
  const xTicks = o.integerTicks
    ? integerTicks(sx.domain, Math.max(2, Math.round(plotWidth / 70)))
    : undefined;
  const yTicks = o.integerTicks
    ? integerTicks(sy.domain, Math.max(2, Math.round(plotHeight / 50)))
    : undefined;
  const marks: PlotModule.Markish[] = [
    plotLib().gridX({ stroke: COLORS.grid, strokeOpacity: 1, ...(xTicks ? { ticks: xTicks } : {}) }),
    plotLib().gridY({ stroke: COLORS.grid, strokeOpacity: 1, ...(yTicks ? { ticks: yTicks } : {}) }),
  ];
  if (o.diagonal) {
    const lo = Math.max(sx.domain[0], sy.domain[0]);
    const hi = Math.min(sx.domain[1], sy.domain[1]);
    if (lo < hi) {
      marks.push(
        plotLib().line([{ v: lo }, { v: hi }], {
          x: 'v',
          y: 'v',
          stroke: COLORS.muted,
          strokeWidth: 1.2,
          strokeDasharray: '4,3',
        }),
      );
    }
  }
  if (o.trend && data.length >= 3) {
    marks.push(
      plotLib().linearRegressionY(data, {
        x: 'x',
        y: 'y',
        stroke: COLORS.accent,
        fill: COLORS.accentSoft,
        fillOpacity: 0.25,
        strokeWidth: 1.5,
        clip: true,
        ...(trendBand(data.length) ? {} : { ci: 0 }),
      }),
    );
  }
  const dots = (subset: readonly ScatterPoint[], color: string, r: number) =>
    plotLib().dot(subset, {
      x: 'x',
      y: 'y',
      r,
      fill: color,
      fillOpacity: 0.85,
      stroke: 'white',
      strokeWidth: 0.6,
      ...(o.tooltips === false ? {} : { title: (p: ScatterPoint) => p.title ?? p.label }),
      ...(subset.some((p) => p.href) ? { href: (p: ScatterPoint) => p.href ?? null } : {}),
    });
  marks.push(
    dots(
      data.filter((p) => !p.highlight && !p.labelled),
      COLORS.accent,
      3,
    ),
  );
  marks.push(
    dots(
      data.filter((p) => !p.highlight && p.labelled),
      COLORS.ink,
      3.5,
    ),
  );
  const hot = data.filter((p) => p.highlight);
  if (hot.length) marks.push(dots(hot, COLORS.warm, 5));

  const axis = (
    label: string,
    percent: boolean | undefined,
    domain: readonly [number, number],
    reverse: boolean,
    ticks: number[] | undefined,
  ) => ({
    label,
    labelAnchor: 'center' as const,
    labelArrow: 'none' as const,
    reverse,
    domain: [...domain],
    ...(ticks ? { ticks, tickFormat: (d: number) => String(d) } : {}),
    ...(percent ? { tickFormat: (d: number) => `${d}%` } : {}),
  });
  const options: PlotModule.PlotOptions = {
    width,
    height,
    ...frame,
    inset,
    style: BASE_STYLE,
    ariaLabel: o.description,
    x: axis(o.xLabel, o.percentX, sx.domain, false, xTicks),
    y: axis(o.yLabel, o.percentY, sy.domain, o.reverse ?? false, yTicks),
  };

  const labelled = data.filter((p) => p.labelled);
  if (labelled.length > 0) {
    const px = (p: ScatterPoint) => ({ px: sx.apply(p.x), py: sy.apply(p.y) });
    // Labels stay inside the plot frame: never over the tick labels or the axis titles.
    const placed = placeLabels(
      labelled.map((p) => ({ ...px(p), text: p.label })),
      data.filter((p) => !p.labelled && !p.highlight).map(px),
      {
        left: frame.marginLeft,
        right: width - frame.marginRight,
        top: frame.marginTop,
        bottom: height - frame.marginBottom,
      },
      data.filter((p) => p.labelled || p.highlight).map(px),
    );
    for (const spot of SPOTS) {
      const group = labelled.filter((_, i) => placed[i] === spot);
      if (group.length === 0) continue;
      marks.push(
        plotLib().text(group, {
          x: 'x',
          y: 'y',
          text: 'label',
          dx: spot.dx,
          dy: spot.dy,
          textAnchor: spot.anchor,
          fill: COLORS.ink,
          stroke: 'white',
          strokeWidth: 3,
          paintOrder: 'stroke',
          fontSize: LABEL_FONT,
        }),
      );
    }
  }
  return render({ ...options, marks });
}

const LABEL_FONT = 10;
const LABEL_HEIGHT = 12;

/**
 * Advance widths at 10 px, a little above DejaVu Sans's (the widest of the usual
 * sans-serif fonts, and Debian's default), so a label never takes less room than drawn.
 */
function glyphWidth(c: string): number {
  if ("ijl.,:;'!|".includes(c)) return 3.3;
  if ('ftrI()[]- /'.includes(c)) return 4.4;
  if ('mwMW'.includes(c)) return 10.2;
  if (c >= 'A' && c <= 'Z') return 7.5;
  if (c >= '0' && c <= '9') return 6.6;
  if (c === '_') return 5.2;
  return c.charCodeAt(0) > 0x7f ? 10 : 6.4;
}

/** The width a label takes at the label font, generously estimated (no DOM to measure in). */
export function labelWidth(text: string): number {
  let w = 2;
  for (const c of text) w += glyphWidth(c);
  return w;
}

interface Spot {
  readonly dx: number;
  readonly dy: number;
  readonly anchor: 'start' | 'end';
}

/** Where a label may go relative to its point, in order of preference. */
const SPOTS: readonly Spot[] = [
  { dx: 7, dy: 0, anchor: 'start' },
  { dx: -7, dy: 0, anchor: 'end' },
  { dx: 5, dy: -12, anchor: 'start' },
  { dx: -5, dy: -12, anchor: 'end' },
  { dx: 5, dy: 12, anchor: 'start' },
  { dx: -5, dy: 12, anchor: 'end' },
];

interface Box {
  readonly x1: number;
  readonly x2: number;
  readonly y1: number;
  readonly y2: number;
}

/**
 * Greedy label placement: each label (in priority order) takes the first spot that stays
 * inside `bounds` (the plot frame) and overlaps neither a label placed before it nor a
 * point in `keepClear` (the marked points), preferring spots that cover the fewest other
 * `points`. A label with no such spot is left out (its point keeps its tooltip).
 */
export function placeLabels(
  labels: readonly { px: number; py: number; text: string }[],
  points: readonly { px: number; py: number }[],
  bounds: { left: number; right: number; top: number; bottom: number },
  keepClear: readonly { px: number; py: number }[] = [],
): (Spot | null)[] {
  const taken: Box[] = [];
  const near = (p: { px: number; py: number }, box: Box, pad: number) =>
    p.px > box.x1 - pad && p.px < box.x2 + pad && p.py > box.y1 - pad && p.py < box.y2 + pad;
  return labels.map((l) => {
    const w = labelWidth(l.text);
    let best: { spot: Spot; box: Box; covered: number } | null = null;
    for (const spot of SPOTS) {
      const x1 = spot.anchor === 'start' ? l.px + spot.dx : l.px + spot.dx - w;
      const box = {
        x1,
        x2: x1 + w,
        y1: l.py + spot.dy - LABEL_HEIGHT / 2,
        y2: l.py + spot.dy + LABEL_HEIGHT / 2,
      };
      if (box.x1 < bounds.left || box.x2 > bounds.right || box.y1 < bounds.top || box.y2 > bounds.bottom)
        continue;
      if (taken.some((t) => overlaps(t, box))) continue;
      if (keepClear.some((p) => near(p, box, 3))) continue;
      const covered = points.filter((p) => near(p, box, 2)).length;
      if (!best || covered < best.covered) best = { spot, box, covered };
      if (covered === 0) break;
    }
    if (!best) return null;
    taken.push(best.box);
    return best.spot;
  });
}

function overlaps(a: Box, b: Box): boolean {
  return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
}

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly title: string;
}

/** Vertical bars over ordinal categories (a rating histogram). */
export function columnChart(
  bars: readonly Bar[],
  o: { xLabel: string; yLabel: string; description: string; width?: number; height?: number },
): string {
  const data = [...bars];
  return render({
    width: o.width ?? 520,
    height: o.height ?? 240,
    marginLeft: 44,
    marginBottom: 38,
    style: BASE_STYLE,
    ariaLabel: o.description,
    x: {
      label: o.xLabel,
      labelAnchor: 'center',
      labelArrow: 'none',
      domain: data.map((b) => b.label),
      padding: 0.15,
    },
    y: { label: o.yLabel, labelArrow: 'none', grid: true, nice: true },
    marks: [
      plotLib().barY(data, { x: 'label', y: 'value', fill: COLORS.accent, title: 'title' }),
      plotLib().ruleY([0], { stroke: COLORS.ink }),
    ],
  });
}

/** Horizontal bars with a reference line (position bias per group: 50% means none). */
export function barsWithRule(
  bars: readonly Bar[],
  o: { xLabel: string; rule: number; description: string; domain: readonly [number, number]; width?: number },
): string {
  const data = [...bars];
  return render({
    width: o.width ?? 600,
    height: 40 + data.length * 26,
    marginLeft: 150,
    marginRight: 20,
    marginBottom: 36,
    style: BASE_STYLE,
    ariaLabel: o.description,
    x: {
      label: o.xLabel,
      labelAnchor: 'center',
      labelArrow: 'none',
      domain: [...o.domain],
      grid: true,
      tickFormat: (d: number) => `${d}%`,
    },
    y: { label: null, domain: data.map((b) => b.label) },
    marks: [
      plotLib().barX(data, {
        x1: o.rule,
        x2: 'value',
        y: 'label',
        fill: (b: Bar) => (b.value >= o.rule ? COLORS.accent : COLORS.warm),
        title: 'title',
      }),
      plotLib().ruleX([o.rule], { stroke: COLORS.ink, strokeWidth: 1.5 }),
    ],
  });
}

export interface SeriesPoint {
  readonly date: Date;
  readonly series: string;
  readonly value: number;
  readonly lo?: number;
  readonly hi?: number;
  readonly title: string;
}

/**
 * Values over time, one line per series, with the 95% band where given. A snapshot's value
 * stands until the next one (the line steps at each snapshot, not between them), and every
 * line is named in the legend, also when there is only one.
 */
export function timeSeriesChart(
  points: readonly SeriesPoint[],
  o: {
    yLabel: string;
    description: string;
    yDomain?: readonly [number, number];
    width?: number;
    height?: number;
  },
): string {
  const data = [...points];
  const banded = data.filter((p) => p.lo !== undefined && p.hi !== undefined);
  return render({
    width: o.width ?? 720,
    height: o.height ?? 300,
    marginLeft: 48,
    marginRight: 20,
    marginBottom: 36,
    style: BASE_STYLE,
    ariaLabel: o.description,
    x: { type: 'utc', label: null },
    y: {
      label: o.yLabel,
      labelArrow: 'none',
      grid: true,
      nice: true,
      ...(o.yDomain ? { domain: [...o.yDomain] } : {}),
    },
    color: {
      legend: true,
      domain: [...new Set(data.map((p) => p.series))],
      range: [COLORS.accent, COLORS.warm, '#0f766e', '#7c3aed', COLORS.muted],
    },
    marks: [
      plotLib().areaY(banded, {
        x: 'date',
        y1: 'lo',
        y2: 'hi',
        z: 'series',
        fill: 'series',
        fillOpacity: 0.12,
        curve: 'step-after',
      }),
      plotLib().line(data, {
        x: 'date',
        y: 'value',
        z: 'series',
        stroke: 'series',
        strokeWidth: 1.75,
        curve: 'step-after',
      }),
      plotLib().dot(data, { x: 'date', y: 'value', fill: 'series', r: 3, title: 'title' }),
    ],
  });
}

/**
 * Checks chart markup as a page would parse it, by the rules `serialize` applies while it
 * writes: only drawing elements, no event handler attributes, links only relative.
 * Throws on anything else (a bug, not input).
 */
export function assertSafeSvg(html: string): void {
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    checkElement(el.tagName, Array.from(el.attributes as ArrayLike<Attr>));
  }
}

/** Only drawing elements, no event handler attributes, links only plain relative paths. */
function checkElement(tagName: string, attributes: readonly Attr[]): void {
  const tag = tagName.toLowerCase();
  if (!ALLOWED_ELEMENTS.has(tag)) throw new Error(`chart contains a <${tag}> element`);
  for (const attr of attributes) {
    const name = attr.name.toLowerCase();
    if (name.startsWith('on')) throw new Error(`chart element <${tag}> has an event handler (${name})`);
    if (
      (name === 'href' || name === 'xlink:href') &&
      !/^[A-Za-z0-9_./+@=-]+(#[A-Za-z0-9_-]*)?$/.test(attr.value)
    ) {
      throw new Error(`chart link is not a plain relative path: ${attr.value.slice(0, 80)}`);
    }
  }
}

const ALLOWED_ELEMENTS = new Set([
  'svg',
  'g',
  'path',
  'circle',
  'line',
  'rect',
  'text',
  'tspan',
  'title',
  'a',
  'style',
  'defs',
  'clippath',
  'lineargradient',
  'stop',
  'div',
  'span',
  'figure',
]);
