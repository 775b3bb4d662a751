import { once } from 'node:events';
import { constants as fsConstants, createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { access, copyFile, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { writeFileAtomic } from '../core/atomic-write.js';
import { BenchError, InputError, errorMessage } from '../core/errors.js';
import { canonicalJson, sha256Hex } from '../core/hash.js';
import { terminalText } from '../core/terminal-text.js';
import type { JudgeTask, Truncation } from '../core/types.js';
import { completionFromBody, logprobsFields, type Route } from '../client/wire.js';
import { batchChatTemplate, rawPromptAsChat } from '../judge/generative/batch-chat.js';
import type { GenerativeJudge } from '../judge/generative/judge.js';
import type { ChatMessage, PreparedRequest } from '../judge/judge.js';
import type { JudgmentStore } from '../store/judgment-store.js';
import { judgmentRecord } from '../store/record.js';
import { JudgmentWriter } from '../store/writer.js';
import type { PendingRequest } from './pending.js';
import type { Subject } from './run-judgments.js';

/**
 * Batch files: the requests a run still needs (pending.ts) as OpenAI batch-format JSONL,
 * for an engine built for throughput (`vllm run-batch` on N GPU nodes, the OpenAI Batch
 * API for a hosted judge), and the engine's output lines back into the store, exactly as
 * a live run stores its answers, so that the run afterwards sends nothing.
 *
 * An input line is `{custom_id, method: "POST", url, body}`: custom_id is the judgment
 * key, body what a live run posts (model, prompt or messages, every sampling field,
 * stream false). An output line (vLLM's BatchRequestOutput, run_batch.py, and the OpenAI
 * Batch API's output and error files alike) is `{id, custom_id, response: {status_code,
 * request_id, body} | null, error}`, in any order. The manifest beside the shards keeps
 * the judge's identity and, per custom_id, the sha256 of the canonical JSON of the body
 * and what storing the answer needs (subjects, truncation, and the task digests that the
 * store's task index maps to it under the judge's request identity, recorded once).
 * Import stores a line only if its custom_id is in the manifest and the input line it
 * answers still has that body.
 */

export const MANIFEST_FILE = 'manifest.json';
/** characters of the manifest written at a time */
const MANIFEST_PIECE = 1 << 16;
/** the chat template copied beside the shards, for `vllm run-batch --chat-template` */
export const CHAT_TEMPLATE_FILE = 'chat-template.jinja';
const MANIFEST_FORMAT = 'autoj-bench batch';
/** what an export writes besides the manifest (and leaves behind if it fails) */
const EXPORT_FILE = /^(?:\.requests\.spool|\.?requests-\d+-of-\d+\.jsonl(?:\.tmp)?|chat-template\.jinja)$/;
/** 2: the task index's request identity and, per request, its tasks' digests */
const MANIFEST_VERSION = 2;
/** versions this harness imports: a version 1 manifest is imported without task index rows */
const READ_VERSIONS: readonly number[] = [1, MANIFEST_VERSION];
const HEX64 = /^[0-9a-f]{64}$/;

export type BatchUrl = '/v1/completions' | '/v1/chat/completions';

/** What export and import need of a judge (a GenerativeJudge has it all). */
export type BatchJudge = Pick<
  GenerativeJudge,
  'info' | 'profile' | 'model' | 'language' | 'parse' | 'requestIdentity'
>;

/** One request of the manifest: what verifies an answer and what storing it needs. */
export interface ManifestRequest {
  /** index into `shards` */
  readonly shard: number;
  /** sha256 hex of the canonical JSON of the request body */
  readonly body: string;
  /** [suite, subject] of every task that uses the judgment */
  readonly subjects: readonly (readonly [string, string])[];
  readonly truncation: Truncation | null;
  /** `taskDigest` of every distinct task that uses the judgment (version 2; absent in 1) */
  readonly tasks?: readonly string[];
}

export interface BatchManifest {
  readonly format: typeof MANIFEST_FORMAT;
  /** what this harness writes; a manifest read may be of an older version it still reads */
  readonly version: number;
  readonly createdAt: string;
  readonly judge: {
    /** profile name, and its file as given */
    readonly name: string;
    readonly profile: string;
    readonly description: string;
    /** the model's identity, as keys use it */
    readonly model: string;
    /** the model name the bodies carry (the engine must serve it under that name) */
    readonly servedModel: string;
    readonly protocol: 'single' | 'pairwise';
    readonly language: string;
    readonly templateVersion: string;
    readonly sampling: unknown;
    /**
     * the judge's `requestIdentity` (version 2): with a task's digest, what the store's task
     * index maps to the judgment key; null for a judge without one (absent in version 1)
     */
    readonly requestIdentity?: string | null;
  };
  readonly url: BatchUrl;
  /** a raw-prompt judge's requests sent as chat messages (its batch_chat_template renders them) */
  readonly chatForm: boolean;
  /** the chat template the engine applies (`--chat-template`), copied beside the shards */
  readonly chatTemplate: { readonly file: string; readonly source: string; readonly sha256: string } | null;
  readonly shards: readonly { readonly file: string; readonly requests: number }[];
  readonly requests: Readonly<Record<string, ManifestRequest>>;
}

/** A manifest read from disk: where it is (its shards are beside it) and its requests by id. */
export interface LoadedManifest {
  readonly file: string;
  readonly dir: string;
  readonly manifest: BatchManifest;
  readonly requests: ReadonlyMap<string, ManifestRequest>;
}

export interface ExportOptions {
  /** a new or empty folder: the shards, the manifest and the chat template go there */
  readonly dir: string;
  /** shard files (fewer when there are fewer requests); default 1 */
  readonly shards?: number;
  /** a raw-prompt judge's requests as chat requests (for `vllm run-batch`); needs its batch_chat_template */
  readonly chat?: boolean;
  readonly now?: () => Date;
}

export interface ExportSummary {
  readonly dir: string;
  readonly manifest: string;
  readonly url: BatchUrl;
  readonly requests: number;
  readonly shards: readonly { readonly file: string; readonly requests: number }[];
  /** the copied chat template's path, for the engine's `--chat-template` */
  readonly chatTemplate: string | null;
}

/**
 * Writes the pending requests (in the order they come: prompts that share a prefix stay
 * in one shard) as `requests-001-of-00N.jsonl` shards of about equal size, a shard
 * boundary moved (by at most a quarter of a shard) to where consecutive prompts share the
 * least, then the manifest. The prompts pass through a spool file, so only the
 * manifest's entries are held in memory.
 */
export async function exportBatch(
  chunks: Iterable<readonly PendingRequest[]>,
  judge: BatchJudge,
  options: ExportOptions,
): Promise<ExportSummary> {
  const writer = await BatchExportWriter.open(judge, options);
  try {
    for (const chunk of chunks) for (const pending of chunk) await writer.add(pending);
  } catch (e) {
    await writer.abort();
    throw e;
  }
  return writer.finish();
}

/**
 * `exportBatch` for requests that come one at a time (a run that collects what it would
 * send, `bench batch export`): `add` each, then `finish` writes the shards and the
 * manifest; `abort` (or a failed `finish`) removes what was written.
 */
export class BatchExportWriter {
  private readonly entries = new Map<
    string,
    {
      body: string;
      subjects: readonly Subject[];
      digests: readonly string[] | undefined;
      truncation: Truncation | null;
    }
  >();
  /** lcp[i]: characters prompt i shares with prompt i-1 */
  private readonly lcp: number[] = [];
  private previous: string | undefined;
  private readonly spool: string;
  private readonly out: WriteStream;
  private closed = false;

  private constructor(
    private readonly judge: BatchJudge,
    private readonly form: RequestForm,
    private readonly dir: string,
    private readonly wanted: number,
    private readonly now: () => Date,
  ) {
    this.spool = join(dir, '.requests.spool');
    this.out = createWriteStream(this.spool, { encoding: 'utf8' });
  }

  /** Checks the options and the folder (new or empty), and starts the spool. */
  static async open(judge: BatchJudge, options: ExportOptions): Promise<BatchExportWriter> {
    const dir = resolve(options.dir);
    const wanted = options.shards ?? 1;
    if (!Number.isInteger(wanted) || wanted < 1)
      throw new BenchError(`shards must be a positive whole number, got ${wanted}`);
    const form = requestForm(judge, options.chat ?? false);
    await mkdir(dir, { recursive: true });
    const present = await readdir(dir);
    if (present.length > 0) {
      throw new InputError(
        dir,
        `holds files already (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', ...' : ''}); export into a new or empty folder`,
      );
    }
    return new BatchExportWriter(judge, form, dir, wanted, options.now ?? (() => new Date()));
  }

  /** requests added so far */
  get size(): number {
    return this.entries.size;
  }

  /**
   * One more request. `subjects` and `digests` are kept by reference: what is pushed to
   * them before `finish` is in the manifest.
   */
  async add({ request, subjects, digests }: PendingRequest): Promise<void> {
    if (this.entries.has(request.key)) throw new Error(`request ${request.key} is pending twice`);
    const body = this.form.body(request);
    const line = JSON.stringify({ custom_id: request.key, method: 'POST', url: this.form.url, body });
    this.entries.set(request.key, {
      body: bodyHash(body),
      subjects,
      digests,
      truncation: request.truncation ?? null,
    });
    this.lcp.push(this.previous === undefined ? 0 : commonPrefix(this.previous, request.prompt));
    this.previous = request.prompt;
    await writeLine(this.out, line);
  }

  /** Writes the shards and the manifest (last); on failure removes what the export wrote. */
  async finish(): Promise<ExportSummary> {
    try {
      await this.closeSpool();
      return await this.writeShards();
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  /** Removes what the export wrote: the folder (empty before) holds no export, and would block the next one. */
  async abort(): Promise<void> {
    await this.closeSpool().catch(() => {});
    for (const name of await readdir(this.dir)) {
      if (EXPORT_FILE.test(name)) await rm(join(this.dir, name), { force: true });
    }
  }

  private async closeSpool(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.out.end();
    await once(this.out, 'close');
  }

  private async writeShards(): Promise<ExportSummary> {
    const { dir, entries, form, judge } = this;
    const n = entries.size;
    const starts = shardStarts(this.lcp, Math.min(this.wanted, n));
    const shards = starts.map((start, k) => ({
      file: `requests-${pad(k + 1, starts.length)}-of-${pad(starts.length, starts.length)}.jsonl`,
      requests: (starts[k + 1] ?? n) - start,
    }));
    const shardOf = await splitSpool(this.spool, dir, starts, shards);
    await rm(this.spool, { force: true });

    let chatTemplate: BatchManifest['chatTemplate'] = null;
    if (form.template) {
      await copyFile(form.template.file, join(dir, CHAT_TEMPLATE_FILE));
      chatTemplate = {
        file: CHAT_TEMPLATE_FILE,
        source: form.template.path,
        sha256: sha256Hex(form.template.text),
      };
    }
    const { info } = judge;
    const header: Omit<BatchManifest, 'requests'> = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      createdAt: this.now().toISOString(),
      judge: {
        name: info.name,
        profile: judge.profile.file,
        description: info.description,
        model: judge.model,
        servedModel: info.model,
        protocol: info.protocol,
        language: judge.language,
        templateVersion: info.templateVersion,
        sampling: info.sampling ?? null,
        requestIdentity: judge.requestIdentity ?? null,
      },
      url: form.url,
      chatForm: form.chatForm,
      chatTemplate,
      shards,
    };
    // One request per line: readable, and diffable between two exports. Written a piece at a
    // time: the whole text of a full export (55 MB) and its lines were held at once besides
    // the entries, about 160 MB of a 590 MB peak.
    const head = JSON.stringify(header, null, 2);
    function* manifestText(): Generator<string> {
      let text = `${head.slice(0, -2)},\n  "requests": {`;
      let i = 0;
      for (const [key, e] of entries) {
        const request: ManifestRequest = {
          shard: shardOf(i),
          body: e.body,
          subjects: e.subjects.map((s) => [s.suite, s.subject] as const),
          truncation: e.truncation,
          // each task once (two subjects with the same output are one task)
          ...(judge.requestIdentity !== undefined ? { tasks: [...new Set(e.digests)] } : {}),
        };
        text += `${i++ === 0 ? '\n' : ',\n'}    ${JSON.stringify(key)}: ${JSON.stringify(request)}`;
        if (text.length >= MANIFEST_PIECE) {
          yield text;
          text = '';
        }
      }
      yield `${text}${i > 0 ? '\n  ' : ''}}\n}\n`;
    }
    const manifest = join(dir, MANIFEST_FILE);
    await writeFileAtomic(manifest, manifestText());
    return {
      dir,
      manifest,
      url: form.url,
      requests: n,
      shards,
      chatTemplate: chatTemplate ? join(dir, CHAT_TEMPLATE_FILE) : null,
    };
  }
}

interface RequestForm {
  readonly url: BatchUrl;
  readonly chatForm: boolean;
  readonly template: { readonly path: string; readonly file: string; readonly text: string } | undefined;
  body(request: PreparedRequest): Record<string, unknown>;
}

/** How the judge's requests go into a batch: as a live run posts them, or a raw prompt as chat. */
function requestForm(judge: BatchJudge, chat: boolean): RequestForm {
  const { profile } = judge;
  const template = batchChatTemplate(profile);
  const post = (
    request: PreparedRequest,
    input: { prompt: string } | { messages: readonly ChatMessage[] },
  ) => ({
    // the fields in the order, and with the values, a live run sends (client/wire.ts)
    model: request.model,
    ...input,
    ...request.sampling,
    ...logprobsFields(request, 'messages' in input ? '/chat/completions' : '/completions'),
    stream: false,
  });
  if (profile.endpoint.kind === 'chat') {
    return {
      url: '/v1/chat/completions',
      chatForm: false,
      template,
      body: (r) => post(r, { messages: r.messages ?? [] }),
    };
  }
  if (!chat)
    return {
      url: '/v1/completions',
      chatForm: false,
      template: undefined,
      body: (r) => post(r, { prompt: r.prompt }),
    };
  if (!template) {
    throw new BenchError(
      `${profile.file}: judge ${profile.name} sends raw prompts and has no batch_chat_template, so its requests cannot go as chat requests (export them for /v1/completions, e.g. for the OpenAI Batch API)`,
      { exitCode: 2 },
    );
  }
  return {
    url: '/v1/chat/completions',
    chatForm: true,
    template,
    body: (r) => post(r, { messages: rawPromptAsChat(profile, r) }),
  };
}

/** sha256 hex of a body's canonical JSON: the same for any re-serialisation of the same value. */
function bodyHash(body: unknown): string {
  return sha256Hex(canonicalJson(body));
}

function commonPrefix(a: string, b: string): number {
  const end = Math.min(a.length, b.length);
  let i = 0;
  while (i < end && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/**
 * The first line of each of `count` shards: equal parts, each boundary moved (within a
 * quarter of a shard) to the line that shares the least with the one before it, the
 * nearest such line first, so that prompts with a common prefix stay on one node.
 */
export function shardStarts(lcp: readonly number[], count: number): number[] {
  const n = lcp.length;
  if (count <= 0 || n === 0) return [];
  const starts = [0];
  const window = Math.floor(n / count / 4);
  for (let k = 1; k < count; k++) {
    const target = Math.round((k * n) / count);
    const low = Math.max(starts[k - 1]! + 1, target - window);
    const high = Math.min(n - (count - k), target + window);
    let best = Math.min(Math.max(target, low), high);
    for (let i = low; i <= high; i++) {
      if (lcp[i]! < lcp[best]! || (lcp[i] === lcp[best] && Math.abs(i - target) < Math.abs(best - target)))
        best = i;
    }
    starts.push(best);
  }
  return starts;
}

/** Copies the spool's lines into the shards; returns the shard of the i-th request. */
async function splitSpool(
  spool: string,
  dir: string,
  starts: readonly number[],
  shards: readonly { readonly file: string }[],
): Promise<(i: number) => number> {
  let index = 0;
  let shard = -1;
  let out: WriteStream | undefined;
  const temp = (k: number) => join(dir, `.${shards[k]!.file}.tmp`);
  const close = async () => {
    if (!out) return;
    out.end();
    await once(out, 'close');
    await rename(temp(shard), join(dir, shards[shard]!.file));
  };
  for await (const line of readLines(spool)) {
    while (shard + 1 < starts.length && index >= starts[shard + 1]!) {
      await close();
      shard++;
      out = createWriteStream(temp(shard), { encoding: 'utf8' });
    }
    await writeLine(out!, line);
    index++;
  }
  await close();
  return (i) => {
    let k = starts.length - 1;
    while (k > 0 && starts[k]! > i) k--;
    return k;
  };
}

async function writeLine(out: WriteStream, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, 'drain');
}

function pad(k: number, of: number): string {
  return String(k).padStart(Math.max(3, String(of).length), '0');
}

/** Reads and checks a manifest; every problem is one line naming the file. */
export async function readBatchManifest(file: string): Promise<LoadedManifest> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      file,
      code === 'ENOENT' ? 'file not found' : `not a batch manifest (${errorMessage(e)})`,
    );
  }
  const m = raw as Partial<BatchManifest> | null;
  const fail = (problem: string): never => {
    throw new InputError(file, problem);
  };
  if (typeof m !== 'object' || m === null || m.format !== MANIFEST_FORMAT)
    fail('not a batch manifest of autoj-bench');
  if (!READ_VERSIONS.includes(m!.version as number))
    fail(`batch manifest version ${String(m!.version)}, this harness reads ${READ_VERSIONS.join(' and ')}`);
  const { judge, shards, requests, url } = m as BatchManifest;
  if (url !== '/v1/completions' && url !== '/v1/chat/completions')
    fail(`url ${String(url)} is not a completions route`);
  if (typeof judge !== 'object' || judge === null || typeof judge.name !== 'string') fail('judge: missing');
  const identity = judge.requestIdentity;
  if (identity !== undefined && identity !== null && !(typeof identity === 'string' && HEX64.test(identity)))
    fail('judge.requestIdentity: expected a sha256 hex digest or null');
  if (
    !Array.isArray(shards) ||
    shards.some((s) => typeof s?.file !== 'string' || basename(s.file) !== s.file)
  )
    fail('shards: expected a list of file names');
  if (typeof requests !== 'object' || requests === null || Array.isArray(requests))
    fail('requests: expected a mapping');
  const byId = new Map<string, ManifestRequest>();
  for (const [id, r] of Object.entries(requests)) {
    const ok =
      typeof r === 'object' &&
      r !== null &&
      Number.isInteger(r.shard) &&
      r.shard >= 0 &&
      r.shard < shards.length &&
      typeof r.body === 'string' &&
      Array.isArray(r.subjects) &&
      r.subjects.every((s) => Array.isArray(s) && s.length === 2 && s.every((x) => typeof x === 'string')) &&
      (r.truncation === null || typeof r.truncation === 'object') &&
      (r.tasks === undefined ||
        (Array.isArray(r.tasks) && r.tasks.every((d) => typeof d === 'string' && HEX64.test(d))));
    if (!ok) fail(`requests.${id}: expected {shard, body, subjects, truncation, tasks}`);
    byId.set(id, r);
  }
  return { file, dir: dirname(resolve(file)), manifest: m as BatchManifest, requests: byId };
}

export interface ImportOptions {
  readonly now?: () => Date;
  /** problems kept for the summary (the first ones); default 10 */
  readonly maxProblems?: number;
}

export interface ImportSummary {
  /** output lines read (blank ones aside) */
  readonly lines: number;
  /** judgments written to the store by this import */
  readonly stored: number;
  /** of which the parser found no verdict (stored as a live run stores them) */
  readonly unparsed: number;
  /** answers whose judgment the store held already (a second import, a live run): left as they are */
  readonly alreadyStored: number;
  /** lines without an answer: an error, a status other than 200, a body that is not a completion */
  readonly errors: number;
  /** custom_ids the manifest does not know */
  readonly unknown: number;
  /** answers to an input line whose body is not the exported one (or that no input shard holds) */
  readonly changed: number;
  /** lines that are not a batch output line (not JSON, no custom_id) */
  readonly malformed: number;
  /** requests of the manifest the store still lacks after this import */
  readonly remaining: number;
  /**
   * task index rows written, with the judgments stored and for those stored already (a
   * version 1 manifest has none: the next run finds its judgments by key and writes them)
   */
  readonly indexed: number;
  /** `file:line: problem`, the first few, safe to print */
  readonly problems: readonly string[];
}

/** Lines looked up in the store at a time. */
const IMPORT_CHUNK = 256;

/**
 * Stores the answers in batch output files (`vllm run-batch`'s, the OpenAI Batch API's
 * output and error files), checked against the manifest and the input shards beside it,
 * parsed and recorded exactly as a live run records an answer (client/wire.ts reads the
 * body, the judge parses it, store/record.ts builds the record), under the same key, with
 * endpoint `batch:<file>` and no latency, with the task index rows a live run writes (in
 * the judgment's commit; for a judgment stored already, on their own), so that the next
 * run finds them without rendering a prompt. Idempotent: a judgment the store holds is
 * never written again (nor overwritten); a line that is not stored gets no index row.
 */
export async function importBatch(
  files: readonly string[],
  batch: LoadedManifest,
  store: JudgmentStore,
  judge: BatchJudge,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  checkSameJudge(batch, judge);
  const verified = await verifiedRequests(batch);
  const route: Route = batch.manifest.url === '/v1/completions' ? '/completions' : '/chat/completions';
  const task = protocolTask(judge.info.protocol);
  const now = options.now ?? (() => new Date());
  const maxProblems = options.maxProblems ?? 10;
  const counts = { lines: 0, unparsed: 0, alreadyStored: 0, errors: 0, unknown: 0, changed: 0, malformed: 0 };
  const problems: string[] = [];
  const problem = (where: string, text: string) => {
    if (problems.length < maxProblems) problems.push(`${where}: ${terminalText(text).slice(0, 300)}`);
  };
  const identity = batch.manifest.judge.requestIdentity ?? undefined;
  const taskRows = (entry: ManifestRequest) =>
    identity !== undefined && entry.tasks ? entry.tasks.map((digest) => ({ identity, digest })) : [];
  /** ids written, or (stored before) indexed, by this import */
  const handled = new Set<string>();
  const writer = new JudgmentWriter(store);
  let attempted = 0;
  let indexed = 0;

  const settle = (lines: readonly OutputLine[]): void => {
    const held = store.getOutcomes(lines.map((l) => l.id));
    for (const line of lines) {
      const where = `${line.file}:${line.number}`;
      const entry = batch.requests.get(line.id);
      if (!entry) {
        counts.unknown++;
        problem(where, `custom_id ${line.id} is not in ${basename(batch.file)}`);
        continue;
      }
      if (!verified.has(line.id)) {
        counts.changed++;
        problem(
          where,
          `custom_id ${line.id}: its input line is not the exported request (changed or missing)`,
        );
        continue;
      }
      if (held.has(line.id) || handled.has(line.id)) {
        counts.alreadyStored++;
        if (!handled.has(line.id)) {
          // stored before (an earlier import, a live run): its rows, INSERT OR REPLACE, are harmless
          const rows = taskRows(entry);
          writer.indexTasks(rows.map((r) => ({ ...r, key: line.id })));
          indexed += rows.length;
          handled.add(line.id);
        }
        continue;
      }
      let completion;
      try {
        completion = completionFromBody(route, answerBody(line.value));
      } catch (e) {
        counts.errors++;
        problem(where, `custom_id ${line.id}: ${errorMessage(e)}`);
        continue;
      }
      const parsed = judge.parse(completion, task);
      const rows = taskRows(entry);
      writer.add(
        judgmentRecord({
          judge: judge.info,
          request: {
            key: line.id,
            model: batch.manifest.judge.servedModel,
            ...(entry.truncation ? { truncation: entry.truncation } : {}),
          },
          completion,
          parsed,
          latencyMs: null,
          endpoint: `batch:${basename(line.file)}`,
          createdAt: now(),
        }),
        entry.subjects.map(([suite, subject]) => ({ suite, subject })),
        rows,
      );
      handled.add(line.id);
      attempted++;
      indexed += rows.length;
      if (parsed.kind === 'unparsed') counts.unparsed++;
    }
  };

  try {
    for (const file of files) {
      await readable(file);
      let number = 0;
      let chunk: OutputLine[] = [];
      for await (const text of readLines(file)) {
        number++;
        if (text.trim() === '') continue;
        counts.lines++;
        const line = outputLine(file, number, text);
        if (typeof line === 'string') {
          counts.malformed++;
          problem(`${file}:${number}`, line);
          continue;
        }
        chunk.push(line);
        if (chunk.length >= IMPORT_CHUNK) {
          settle(chunk);
          chunk = [];
        }
      }
      settle(chunk);
    }
  } finally {
    writer.close();
  }
  const stored = writer.written;
  let remaining = 0;
  const ids = [...batch.requests.keys()];
  for (let start = 0; start < ids.length; start += 4096) {
    const part = ids.slice(start, start + 4096);
    remaining += part.length - store.getOutcomes(part).size;
  }
  return {
    ...counts,
    stored,
    // a judgment another process stored between the lookup and the commit
    alreadyStored: counts.alreadyStored + (attempted - stored),
    remaining,
    indexed,
    problems,
  };
}

interface OutputLine {
  readonly file: string;
  readonly number: number;
  readonly id: string;
  readonly value: { readonly response?: unknown; readonly error?: unknown };
}

/** An output line, or why it is not one. */
function outputLine(file: string, number: number, text: string): OutputLine | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not a JSON line';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'not a batch output line (a JSON object)';
  const id = (value as { custom_id?: unknown }).custom_id;
  if (typeof id !== 'string' || id === '') return 'a batch output line without a custom_id';
  return { file, number, id, value: value as OutputLine['value'] };
}

