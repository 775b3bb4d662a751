import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError } from '../core/errors.js';
import type { PageChrome } from './views/page.js';

/**
 * The site's templates, compiled once per build: the shared ones (reports/templates: the
 * overview; reports/partials: the layout, charts, facts, sortable tables; reports/assets)
 * and each suite's (`<folder>/<name>.hbs` as `<suite>/<name>`, `<folder>/partials/`).
 * Templates run in strict mode with the built-in helpers only: they print view-model
 * strings and loop, nothing else. `{{ }}` escapes; the only raw insertions are the
 * stylesheet, the table script, the charts (rendered and checked by charts.ts) and the
 * overview's parts (rendered here, from escaping templates).
 */
export interface Renderer {
  /** a whole page: `overview`, or a suite's `<suite>/<name>` */
  render(template: string, chrome: PageChrome, view: object, options: { script: boolean }): string;
  /** a part of a page (an overview part), inserted as it is into the page */
  fragment(template: string, view: object): SafeHtml;
}

/** Markup rendered by the renderer, which a template prints without escaping it again. */
export type SafeHtml = { toHTML(): string };

/** A suite's template folder. */
export interface SuiteTemplates {
  readonly suite: string;
  readonly templates: string;
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

/**
 * `relative` (a path from the package root, e.g. `suites/pairwise/report/templates`) found
 * upward from the module at `moduleUrl`, so a suite finds its templates from its source
 * and from dist/ alike.
 */
export function packageFolder(moduleUrl: string, relative: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, relative))) return join(dir, relative);
    dir = dirname(dir);
  }
  throw new BenchError(`cannot find ${relative} above ${fileURLToPath(moduleUrl)}`);
}

async function hbsFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => n.endsWith('.hbs')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

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

export async function loadRenderer(
  reportsDir = defaultReportsDir(),
  suites: readonly SuiteTemplates[] = [],
): Promise<Renderer> {
  const root = resolve(reportsDir);
  // loaded here, not with the module: only a command that renders pages needs it
  const { default: Handlebars } = await import('handlebars');
  const hb = Handlebars.create();
  const partialOwner = new Map<string, string>();
  const registerPartials = async (dir: string, owner: string) => {
    for (const name of await hbsFiles(dir)) {
      const partial = name.slice(0, -4);
      const before = partialOwner.get(partial);
      if (before !== undefined)
        throw new BenchError(`report partial "${partial}" of ${owner} is already one of ${before}'s`);
      partialOwner.set(partial, owner);
      hb.registerPartial(partial, await readFile(join(dir, name), 'utf8'));
    }
  };
  await registerPartials(join(root, 'partials'), 'the report');
  for (const s of suites) await registerPartials(join(s.templates, 'partials'), `suite ${s.suite}`);

  const compileOptions: CompileOptions = {
    strict: true,
    knownHelpersOnly: true,
    knownHelpers: { if: true, each: true, unless: true, with: true },
    preventIndent: true,
  };
  const compiled = new Map<string, HandlebarsTemplateDelegate>();
  const compileFolder = async (dir: string, prefix: string) => {
    for (const name of await hbsFiles(dir)) {
      compiled.set(
        `${prefix}${name.slice(0, -4)}`,
        hb.compile(await readFile(join(dir, name), 'utf8'), compileOptions),
      );
    }
  };
  await compileFolder(join(root, 'templates'), '');
  for (const s of suites) await compileFolder(s.templates, `${s.suite}/`);
  const templateOf = (name: string) => {
    const fn = compiled.get(name);
    if (!fn) throw new BenchError(`no report template "${name}" (known: ${[...compiled.keys()].join(', ')})`);
    return fn;
  };
  const css = (await readFile(join(root, 'assets', 'site.css'), 'utf8')).trim();
  const script = (await readFile(join(root, 'assets', 'table.js'), 'utf8')).trim();
  if (css.includes('</') || script.includes('</'))
    throw new BenchError('report assets must not contain "</"');
  const scriptHash = sha256Base64(script);
  const runtime = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false };

  return {
    render(template, chrome, view, options) {
      return templateOf(template)(
        {
          ...view,
          chrome,
          css,
          script: options.script ? script : '',
          csp: contentSecurityPolicy(options.script ? scriptHash : null),
        },
        runtime,
      );
    },
    fragment(template, view) {
      return new hb.SafeString(templateOf(template)(view, runtime));
    },
  };
}
