import fs from 'node:fs';
import type { Argv } from 'yargs';
import path from 'node:path';
import { InputError, InterruptedError } from '../../core/errors.js';
import { JudgmentStore, type ExportedJudgment, type StoreStats } from '../../store/judgment-store.js';
import { formatTable, toJson } from '../format.js';
import type { CliIO } from '../io.js';
import type { CommandRegistrar } from '../program.js';
import type { SuiteRegistry } from '../../suite/registry.js';
import { resolveStorePath } from '../settings.js';

const STORE_OPTION = {
  type: 'string',
  describe: 'judgment store [env BENCH_STORE; default .bench/judgments.sqlite]',
} as const;

/** `bench cache stats` and `bench cache export`: look into the judgment store without changing it. */
/** `bench cache`; the suites name the kinds of their subjects for `stats`. */
export function cacheCommand(suites: SuiteRegistry): CommandRegistrar {
  return (cli, io) => cache(cli, io, suites);
}

const cache = (cli: Argv, io: CliIO, suites: SuiteRegistry) =>
  cli.command('cache', 'inspect or export the judgment store (stats, export)', (y) =>
    y
      .command(
        'stats',
        'count stored judgments per judge, suite and model: parsed, unparsed',
        (s) =>
          s.option('store', STORE_OPTION).option('json', {
            type: 'boolean',
            default: false,
            describe: 'print the result as one JSON document',
          }),
        (args) => {
          const store = openForReading(args.store, io);
          try {
            const stats = groupUsages(store.stats(), suites);
            const bytes = store.sizeOnDisk();
            io.stdout(
              args.json
                ? toJson({ store: store.file, bytes, ...stats })
                : statsTable(store.file, bytes, stats),
            );
          } finally {
            store.close();
          }
        },
      )
      .command(
        'export',
        'write every stored judgment as one JSON object per line',
        (s) =>
          s
            .option('store', STORE_OPTION)
            .option('format', {
              type: 'string',
              choices: ['jsonl'],
              default: 'jsonl',
              describe: 'output format',
            })
            .option('out', { type: 'string', describe: 'write to FILE instead of stdout' }),
        async (args) => {
          const store = openForReading(args.store, io);
          try {
            if (args.out === undefined) {
              const n = await exportJsonl(store, io.stdout, io.signal);
              io.stderr(`bench: exported ${n} judgments\n`);
            } else {
              const out = path.resolve(io.cwd, args.out);
              const n = await exportToFile(store, out, io.signal);
              io.stderr(`bench: exported ${n} judgments to ${out}\n`);
            }
          } finally {
            store.close();
          }
        },
      )
      .demandCommand(1, 'name what to do: bench cache stats | bench cache export'),
  );

function openForReading(flag: string | undefined, io: CliIO): JudgmentStore {
  return JudgmentStore.open(resolveStorePath(flag, io), { readonly: true });
}

/** One JSON object per judgment; the raw text last, as it is by far the longest field. */
export function exportLine(j: ExportedJudgment): string {
  return JSON.stringify({
    key: j.key,
    judge: j.judge,
    model: j.model,
    templateVersion: j.templateVersion,
    protocol: j.protocol,
    status: j.status,
    rating: j.rating,
    verdict: j.verdict,
    unparsedReason: j.unparsedReason,
    finishReason: j.finishReason,
    truncation: j.truncation,
    promptTokens: j.promptTokens,
    completionTokens: j.completionTokens,
    tokenSource: j.tokenSource,
    latencyMs: j.latencyMs,
    endpoint: j.endpoint,
    createdAt: j.createdAt,
    usages: j.usages,
    textOriginalChars: j.textOriginalChars,
    text: j.text,
  });
}

const CHUNK_CHARS = 1 << 20;
const YIELD_EVERY = 2000;

