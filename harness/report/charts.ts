import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';

/**
 * Charts drawn at build time as inline SVG with Observable Plot on linkedom's small DOM,
 * so the pages need no script to show them. Untrusted strings (model ids) only ever
 * reach text nodes (`<text>`, `<title>`), which the serializer escapes; every chart is
 * checked after rendering (`assertSafeSvg`) before it goes into a page.
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
  /** a fitted least-squares line with its 95% band */
  readonly trend?: boolean;
  /** the y = x diagonal (rank vs rank) */
  readonly diagonal?: boolean;
  /** rank on the y axis: 1 at the top */
  readonly reverse?: boolean;
  readonly width?: number;
  readonly height?: number;
  readonly description: string;
  readonly xDomain?: readonly [number, number];
  readonly yDomain?: readonly [number, number];
  readonly percentX?: boolean;
  readonly percentY?: boolean;
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

function render(options: Plot.PlotOptions): string {
  const svg = serialize(Plot.plot({ ...options, document: documentForPlot() }) as unknown as Node);
  assertSafeSvg(svg);
  return svg;
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
 * text node and every attribute value is escaped (`& < > "`), whatever it holds.
 */
export function serialize(node: Node): string {
  if (node.nodeType === TEXT_NODE) return escapeText(node.nodeValue ?? '');
  if (node.nodeType !== ELEMENT_NODE) return '';
  const el = node as Element;
  const tag = el.localName;
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(tag)) throw new Error(`unexpected element name in a chart: ${tag}`);
  const attrs = Array.from(el.attributes as ArrayLike<Attr>)
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

export function scatterChart(points: readonly ScatterPoint[], o: ScatterOptions): string {
  const data = [...points];
  const marks: Plot.Markish[] = [
    Plot.gridX({ stroke: COLORS.grid, strokeOpacity: 1 }),
    Plot.gridY({ stroke: COLORS.grid, strokeOpacity: 1 }),
  ];
  if (o.diagonal) {
    const extent = Math.max(...data.map((p) => Math.max(p.x, p.y)), 1);
    marks.push(
      Plot.line([{ v: 1 }, { v: extent }], { x: 'v', y: 'v', stroke: COLORS.muted, strokeDasharray: '4,3' }),
    );
  }
  if (o.trend && data.length >= 3) {
    marks.push(
      Plot.linearRegressionY(data, {
        x: 'x',
        y: 'y',
        stroke: COLORS.accent,
        fill: COLORS.accentSoft,
        fillOpacity: 0.25,
        strokeWidth: 1.5,
        clip: true,
      }),
    );
  }
  const dots = (subset: readonly ScatterPoint[], color: string, r: number) =>
    Plot.dot(subset, {
      x: 'x',
      y: 'y',
      r,
      fill: color,
      fillOpacity: 0.85,
      stroke: 'white',
      strokeWidth: 0.6,
      title: (p: ScatterPoint) => p.title ?? p.label,
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

  const width = o.width ?? 640;
  const height = o.height ?? 420;
  const frame = { marginTop: 20, marginRight: 24, marginLeft: 56, marginBottom: 42 };
  const axis = (
    label: string,
    percent: boolean | undefined,
    domain: readonly [number, number] | undefined,
    reverse: boolean,
  ) => ({
    label,
    labelAnchor: 'center' as const,
    labelArrow: 'none' as const,
    reverse,
    nice: domain === undefined,
    ...(domain ? { domain: [...domain] } : {}),
    ...(percent ? { tickFormat: (d: number) => `${d}%` } : {}),
  });
  const options: Plot.PlotOptions = {
    width,
    height,
    ...frame,
    inset: 8,
    style: BASE_STYLE,
    ariaLabel: o.description,
    x: axis(o.xLabel, o.percentX, o.xDomain, false),
    y: axis(o.yLabel, o.percentY, o.yDomain, o.reverse ?? false),
  };

  const labelled = data.filter((p) => p.labelled);
  if (labelled.length > 0) {
    // First pass: the scales, to place labels in pixels without overlapping each other.
    const probe = Plot.plot({ ...options, marks, document: documentForPlot() }) as unknown as {
      scale(name: 'x' | 'y'): { apply(v: number): number };
    };
    const sx = probe.scale('x');
    const sy = probe.scale('y');
    const placed = placeLabels(
      labelled.map((p) => ({ px: sx.apply(p.x), py: sy.apply(p.y), text: p.label })),
      data.map((p) => ({ px: sx.apply(p.x), py: sy.apply(p.y) })),
      { left: 2, right: width - 2, top: 0, bottom: height - frame.marginBottom },
    );
    for (const spot of SPOTS) {
      const group = labelled.filter((_, i) => placed[i] === spot);
      if (group.length === 0) continue;
      marks.push(
        Plot.text(group, {
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
/** Average glyph advance of the sans-serif label font at 10px, generously rounded up. */
const CHAR_WIDTH = 5.9;
const LABEL_HEIGHT = 12;

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
 * inside the chart and overlaps no label placed before it, preferring spots that cover
 * the fewest points. A label with no such spot is left out (its point keeps its tooltip).
 */
export function placeLabels(
  labels: readonly { px: number; py: number; text: string }[],
  points: readonly { px: number; py: number }[],
  bounds: { left: number; right: number; top: number; bottom: number },
): (Spot | null)[] {
  const taken: Box[] = [];
  return labels.map((l) => {
    const w = l.text.length * CHAR_WIDTH + 2;
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
      const covered = points.filter(
        (p) => p.px > box.x1 - 2 && p.px < box.x2 + 2 && p.py > box.y1 - 2 && p.py < box.y2 + 2,
      ).length;
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
      Plot.barY(data, { x: 'label', y: 'value', fill: COLORS.accent, title: 'title' }),
      Plot.ruleY([0], { stroke: COLORS.ink }),
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
      Plot.barX(data, {
        x1: o.rule,
        x2: 'value',
        y: 'label',
        fill: (b: Bar) => (b.value >= o.rule ? COLORS.accent : COLORS.warm),
        title: 'title',
      }),
      Plot.ruleX([o.rule], { stroke: COLORS.ink, strokeWidth: 1.5 }),
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

/** Values over time, one line per series, with the 95% band where given. */
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
      legend: new Set(data.map((p) => p.series)).size > 1,
      range: [COLORS.accent, COLORS.warm, '#0f766e', '#7c3aed', COLORS.muted],
    },
    marks: [
      Plot.areaY(banded, { x: 'date', y1: 'lo', y2: 'hi', fill: 'series', fillOpacity: 0.12, curve: 'step' }),
      Plot.line(data, { x: 'date', y: 'value', stroke: 'series', strokeWidth: 1.75, curve: 'step' }),
      Plot.dot(data, { x: 'date', y: 'value', fill: 'series', r: 3, title: 'title' }),
    ],
  });
}

/**
 * Checks a rendered chart before it goes into a page: only drawing elements, no event
 * handler attributes, links only relative. Throws on anything else (a bug, not input).
 */
export function assertSafeSvg(html: string): void {
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    const tag = el.tagName.toLowerCase();
    if (!ALLOWED_ELEMENTS.has(tag)) throw new Error(`chart contains a <${tag}> element`);
    for (const attr of Array.from(el.attributes as ArrayLike<Attr>)) {
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
