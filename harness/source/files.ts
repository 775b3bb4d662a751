import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { BenchError, InputError, errorMessage } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import { writeFileAtomic } from '../core/atomic-write.js';

/**
 * Read access to a tree laid out like the upstream alpaca_eval repository, wherever it
 * lives: a local folder or raw files over HTTP(S). Paths are relative, with `/`.
 */
export interface SourceFiles {
  /** where the files come from, for messages and provenance */
  readonly location: string;
  /** the file's bytes, or null when it does not exist */
  read(relPath: string): Promise<Uint8Array | null>;
  /** a human-readable name of the file for error messages */
  describe(relPath: string): string;
  /** sub-folder names of a folder, or null when the source cannot list (HTTP) */
  listDirs(relDir: string): Promise<string[] | null>;
}

export class LocalFiles implements SourceFiles {
  readonly location: string;
  constructor(root: string) {
    this.location = resolve(root);
  }

  describe(relPath: string): string {
    return join(this.location, relPath);
  }

  async read(relPath: string): Promise<Uint8Array | null> {
    try {
      return await readFile(join(this.location, relPath));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new BenchError(`${this.describe(relPath)}: cannot read (${errorMessage(e)})`, { cause: e });
    }
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

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/**
 * Raw files over HTTP(S), cached on disk. A cached file is revalidated with its ETag
 * (a 304 costs no download); `offline` uses the cache without asking the server.
 */
export class HttpFiles implements SourceFiles {
  readonly location: string;
  private readonly fetchImpl: FetchLike;

  constructor(
    baseUrl: string,
    private readonly cacheDir: string,
    options: { fetch?: FetchLike; offline?: boolean; timeoutMs?: number } = {},
  ) {
    this.location = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    this.fetchImpl = options.fetch ?? ((url, init) => fetch(url, init));
    this.offline = options.offline ?? false;
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }
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
    if (cached && this.offline) return cached.body;
    const headers: Record<string, string> = {};
    if (cached?.etag) headers['if-none-match'] = cached.etag;
    let response: Response;
    try {
      response = await this.fetchImpl(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      throw new BenchError(
        `${url}: source unreachable (${errorMessage(e)}); pass --source DIR for a local copy`,
        {
          cause: e,
        },
      );
    }
    if (response.status === 304 && cached) return cached.body;
    if (response.status === 404) return null;
    if (!response.ok) throw new BenchError(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
    const body = new Uint8Array(await response.arrayBuffer());
    await mkdir(this.cacheDir, { recursive: true });
    await writeFileAtomic(`${cacheBase}.body`, body);
    await writeFileAtomic(
      `${cacheBase}.meta.json`,
      JSON.stringify({ url, etag: response.headers.get('etag') }),
    );
    return body;
  }
}

async function readCached(base: string): Promise<{ body: Uint8Array; etag: string | null } | null> {
  try {
    await stat(`${base}.body`);
    const meta = JSON.parse(await readFile(`${base}.meta.json`, 'utf8')) as { etag?: string | null };
    return { body: await readFile(`${base}.body`), etag: meta.etag ?? null };
  } catch {
    return null;
  }
}

/** `--source` value -> files: http(s) URLs are fetched (and cached), anything else is a folder. */
export function openSourceFiles(
  source: string,
  options: { cacheDir: string; fetch?: FetchLike; offline?: boolean },
): SourceFiles {
  if (/^https?:\/\//i.test(source)) return new HttpFiles(source, options.cacheDir, options);
  if (!existsSync(source) || !statSync(source).isDirectory()) {
    throw new InputError(source, 'no such folder (--source takes an alpaca_eval folder or an http(s) URL)');
  }
  return new LocalFiles(source);
}