/** Writes every judgment as JSON lines through `write`, in chunks; returns the count. */
async function exportJsonl(
  store: JudgmentStore,
  write: (text: string) => void,
  signal: AbortSignal,
): Promise<number> {
  let n = 0;
  let chunk = '';
  for (const judgment of store.iterate()) {
    chunk += `${exportLine(judgment)}\n`;
    n += 1;
    if (chunk.length >= CHUNK_CHARS) {
      write(chunk);
      chunk = '';
    }
    if (n % YIELD_EVERY === 0) {
      // Let Ctrl-C be noticed during a long export.
      await new Promise((resolve) => setImmediate(resolve));
      if (signal.aborted) throw new InterruptedError();
    }
  }
  if (chunk) write(chunk);
  return n;
}

/** Exports to a temporary file next to `out`, renamed into place when complete. */
async function exportToFile(store: JudgmentStore, out: string, signal: AbortSignal): Promise<number> {
  const temp = `${out}.${process.pid}.tmp`;
  let fd: number;
  try {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fd = fs.openSync(temp, 'w');
  } catch (e) {
    throw new InputError(out, `cannot write (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e });
  }
  let done = false;
  try {
    const n = await exportJsonl(store, (text) => fs.writeSync(fd, text), signal);
    fs.closeSync(fd);
    fs.renameSync(temp, out);
    done = true;
    return n;
  } finally {
    if (!done) {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
      fs.rmSync(temp, { force: true });
    }
  }
}

type Usage = StoreStats['usages'][number];
/** A row of `bench cache stats`: one model, or a group of a suite's subjects (pairs) */
type UsageGroup = Usage & { readonly subjects: number };

/**
 * The usages with a suite's numbered subjects counted in a few rows (a pairwise run tags
 * 2,784 judgments with a subject each): a group's judgments, parsed and unparsed are the
 * sums over its subjects, `subjects` says how many it holds (1 for a model of AlpacaEval),
 * and its subject names the kind: "pairs, swapped order (1392)".
 */
export function groupUsages(
  stats: StoreStats,
  suites: SuiteRegistry,
): Omit<StoreStats, 'usages'> & { usages: UsageGroup[] } {
  const groups = new Map<string, { kind: string | undefined; row: Mutable<UsageGroup> }>();
  for (const u of stats.usages) {
    const kind = suites.find(u.suite)?.subjectKind?.(u.subject);
    const id = JSON.stringify([u.judge, u.model, u.suite, kind ?? u.subject, kind !== undefined]);
    const group = groups.get(id);
    if (!group) {
      groups.set(id, { kind, row: { ...u, subjects: 1 } });
      continue;
    }
    group.row.subjects += 1;
    group.row.judgments += u.judgments;
    group.row.ok += u.ok;
    group.row.unparsed += u.unparsed;
  }
  const usages = [...groups.values()].map(({ kind, row }) =>
    kind === undefined ? row : { ...row, subject: `${kind} (${row.subjects})` },
  );
  return { ...stats, usages };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function statsTable(file: string, bytes: number, stats: ReturnType<typeof groupUsages>): string {
  const counts = (c: { judgments: number; ok: number; unparsed: number }) => [
    String(c.judgments),
    String(c.ok),
    String(c.unparsed),
  ];
  let text = '';
  if (stats.usages.length > 0 || stats.untagged.judgments > 0) {
    const rows = stats.usages.map((u) => [u.judge, u.suite, u.subject, ...counts(u)]);
    if (stats.untagged.judgments > 0) rows.push(['(any)', '(untagged)', '', ...counts(stats.untagged)]);
    text += formatTable(['judge', 'suite', 'model', 'judgments', 'parsed', 'unparsed'], rows) + '\n';
  }
  const judges = stats.judges.map((j) => [j.judge, j.model, ...counts(j)]);
  judges.push(['total', '', ...counts(stats.totals)]);
  text += formatTable(['judge', 'judge model', 'judgments', 'parsed', 'unparsed'], judges) + '\n';
  text += `store: ${file} (${megabytes(bytes)})\n`;
  if (stats.memo.values > 0) {
    text += `memo: ${stats.memo.values} derived values (${megabytes(stats.memo.bytes)}): model reductions and bootstrap replicates a rerun reuses\n`;
  }
  return text;
}

function megabytes(bytes: number): string {
  return bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}
