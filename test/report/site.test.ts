import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { SITE_MARKER } from '../../harness/report/index.js';
import { bundledPaperFile, readPaperTable } from '../../suites/alpacaeval/paper-table.js';
import { buildSite, type SiteInput } from './build.js';
import {
  ATTR_PAYLOAD,
  EVIL_MODEL,
  fakeAutojRun,
  fakeHistory,
  modelIds,
  realPairwiseResult,
  SCRIPT_PAYLOAD,
} from './fixtures.js';

const NOW = () => new Date('2026-11-21T00:00:00Z');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

async function fullInput(): Promise<SiteInput> {
  const models = [...modelIds(12), EVIL_MODEL];
  const run = fakeAutojRun(models, { hostile: [EVIL_MODEL, 'model-003'] });
  const previous = fakeAutojRun(models.slice(0, 10), { seed: 3, finishedAt: '2026-11-13T03:00:00.000Z' });
  return {
    alpacaeval: [{ result: run.result, previous: previous.result }],
    pairwise: [await realPairwiseResult(50)],
    history: [fakeHistory('autoj', 5, models)],
    paper: await readPaperTable(bundledPaperFile()),
    critiques: run.critiques,
    outputs: run.outputs,
  };
}

describe('buildSite', () => {
  it('writes every page, only relative links, and a CSP on each page', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'site-')), 'site');
    const summary = await buildSite(await fullInput(), out, { now: NOW });
    expect(summary.pages[0]).toBe('index.html');
    expect(summary.pages).toContain('paper.html');
    expect(summary.pages).toContain('pairwise/recorded.html');
    expect(summary.pages).toContain('history/autoj.html');
    expect(summary.pages.filter((p) => p.startsWith('alpacaeval/autoj/models/'))).toHaveLength(13);
    const files = walk(out);
    expect(files.filter((f) => f.endsWith('.html'))).toHaveLength(summary.pages.length);
    for (const f of files.filter((x) => x.endsWith('.html'))) {
      const html = readFileSync(f, 'utf8');
      const csp = parseHTML(html).document.querySelector('meta[http-equiv="Content-Security-Policy"]');
      expect(csp?.getAttribute('content')).toMatch(
        /^default-src 'none'; style-src 'unsafe-inline'; script-src ('sha256-[A-Za-z0-9+/=]+'|'none'); img-src data:;/,
      );
      // No absolute URL anywhere a browser would load or follow one.
      expect(html).not.toMatch(/(?:src|href|action)="(?:https?:)?\/\//i);
      expect(html).not.toMatch(/(?:src|href)="\//);
      expect(html).not.toMatch(/@import|url\((?!#)/);
      // Every link resolves to a file of the site.
      for (const m of html.matchAll(/href="([^"#]+)"/g)) {
        const target = m[1]!;
        if (target.startsWith('data:')) continue;
        expect(existsSync(resolve(f, '..', target)), `${relative(out, f)} -> ${target}`).toBe(true);
      }
    }
  });

  it('escapes submission-derived strings in pages and charts, and keeps file names inside the site', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'site-')), 'site');
    const summary = await buildSite(await fullInput(), out, { now: NOW });
    const all = walk(out)
      .filter((f) => f.endsWith('.html'))
      .map((f) => readFileSync(f, 'utf8'));
    for (const html of all) {
      // Parsed as a browser would: the only script is the page's own table script, and
      // no injected element or event handler attribute exists.
      const { document } = parseHTML(html);
      const scripts = Array.from(document.querySelectorAll('script'));
      expect(scripts.length).toBeLessThanOrEqual(1);
      for (const s of scripts) expect(s.textContent).toContain('Sorting and filtering');
      expect(document.querySelectorAll('img, iframe, object, embed, foreignObject')).toHaveLength(0);
      for (const el of Array.from(document.querySelectorAll('*'))) {
        for (const a of Array.from(el.attributes as ArrayLike<Attr>))
          expect(a.name.startsWith('on'), a.name).toBe(false);
      }
      expect(html).not.toContain('<script>window.__pwned');
    }
    const leaderboard = readFileSync(join(out, 'alpacaeval/autoj/index.html'), 'utf8');
    expect(leaderboard).toContain(
      'evil&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;&quot;window.__pwned&#x3D;4&quot;&gt;',
    );
    // Chart text escaped too (model ids are point titles and labels).
    expect(leaderboard).toMatch(/<title>evil"&gt;&lt;img src=x onerror="window.__pwned=4"&gt;/);
    const evilPage = summary.pages.find((p) => p.includes('evil'))!;
    expect(evilPage).toMatch(/^alpacaeval\/autoj\/models\/evil[\w.+-]*-[0-9a-f]{8}\.html$/);
    const page = readFileSync(join(out, evilPage), 'utf8');
    expect(page).toContain(
      '&lt;script&gt;window.__pwned &#x3D; 1; document.title &#x3D; &#x27;pwned&#x27;;&lt;/script&gt;',
    );
    expect(page).toContain('&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;');
    for (const f of walk(out)) expect(relative(out, f).startsWith('..')).toBe(false);
    expect(SCRIPT_PAYLOAD).toContain('<script>');
    expect(ATTR_PAYLOAD).toContain('onerror');
  });

  it('replaces an old site only when the new one is complete; a failed build leaves it untouched', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'site-'));
    const out = join(parent, 'site');
    const input = await fullInput();
    await buildSite({ ...input, history: [] }, out, { now: NOW });
    const before = readFileSync(join(out, 'index.html'), 'utf8');
    writeFileSync(join(out, 'old-only.txt'), 'from the old build');

    // A lookup that fails half-way through the model pages: the build must fail as a whole.
    let calls = 0;
    const failing: SiteInput = {
      ...input,
      outputs: async (model, indices) => {
        if (++calls > 5) throw new Error('disk on fire');
        return input.outputs!(model, indices);
      },
    };
    await expect(buildSite(failing, out, { now: () => new Date('2030-01-01T00:00:00Z') })).rejects.toThrow(
      'disk on fire',
    );
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toBe(before);
    expect(existsSync(join(out, 'old-only.txt'))).toBe(true);
    expect(readdirSync(parent)).toEqual(['site']);

    // A successful build replaces the whole folder.
    await buildSite(input, out, { now: () => new Date('2030-01-01T00:00:00Z') });
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('2030-01-01');
    expect(existsSync(join(out, 'old-only.txt'))).toBe(false);
    expect(existsSync(join(out, SITE_MARKER))).toBe(true);
    expect(readdirSync(parent)).toEqual(['site']);
  });

  it('refuses to replace a folder it did not build', async () => {
    const out = mkdtempSync(join(tmpdir(), 'not-a-site-'));
    writeFileSync(join(out, 'precious.txt'), 'keep me');
    await expect(buildSite({ alpacaeval: [], pairwise: [] }, out)).rejects.toThrow(
      /not empty and was not built by bench report/,
    );
    expect(readFileSync(join(out, 'precious.txt'), 'utf8')).toBe('keep me');
    const empty = mkdtempSync(join(tmpdir(), 'empty-'));
    mkdirSync(join(empty, 'site'));
    await buildSite({ alpacaeval: [], pairwise: [] }, join(empty, 'site'), { now: NOW });
    expect(readFileSync(join(empty, 'site/index.html'), 'utf8')).toContain('No stored results yet');
  });

  it('builds without critiques or outputs and says what is missing', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'site-')), 'site');
    const run = fakeAutojRun(modelIds(3));
    const summary = await buildSite({ alpacaeval: [{ result: run.result }], pairwise: [] }, out, {
      now: NOW,
    });
    const page = readFileSync(
      join(
        out,
        summary.pages.find((p) => p.endsWith('model-001.html'))!,
      ),
      'utf8',
    );
    expect(page).toContain('critique not stored');
    expect(page).toContain('response not available');
    const lb = readFileSync(join(out, 'alpacaeval/autoj/index.html'), 'utf8');
    expect(lb).toContain('first stored run of this judge');
  });

  it('paper page: the paper’s own numbers when no Auto-J run exists, the comparison when one does', async () => {
    const paper = await readPaperTable(bundledPaperFile());
    expect(paper.rows).toHaveLength(53);
    const out = join(mkdtempSync(join(tmpdir(), 'site-')), 'site');
    await buildSite({ alpacaeval: [], pairwise: [], paper }, out, { now: NOW });
    const alone = readFileSync(join(out, 'paper.html'), 'utf8');
    expect(alone).toContain('No Auto-J run exists yet');
    expect(alone).not.toContain('Harness rank');

    const ids = paper.rows.slice(0, 20).map((r) => r.alpacaEvalId);
    const run = fakeAutojRun(ids);
    await buildSite({ alpacaeval: [{ result: run.result }], pairwise: [], paper }, out, { now: NOW });
    const compared = readFileSync(join(out, 'paper.html'), 'utf8');
    expect(compared).toContain('Harness rank');
    expect(compared).toContain('20 of the 53 models were rated');
    expect(compared).toContain('href="alpacaeval/autoj/models/xwinlm-70b-v0.1.html"');
  });

  it('says what ± is, names each pairwise input once and no local path (issue 9, point 21)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'site-')), 'site');
    await buildSite(await fullInput(), out, { now: NOW });
    /** What a reader sees: the text of the page's main part, without markup or charts. */
    const visible = (page: string) => {
      const { document } = parseHTML(readFileSync(join(out, page), 'utf8'));
      for (const el of Array.from(document.querySelectorAll('svg, script, style'))) el.remove();
      return document.querySelector('main')!.textContent ?? '';
    };
    expect(visible('alpacaeval/autoj/index.html')).toContain(
      '± after a score is its 95% interval: 1.96 × the standard error',
    );
    expect(visible('alpacaeval/autoj/models/model-001.html')).toMatch(/± [\d.]+: 95% interval, 1\.96 × SE/);

    const pairwise = visible('pairwise/recorded.html');
    for (const file of [
      'testdata_pairwise.jsonl',
      'scenarios.json',
      'pairwise_example_output.jsonl',
      'pairwise_exchange_example_output.jsonl',
    ]) {
      expect(pairwise.split(file).length - 1, file).toBe(1);
    }
    for (const page of walk(out).filter((f) => f.endsWith('.html'))) {
      expect(visible(relative(out, page)), page).not.toMatch(/\.\.\/shared|\/shared\/data|\/home\/|\/tmp\//);
    }
  });
});
