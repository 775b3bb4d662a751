import { constants } from 'node:fs';
import { mkdir, open, readFile, readdir, realpath } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { BenchError, InputError, errorMessage } from '../core/errors.js';
import { createHash } from 'node:crypto';
import { sha256Hex } from '../core/hash.js';
import { writeFileAtomic } from '../core/atomic-write.js';

/**
 * How much of a source file is read. Submissions are hostile input: a file over the cap,
 * or a gzip that expands beyond it, is that file's problem, never the process's memory.
 * The largest real submission is about 1 MB gzipped, 5 MB of JSON.
 */
export interface SourceLimits {
  /** bytes of a file as stored (compressed or not) */
  readonly maxFileBytes: number;
  /** bytes of JSON text after decompression (well below V8's 512 MiB string limit) */
  readonly maxDecodedBytes: number;
}

export const DEFAULT_SOURCE_LIMITS: SourceLimits = {
  maxFileBytes: 128 * 1024 * 1024,
  maxDecodedBytes: 128 * 1024 * 1024,
};

/**
 * Read access to a tree laid out like the upstream alpaca_eval repository, wherever it
 * lives: a local folder or raw files over HTTP(S). Paths are relative, with `/`.
 */
export interface SourceFiles {
  /** where the files come from, for messages and provenance */
  readonly location: string;
  readonly limits: SourceLimits;
  /**
   * The file's bytes, or null when it does not exist. A file that exists but may not be
   * read (a folder, a device, a link out of the tree, over the size cap, not cached
   * offline) is an InputError naming it.
   */
  read(relPath: string): Promise<Uint8Array | null>;
  /**
   * The sha256 of the file's bytes (hex) as `read` would return them, or null when it does
   * not exist; the same errors as `read`. A source that has it reads the file a chunk at a
   * time into one buffer instead of holding the whole file (a rerun hashes every submission).
   */
  sha256?(relPath: string): Promise<string | null>;
  /** a human-readable name of the file for error messages */
  describe(relPath: string): string;
  /** sub-folder names of a folder, or null when the source cannot list (HTTP) */
  listDirs(relDir: string): Promise<string[] | null>;
}

/** An HTTP source was told not to use the network (`--offline`) and does not have the file. */
export class NotCachedError extends InputError {
  constructor(url: string) {
    super(url, 'not in the HTTP cache, and --offline sends no request');
  }
}

/**
 * A local alpaca_eval folder. Only regular files inside the folder are read: a symbolic
 * link may point elsewhere in the tree, never out of it (`results/x/model_outputs.json ->
 * /etc/passwd` is refused, not read), and folders, FIFOs and devices are refused.
 */
export class LocalFiles implements SourceFiles {
  readonly location: string;
  readonly limits: SourceLimits;
  private realRoot: Promise<string> | undefined;
  constructor(root: string, options: { limits?: Partial<SourceLimits> } = {}) {
    this.location = resolve(root);
    this.limits = { ...DEFAULT_SOURCE_LIMITS, ...options.limits };
  }

  describe(relPath: string): string {
    return join(this.location, relPath);
  }

  async read(relPath: string): Promise<Uint8Array | null> {
    const found = await this.inside(relPath);
    return (
      found &&
      readRegularFile(found.real, { name: found.name, maxBytes: this.limits.maxFileBytes, noFollow: true })
    );
  }

  async sha256(relPath: string): Promise<string | null> {
    const found = await this.inside(relPath);
    if (!found) return null;
    const hash = createHash('sha256');
    const read = await readRegularFile(found.real, {
      name: found.name,
      maxBytes: this.limits.maxFileBytes,
      noFollow: true,
      each: (chunk) => hash.update(chunk),
    });
    return read === null ? null : hash.digest('hex');
  }

