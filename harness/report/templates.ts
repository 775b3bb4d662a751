import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { BenchError } from '../core/errors.js';
import type { PageChrome } from './views/page.js';

/**
 * The site's templates (reports/templates), partials (reports/partials) and assets
 * (reports/assets), compiled once per build. Templates run in strict mode with the
 * built-in helpers only: they print view-model strings and loop, nothing else. `{{ }}`
 * escapes; the only raw insertions are the stylesheet, the table script and the charts
 * (rendered and checked by charts.ts).
 */
export type PageTemplate = 'overview' | 'leaderboard' | 'model' | 'pairwise' | 'paper' | 'history';

export interface Renderer {
  render(template: PageTemplate, chrome: PageChrome, view: object, options: { script: boolean }): string;
}

/** The package's reports/ folder, found upward from this module (source and dist alike). */
export function defaultReportsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (
      existsSync(join(dir, 'reports', 'templates', 'layout.hbs')) ||
      existsSync(join(dir, 'reports', 'partials', 'layout.hbs'))
    ) {
      return join(dir, 'reports');
    }
    dir = dirname(dir);
  }
  throw new BenchError('cannot find the report templates (reports/templates) next to the harness');
}

const TEMPLATES: readonly PageTemplate[] = [
  'overview',
  'leaderboard',
  'model',
  'pairwise',
  'paper',
  'history',
];

function sha256Base64(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

/** The page's Content-Security-Policy: nothing remote, the table script only by its hash. */
export function contentSecurityPolicy(scriptHash: string | null): string {
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    scriptHash ? `script-src 'sha256-${scriptHash}'` : "script-src 'none'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export async function loadRenderer(reportsDir = defaultReportsDir()): Promise<Renderer> {
  const root = resolve(reportsDir);
  const hb = Handlebars.create();
  const partialsDir = join(root, 'partials');
  for (const name of (await readdir(partialsDir)).filter((n) => n.endsWith('.hbs')).sort()) {
    hb.registerPartial(name.slice(0, -4), await readFile(join(partialsDir, name), 'utf8'));
  }
  const compileOptions: CompileOptions = {
    strict: true,
    knownHelpersOnly: true,
    knownHelpers: { if: true, each: true, unless: true, with: true },
    preventIndent: true,
  };
  const compiled = new Map<PageTemplate, HandlebarsTemplateDelegate>();
  for (const t of TEMPLATES) {
    compiled.set(t, hb.compile(await readFile(join(root, 'templates', `${t}.hbs`), 'utf8'), compileOptions));
  }
  const css = (await readFile(join(root, 'assets', 'site.css'), 'utf8')).trim();
  const script = (await readFile(join(root, 'assets', 'table.js'), 'utf8')).trim();
  if (css.includes('</') || script.includes('</'))
    throw new BenchError('report assets must not contain "</"');
  const scriptHash = sha256Base64(script);

  return {
    render(template, chrome, view, options) {
      const fn = compiled.get(template)!;
      return fn(
        {
          ...view,
          chrome,
          css,
          script: options.script ? script : '',
          csp: contentSecurityPolicy(options.script ? scriptHash : null),
        },
        { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false },
      );
    },
  };
}
