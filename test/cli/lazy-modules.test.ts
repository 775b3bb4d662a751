import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Issue 13 (cold-run memory): every command loads the whole static import graph of the
 * `bench` entry, all suites included, before it does anything. The charts' DOM and plotting
 * libraries, the page templates' engine and the process launcher of `--serve` held ~35 MB
 * of every `bench run` (and, as live heap, raised the level V8 lets its heap grow to), the
 * Llama-2 tokenizer ~35 MB more of commands that count no token. They are loaded when a
 * page is drawn, vLLM started or a token counter built: none of them may be reachable
 * from bin/bench.ts through static value imports (a type-only import costs nothing).
 */
const root = process.cwd();
const LOADED_ON_DEMAND = ['@observablehq/plot', 'linkedom', 'handlebars', 'execa', 'llama-tokenizer-js'];

/** The modules `file` imports statically for their values: relative files and packages. */
function valueImports(file: string): { files: string[]; packages: string[] } {
  const source = readFileSync(file, 'utf8');
  const files: string[] = [];
  const packages: string[] = [];
  const statement = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?'([^']+)'/gm;
  for (const m of source.matchAll(statement)) {
    if (m[1]) continue;
    const spec = m[2]!;
    if (spec.startsWith('.')) files.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
    else if (!spec.startsWith('node:')) packages.push(spec);
  }
  return { files, packages };
}

/** Each package reached from `entry`, with the first chain of files that reaches it. */
function reachablePackages(entry: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const seen = new Set<string>([entry]);
  const queue: { file: string; chain: string[] }[] = [{ file: entry, chain: [relative(root, entry)] }];
  while (queue.length > 0) {
    const { file, chain } = queue.shift()!;
    const { files, packages } = valueImports(file);
    for (const p of packages) if (!found.has(p)) found.set(p, chain);
    for (const f of files) {
      if (seen.has(f)) continue;
      seen.add(f);
      queue.push({ file: f, chain: [...chain, relative(root, f)] });
    }
  }
  return found;
}

describe('modules the bench entry loads', () => {
  const reached = reachablePackages(join(root, 'bin/bench.ts'));

  it('walks the real graph (the CLI, every suite, the judges, the store)', () => {
    for (const p of ['openai', 'better-sqlite3', 'yargs', 'js-yaml']) expect(reached.has(p), p).toBe(true);
  });

  it('leaves the report, --serve and tokenizer libraries to be loaded when they are used', () => {
    const eager = LOADED_ON_DEMAND.filter((p) => reached.has(p)).map(
      (p) => `${p} via ${reached.get(p)!.join(' -> ')}`,
    );
    expect(eager).toEqual([]);
  });
});