  /** The real path of a file inside the folder, or null when there is none; InputError otherwise. */
  private async inside(relPath: string): Promise<{ name: string; real: string } | null> {
    const name = this.describe(relPath);
    let real: string;
    try {
      real = await realpath(name);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw new InputError(
        name,
        code === 'ELOOP' ? 'symbolic link loop' : `cannot read (${code ?? errorMessage(e)})`,
        {
          cause: e,
        },
      );
    }
    this.realRoot ??= realpath(this.location);
    const root = await this.realRoot;
    if (real !== root && !real.startsWith(root.endsWith(sep) ? root : `${root}${sep}`)) {
      throw new InputError(name, 'is a symbolic link out of the source folder (not read)');
    }
    return { name, real };
  }

  async listDirs(relDir: string): Promise<string[]> {
    const dir = join(this.location, relDir);
    try {
      const entries = await readdir(dir, { withFileTypes: true });
      return entries
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new BenchError(`${dir}: cannot list (${errorMessage(e)})`, { cause: e });
    }
  }
}

/**
 * The bytes of `path`, or null when there is no such file. It must be a regular file of at
 * most `maxBytes`; anything else is an InputError calling it `name`. Opening never blocks
 * (a FIFO is refused, not waited on); with `noFollow`, a last component that is a symbolic
 * link is refused (one that appeared since the caller resolved the path).
 */