/**
 * The completion body of a successful line; throws with the engine's reason otherwise
 * (vLLM: `response.status_code` 400 and `error` a string or an ErrorResponse; OpenAI:
 * `error` {code, message} with no response, or a response whose body is `{error}`).
 */
function answerBody(line: OutputLine['value']): unknown {
  const response = line.response as { status_code?: unknown; body?: unknown } | null | undefined;
  const status = response?.status_code;
  if (line.error !== null && line.error !== undefined) {
    throw new Error(
      `the engine answered with an error${status === undefined ? '' : ` (status ${String(status)})`}: ${reason(line.error)}`,
    );
  }
  if (typeof response !== 'object' || response === null) throw new Error('a line without a response');
  if (status !== 200) {
    const bodyError = (response.body as { error?: unknown } | null | undefined)?.error;
    throw new Error(`status ${String(status)}${bodyError === undefined ? '' : `: ${reason(bodyError)}`}`);
  }
  return response.body;
}

/** An engine's error as one line: its message, else its JSON. */
function reason(error: unknown): string {
  if (typeof error === 'string') return error;
  const e = error as { message?: unknown; error?: { message?: unknown } } | null;
  const message = e?.message ?? e?.error?.message;
  return typeof message === 'string' ? message : JSON.stringify(error);
}

