import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { runBench } from '../helpers/cli.js';

// js-yaml: to be declared as a devDependency (today it is present as eslint's dependency).
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };

const FILE = new URL('../../.github/workflows/nightly-refresh.yml', import.meta.url).pathname;

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
}
interface Job {
  'runs-on': string | string[];
  needs?: string | string[];
  permissions?: Record<string, string>;
  environment?: { name: string };
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: { schedule?: { cron: string }[]; workflow_dispatch?: unknown };
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = yaml.load(readFileSync(FILE, 'utf8')) as Workflow;
const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);

/** Shell words of a line, quotes removed; `$...` expansions kept as written. */
function words(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** Every `npx bench ...` command of the run scripts, as argument lists (line continuations joined). */
function benchCommands(): string[][] {
  const out: string[][] = [];
  for (const s of steps) {
    if (!s.run) continue;
    const script = s.run.replace(/\\\n/g, ' ');
    for (const line of script.split('\n')) {
      for (const part of line.split(/&&|\|\||;|\||(?<![>&])&(?!>)/)) {
        const w = words(part.trim());
        const at = w.findIndex((x, i) => x === 'bench' && w[i - 1] === 'npx');
        if (at < 0) continue;
        const args: string[] = [];
        for (const x of w.slice(at + 1)) {
          if (/^\d*>/.test(x) || x === '<') break; // redirection: the command ends here
          args.push(x);
        }
        out.push(args);
      }
    }
  }
  return out;
}

describe('.github/workflows/nightly-refresh.yml', () => {
  it('runs nightly and on demand, on the self-hosted GPU runner', () => {
    const cron = workflow.on.schedule?.[0]?.cron ?? '';
    expect(cron.split(/\s+/)).toHaveLength(5);
    expect(cron).toMatch(/^\d+ \d+ \* \* \*$/);
    expect(workflow.on).toHaveProperty('workflow_dispatch');
    expect(workflow.jobs.refresh!['runs-on']).toEqual(['self-hosted', 'gpu']);
  });

  it('installs, serves the judge, waits for it, refreshes, commits leaderboards/ and publishes site/ to Pages', () => {
    const refresh = workflow.jobs.refresh!;
    const runs = refresh.steps.map((s) => s.run ?? '').join('\n');
    const uses = refresh.steps.map((s) => s.uses ?? '');
    expect(uses[0]).toMatch(/^actions\/checkout@v\d+$/);
    expect(runs).toMatch(/^npm ci$/m);
    const order = ['npx bench serve', '/health', 'npx bench refresh', 'git add leaderboards', 'git push'];
    const at = order.map((s) => runs.indexOf(s));
    expect(
      at.every((i) => i >= 0),
      order.join(', '),
    ).toBe(true);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(refresh.permissions?.contents).toBe('write');
    // the judge is stopped even when the refresh fails
    const stop = refresh.steps.find((s) => s.name === 'Stop the judge')!;
    expect(stop.if).toBe('always()');
    // the judgment store outlives the checkout, so a night judges only what is new
    expect(refresh.env?.BENCH_HOME).toBeTruthy();

    const upload = refresh.steps.find((s) => s.uses?.startsWith('actions/upload-pages-artifact@'))!;
    expect(upload.with?.path).toBe('site');
    const deploy = workflow.jobs.deploy!;
    expect(deploy.needs).toBe('refresh');
    expect(deploy.permissions).toMatchObject({ pages: 'write', 'id-token': 'write' });
    expect(deploy.environment?.name).toBe('github-pages');
    expect(deploy.steps.some((s) => s.uses?.startsWith('actions/deploy-pages@'))).toBe(true);
  });

  it('runs only real bench commands with real options', async () => {
    const commands = benchCommands();
    expect(commands.map((c) => c[0])).toEqual(['serve', 'refresh']);
    for (const args of commands) {
      const path: string[] = [];
      for (const a of args) {
        if (a.startsWith('-')) break;
        path.push(a);
      }
      const help = await runBench([...path, '--help']);
      expect(help.code, `bench ${path.join(' ')} --help`).toBe(0);
      // an unknown command prints the top-level help instead of its own
      expect(help.stdout.split('\n')[0], `bench ${path.join(' ')} is a command`).toMatch(
        new RegExp(`^bench ${path.join(' ')}(\\s|$)`),
      );
      const options = args.slice(path.length);
      for (let i = 0; i < options.length; i++) {
        const o = options[i]!;
        if (!o.startsWith('--')) continue;
        const name = o.replace(/=.*$/, '');
        const line = help.stdout.split('\n').find((l) => new RegExp(`^\\s+(-\\w, )?${name}(\\s|$)`).test(l));
        expect(line, `bench ${path.join(' ')} has ${name}`).toBeDefined();
        // a literal value of an option with choices must be one of them
        const value = options[i + 1];
        const choices = /\[choices: ([^\]]+)\]/.exec(helpEntry(help.stdout, name))?.[1];
        if (choices && value && !value.startsWith('-') && !value.includes('$')) {
          expect(choices, `${name} ${value}`).toContain(`"${value}"`);
        }
      }
    }
  });
});

/** The help text of one option (its line and the continuation lines below it). */
function helpEntry(help: string, name: string): string {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\s+(-\\w, )?${name}(\\s|$)`).test(l));
  if (start < 0) return '';
  const entry = [lines[start]!];
  for (const l of lines.slice(start + 1)) {
    if (/^\s+-/.test(l) || l.trim() === '') break;
    entry.push(l);
  }
  return entry.join(' ');
}