export async function readRegularFile(
  path: string,
  options: {
    name?: string;
    maxBytes?: number;
    noFollow?: boolean;
    /** handed each chunk as it is read, into one reused buffer; the bytes returned are then empty */
    each?: (chunk: Buffer) => void;
  } = {},
): Promise<Buffer | null> {
  const name = options.name ?? path;
  const maxBytes = options.maxBytes ?? DEFAULT_SOURCE_LIMITS.maxFileBytes;
  let handle;
  try {
    const flags = constants.O_RDONLY | constants.O_NONBLOCK | (options.noFollow ? constants.O_NOFOLLOW : 0);
    handle = await open(path, flags);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    const problem =
      code === 'ELOOP'
        ? options.noFollow
          ? 'is a symbolic link (not read)'
          : 'symbolic link loop'
        : `cannot read (${code ?? errorMessage(e)})`;
    throw new InputError(name, problem, { cause: e });
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new InputError(name, 'is a folder, not a file');
    if (!info.isFile()) {
      const kind = info.isFIFO() ? 'a FIFO' : info.isSocket() ? 'a socket' : 'a device';
      throw new InputError(name, `is ${kind}, not a regular file (not read)`);
    }
    const tooBig = () =>
      new InputError(name, `is larger than ${formatBytes(maxBytes)}, the limit for a source file (not read)`);
    if (info.size > maxBytes) throw tooBig();
    // The size said by fstat may be stale (a growing file, /proc): read to the end, bounded.
    const chunks: Buffer[] = [];
    let total = 0;
    const reused = options.each ? Buffer.allocUnsafe(STREAM_CHUNK) : undefined;
    for (;;) {
      const chunk =
        reused ?? Buffer.allocUnsafe(Math.min(Math.max(info.size - total, 64 * 1024), maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooBig();
      const read = bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead);
      if (options.each) options.each(read);
      else chunks.push(read);
    }
    if (options.each) return Buffer.alloc(0);
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(name, `cannot read (${(e as NodeJS.ErrnoException).code ?? errorMessage(e)})`, {
      cause: e,
    });
  } finally {
    await handle.close();
  }
}

/** the buffer a file is streamed through (`each`) */
const STREAM_CHUNK = 256 * 1024;

/** 134217728 -> "128 MiB", for limits in messages. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/**
 * Raw files over HTTP(S), cached on disk. A cached file is revalidated with its ETag
 * (a 304 costs no download); a 404 is cached too, as "absent". `offline` sends no request
 * at all: a file the cache does not have is a NotCachedError.
 */
export class HttpFiles implements SourceFiles {
  readonly location: string;
  readonly limits: SourceLimits;
  private readonly fetchImpl: FetchLike;

  constructor(
    baseUrl: string,
    private readonly cacheDir: string,
    options: {
      fetch?: FetchLike;
      offline?: boolean;
      /** how to do without the network, for the error when the server cannot be reached */
      localCopy?: string;
      timeoutMs?: number;
      limits?: Partial<SourceLimits>;
    } = {},
  ) {
    this.location = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    this.limits = { ...DEFAULT_SOURCE_LIMITS, ...options.limits };
    this.fetchImpl = options.fetch ?? ((url, init) => fetch(url, init));
    this.offline = options.offline ?? false;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.localCopy = options.localCopy ?? 'pass --source DIR for a local copy';
  }
  private readonly localCopy: string;
  private readonly offline: boolean;
  private readonly timeoutMs: number;

  describe(relPath: string): string {
    return new URL(relPath, this.location).href;
  }

  async listDirs(): Promise<null> {
    return null;
  }

  async read(relPath: string): Promise<Uint8Array | null> {
    const url = this.describe(relPath);
    const cacheBase = join(this.cacheDir, sha256Hex(url).slice(0, 32));
    const cached = await readCached(cacheBase);
    if (this.offline) {
      if (!cached) throw new NotCachedError(url);
      return cached.absent ? null : cached.body;
    }
    const headers: Record<string, string> = {};
    if (cached && !cached.absent && cached.etag) headers['if-none-match'] = cached.etag;
    let response: Response;
    try {
      response = await this.fetchImpl(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      throw new BenchError(`${url}: source unreachable (${errorMessage(e)}); ${this.localCopy}`, {
        cause: e,
      });
    }
    if (response.status === 304 && cached && !cached.absent) return cached.body;
    if (response.status === 404) {
      await response.body?.cancel();
      await mkdir(this.cacheDir, { recursive: true });
      await writeFileAtomic(`${cacheBase}.meta.json`, JSON.stringify({ url, absent: true }));
      return null;
    }
    if (!response.ok) throw new BenchError(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
    const body = await readBody(response, url, this.limits.maxFileBytes);
    await mkdir(this.cacheDir, { recursive: true });
    await writeFileAtomic(`${cacheBase}.body`, body);
    await writeFileAtomic(
      `${cacheBase}.meta.json`,
      JSON.stringify({ url, etag: response.headers.get('etag') }),
    );
    return body;
  }
}

/** A response's body, at most `maxBytes` of it (as declared and as received). */
async function readBody(response: Response, url: string, maxBytes: number): Promise<Uint8Array> {
  const tooBig = () =>
    new InputError(url, `is larger than ${formatBytes(maxBytes)}, the limit for a source file (not read)`);
  if (Number(response.headers.get('content-length')) > maxBytes) {
    await response.body?.cancel();
    throw tooBig();
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw tooBig();
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new BenchError(`${url}: download failed (${errorMessage(e)})`, { cause: e });
  }
  return Buffer.concat(chunks, total);
}

type CachedFile = { absent: true } | { absent: false; body: Uint8Array; etag: string | null };

async function readCached(base: string): Promise<CachedFile | null> {
  try {
    const meta = JSON.parse(await readFile(`${base}.meta.json`, 'utf8')) as {
      etag?: string | null;
      absent?: boolean;
    };
    if (meta.absent === true) return { absent: true };
    return { absent: false, body: await readFile(`${base}.body`), etag: meta.etag ?? null };
  } catch {
    return null;
  }
}

/** `--source` value -> files: http(s) URLs are fetched (and cached), anything else is a folder. */
export function openSourceFiles(
  source: string,
  options: { cacheDir: string; fetch?: FetchLike; offline?: boolean; localCopy?: string },
): SourceFiles {
  if (/^https?:\/\//i.test(source)) return new HttpFiles(source, options.cacheDir, options);
  if (!existsSync(source) || !statSync(source).isDirectory()) {
    throw new InputError(source, 'no such folder (--source takes an alpaca_eval folder or an http(s) URL)');
  }
  return new LocalFiles(source);
}
