import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import {
  assertSafeSvg,
  columnChart,
  labelWidth,
  placeLabels,
  scatterChart,
  serialize,
  timeSeriesChart,
} from '../../harness/report/charts.js';
import { ATTR_PAYLOAD, EVIL_MODEL, SCRIPT_PAYLOAD, SVG_PAYLOAD } from './fixtures.js';

const hostile = [SCRIPT_PAYLOAD, ATTR_PAYLOAD, SVG_PAYLOAD, EVIL_MODEL, '&amp; <b>bold</b>'];

describe('charts', () => {
  it('renders hostile labels and tooltips as escaped SVG text', () => {
    const svg = scatterChart(
      hostile.map((label, i) => ({ x: i, y: i * i, label, labelled: true, href: `models/m${i}.html` })),
      { xLabel: 'x <i>', yLabel: 'y "quoted"', trend: true, description: `chart of ${SCRIPT_PAYLOAD}` },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('<img');
    const { document } = parseHTML(`<!doctype html><html><body>${svg}</body></html>`);
    expect(document.querySelectorAll('script, img, foreignObject')).toHaveLength(0);
    const titles = Array.from(document.querySelectorAll('title')).map((t) => t.textContent);
    for (const label of hostile) expect(titles).toContain(label);
    const texts = Array.from(document.querySelectorAll('text')).map((t) => t.textContent);
    expect(texts.filter((t) => hostile.includes(t ?? '')).length).toBeGreaterThan(0);
    expect(Array.from(document.querySelectorAll('a')).map((a) => a.getAttribute('href'))).toContain(
      'models/m0.html',
    );
  });

  it('the safety check rejects scripts, handlers and non-relative links', () => {
    expect(() => assertSafeSvg('<svg><script>alert(1)</script></svg>')).toThrow(/script/);
    expect(() => assertSafeSvg('<svg><circle onclick="alert(1)"></circle></svg>')).toThrow(/event handler/);
    expect(() => assertSafeSvg('<svg><a href="javascript:alert(1)"><text>x</text></a></svg>')).toThrow(
      /relative/,
    );
    expect(() => assertSafeSvg('<svg><a href="https://example.org/"><text>x</text></a></svg>')).toThrow(
      /relative/,
    );
    expect(() => assertSafeSvg('<svg><foreignObject><div></div></foreignObject></svg>')).toThrow(
      /foreignobject/i,
    );
    expect(() => assertSafeSvg('<svg><a href="../models/a.html"><text>ok</text></a></svg>')).not.toThrow();
  });

  it('places labels without overlaps and drops those that cannot fit', () => {
    const spots = placeLabels(
      [
        { px: 100, py: 100, text: 'first label' },
        { px: 100, py: 100, text: 'second label' },
        { px: 100, py: 100, text: 'third label' },
        { px: 100, py: 100, text: 'fourth' },
        { px: 100, py: 100, text: 'fifth' },
        { px: 100, py: 100, text: 'sixth' },
        { px: 100, py: 100, text: 'seventh' },
      ],
      [],
      { left: 0, right: 400, top: 0, bottom: 300 },
    );
    expect(spots.slice(0, 6).every((s) => s !== null)).toBe(true);
    expect(new Set(spots.slice(0, 6)).size).toBe(6);
    expect(spots[6]).toBeNull();
  });

  it('draws a histogram with one bar per rating', () => {
    const svg = columnChart(
      [1, 2, 3].map((r) => ({ label: String(r), value: r * 2, title: `rating ${r}` })),
      { xLabel: 'rating', yLabel: 'n', description: 'histogram' },
    );
    const { document } = parseHTML(`<!doctype html><html><body>${svg}</body></html>`);
    expect(document.querySelectorAll('rect')).toHaveLength(3);
  });
});

/** The chart's elements under a group with this aria-label. */
function group(svg: string, label: string): Element[] {
  const { document } = parseHTML(`<!doctype html><html><body>${svg}</body></html>`);
  return Array.from(document.querySelectorAll(`g[aria-label="${label}"]`));
}

function translate(el: Element): [number, number] {
  const m = /translate\(([-\d.e]+),([-\d.e]+)\)/.exec(el.getAttribute('transform') ?? '');
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/** Each point label as a box, from its text, anchor and position (issue 9, point 21). */
function labelBoxes(svg: string): { text: string; x1: number; x2: number; y1: number; y2: number }[] {
  return group(svg, 'text').flatMap((g) => {
    const [dx, dy] = translate(g);
    const anchor = g.getAttribute('text-anchor');
    return Array.from(g.querySelectorAll('text')).map((t) => {
      const [x, y] = translate(t);
      const text = t.textContent ?? '';
      const w = labelWidth(text);
      const x1 = anchor === 'end' ? x + dx - w : x + dx;
      return { text, x1, x2: x1 + w, y1: y + dy - 6, y2: y + dy + 6 };
    });
  });
}

describe('chart defects of the report pages (issue 9, point 21)', () => {
  const frame = { left: 56, right: 640 - 24, top: 20, bottom: 420 - 42 };

  it('rank axes tick whole ranks only, also on a leaderboard of three', () => {
    const svg = scatterChart(
      [
        { x: 1, y: 2, label: 'a' },
        { x: 2, y: 1, label: 'b' },
        { x: 3, y: 3, label: 'c' },
      ],
      {
        xLabel: 'rank',
        yLabel: 'rank',
        diagonal: true,
        reverse: true,
        integerTicks: true,
        xDomain: [1, 3],
        yDomain: [1, 3],
        description: 'ranks',
      },
    );
    for (const axis of ['x-axis tick label', 'y-axis tick label']) {
      const ticks = group(svg, axis).flatMap((g) =>
        Array.from(g.querySelectorAll('text')).map((t) => t.textContent),
      );
      expect(ticks).toEqual(['1', '2', '3']);
    }
  });

  it('draws the dashed equality line over the range both axes share', () => {
    const svg = scatterChart(
      [
        { x: 4.2, y: 4.0, label: 'a' },
        { x: 5.0, y: 5.9, label: 'b' },
        { x: 5.7, y: 5.2, label: 'c' },
      ],
      { xLabel: 'paper', yLabel: 'harness', diagonal: true, description: 'ratings' },
    );
    const { document } = parseHTML(`<!doctype html><html><body>${svg}</body></html>`);
    const dashed = Array.from(document.querySelectorAll('g[stroke-dasharray] path'));
    expect(dashed).toHaveLength(1);
    const ends = (dashed[0]!.getAttribute('d') ?? '').match(/[-\d.]+,[-\d.]+/g)!;
    expect(ends).toHaveLength(2);
  });

  it('keeps point labels inside the plot frame, clear of tick labels and of each other', () => {
    // Points along the left and bottom edges with long labels, and a dense cluster.
    const points = [
      ...Array.from({ length: 12 }, (_, i) => ({
        x: 0,
        y: i * 10,
        label: `WIDE-LEFT-MODEL-NAME-${i}`,
        labelled: true,
      })),
      ...Array.from({ length: 12 }, (_, i) => ({
        x: i * 10,
        y: 0,
        label: `Mixtral-8x7B-${i}`,
        labelled: true,
      })),
      ...Array.from({ length: 30 }, (_, i) => ({
        x: 50 + (i % 6),
        y: 50 + Math.floor(i / 6),
        label: `cluster-${i}`,
        labelled: i % 3 === 0,
      })),
    ];
    const svg = scatterChart(points, { xLabel: 'x', yLabel: 'y', description: 'labels' });
    const boxes = labelBoxes(svg);
    expect(boxes.length).toBeGreaterThan(10);
    for (const b of boxes) {
      expect(b.x1, b.text).toBeGreaterThanOrEqual(frame.left);
      expect(b.x2, b.text).toBeLessThanOrEqual(frame.right);
      expect(b.y1, b.text).toBeGreaterThanOrEqual(frame.top);
      expect(b.y2, b.text).toBeLessThanOrEqual(frame.bottom);
    }
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i]!, boxes[j]!];
        const overlap = a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
        expect(overlap, `${a.text} / ${b.text}`).toBe(false);
      }
  });

  it('estimates label widths no smaller than DejaVu Sans draws them', () => {
    // DejaVu Sans advances at 10 px: W 10.1, M 8.6, m 9.7, a 6.1, 0 6.4.
    expect(labelWidth('WWWW')).toBeGreaterThanOrEqual(40.4);
    expect(labelWidth('mmmm')).toBeGreaterThanOrEqual(38.8);
    expect(labelWidth('aaaa')).toBeGreaterThanOrEqual(24.4);
    expect(labelWidth('0000')).toBeGreaterThanOrEqual(25.6);
  });

  it('draws no 95% band over fewer than ten points, where it would cover the whole plot', () => {
    const few = [
      { x: 20, y: 4.1, label: 'a' },
      { x: 40, y: 5.0, label: 'b' },
      { x: 60, y: 7.2, label: 'c' },
    ];
    const bandPaths = (svg: string) =>
      group(svg, 'linear-regression').flatMap((g) =>
        Array.from(g.querySelectorAll('path')).filter((p) => p.getAttribute('fill') !== 'none'),
      );
    const small = scatterChart(few, { xLabel: 'x', yLabel: 'y', trend: true, description: 'fit' });
    expect(group(small, 'linear-regression')).toHaveLength(1);
    expect(bandPaths(small)).toHaveLength(0);
    const many = Array.from({ length: 12 }, (_, i) => ({ x: i, y: i + (i % 3), label: `m${i}` }));
    expect(
      bandPaths(scatterChart(many, { xLabel: 'x', yLabel: 'y', trend: true, description: 'fit' })),
    ).toHaveLength(1);
  });

  it('history: a value holds until the next snapshot, and a single line is named', () => {
    const day = (d: number) => new Date(Date.UTC(2024, 0, 1 + d * 30));
    const svg = timeSeriesChart(
      [0, 1, 2].map((d) => ({ date: day(d), series: 'AE2', value: 0.6 + d * 0.05, title: `d${d}` })),
      { yLabel: 'Spearman', description: 'history' },
    );
    const dots = group(svg, 'dot').flatMap((g) =>
      Array.from(g.querySelectorAll('circle')).map((c) => Number(c.getAttribute('cx'))),
    );
    expect(dots).toHaveLength(3);
    const d = group(svg, 'line')[0]!.querySelector('path')!.getAttribute('d')!;
    const vertices = d.match(/[-\d.]+,[-\d.]+/g)!.map((p) => p.split(',').map(Number) as [number, number]);
    // Every change of value (a vertical step) happens at a snapshot's date, never between two.
    const steps = vertices.slice(1).filter((v, i) => v[0] === vertices[i]![0] && v[1] !== vertices[i]![1]);
    expect(steps.length).toBe(2);
    for (const [x] of steps) expect(dots.some((cx) => Math.abs(cx - x) < 0.01)).toBe(true);
    // The legend names the line even when it is the only one.
    expect(svg).toMatch(/<span[^>]*swatch[^>]*>.*AE2<\/span>/);
  });

  it('the serialiser refuses elements and attributes a chart never has', () => {
    const { document } = parseHTML('<!doctype html><html><body><svg><script>x</script></svg></body></html>');
    expect(() => serialize(document.querySelector('svg')!)).toThrow(/script/);
    const { document: d2 } = parseHTML(
      '<!doctype html><html><body><svg><circle onclick="x"></circle></svg></body></html>',
    );
    expect(() => serialize(d2.querySelector('svg')!)).toThrow(/event handler/);
  });
});
