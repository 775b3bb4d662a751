import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { assertSafeSvg, columnChart, placeLabels, scatterChart } from '../../harness/report/charts.js';
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