/** The manifest must be this judge's: same profile, model, template, protocol, language, sampling. */
function checkSameJudge(batch: LoadedManifest, judge: BatchJudge): void {
  const m = batch.manifest.judge;
  const differences: string[] = [];
  const compare = (what: string, theirs: unknown, ours: unknown) => {
    if (canonicalJson(theirs) !== canonicalJson(ours))
      differences.push(`${what} ${JSON.stringify(theirs)}, not ${JSON.stringify(ours)}`);
  };
  compare('judge', m.name, judge.info.name);
  compare('model', m.model, judge.model);
  compare('protocol', m.protocol, judge.info.protocol);
  compare('language', m.language, judge.language);
  compare('template version', m.templateVersion, judge.info.templateVersion);
  compare('sampling', m.sampling, judge.info.sampling ?? null);
  if (differences.length > 0) {
    throw new BenchError(
      `${batch.file}: exported for another judge (${differences.join('; ')}): import with the judge and settings it was exported with`,
      { exitCode: 2 },
    );
  }
}

/** The custom_ids whose input line in the shards beside the manifest has the exported body. */
async function verifiedRequests(batch: LoadedManifest): Promise<Set<string>> {
  const matching = new Set<string>();
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const [k, shard] of batch.manifest.shards.entries()) {
    const file = join(batch.dir, shard.file);
    // a missing shard: its answers cannot be checked, so none is stored
    if (!(await exists(file))) continue;
    for await (const text of readLines(file)) {
      let line: { custom_id?: unknown; body?: unknown } | null;
      try {
        line = JSON.parse(text) as typeof line;
      } catch {
        continue; // not a request: no answer to it is stored
      }
      const id = line?.custom_id;
      if (typeof id !== 'string' || batch.requests.get(id)?.shard !== k) continue;
      // twice in the input: the engine answered both, and one of them may be another body
      if (seen.has(id)) twice.add(id);
      seen.add(id);
      if (bodyHash(line!.body) === batch.requests.get(id)!.body) matching.add(id);
    }
  }
  for (const id of twice) matching.delete(id);
  return matching;
}

function readLines(file: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** Fails with one line naming the file when it cannot be read. */
async function readable(file: string): Promise<void> {
  try {
    await access(file, fsConstants.R_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(file, code === 'ENOENT' ? 'file not found' : errorMessage(e));
  }
}

/**
 * A task of the judge's protocol for its parser, which reads the completion only (the
 * task says which protocol the answer is for; a batch answer is checked against the
 * manifest, which is the judge's).
 */
function protocolTask(protocol: 'single' | 'pairwise'): JudgeTask {
  return protocol === 'single'
    ? { protocol, instruction: '', response: null }
    : { protocol, instruction: '', first: '', second: '' };
}
