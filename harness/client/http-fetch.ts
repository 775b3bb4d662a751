import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

/** The `fetch` signature the openai client accepts; tests inject their own. */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface HttpFetch {
  readonly fetch: Fetch;
  /** Closes the kept-alive connections. */
  close(): void;
}

/**
 * A minimal `fetch` over node:http with a keep-alive agent, for talking to judge servers.
 *
 * Why not the global fetch: Node's bundled undici caps every request at 300 s until the
 * response headers arrive (`headersTimeout`) and 300 s between body chunks; a vLLM
 * completion sends its headers only when the whole generation is done, so a long queue
 * turns into spurious failures that a per-request timeout of our own cannot lift. Undici's
 * `Agent` is not importable without installing undici. It also costs about three times the
 * CPU per request of node:http (measured: ~1.2 ms against ~0.35 ms at 256 in flight), and
 * the harness budget is under 1 ms per judgment.
 *
 * Connections: one keep-alive pool per origin with no upper bound by default (each
 * in-flight request holds one HTTP/1.1 connection; 256 in flight = 256 sockets), reused
 * most-recently-used first so that idle ones age out at the server instead of being
 * picked just as the server closes them. No timeouts here: the caller aborts via `signal`.
 * The body is buffered (answers are a few KB) and returned as a light Response (below);
 * only string/bytes request bodies are supported: this is for JSON APIs, not a general fetch.
 */
export function createHttpFetch(options: { maxSocketsPerOrigin?: number } = {}): HttpFetch {
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSocketsPerOrigin ?? Infinity,
    scheduling: 'lifo' as const,
  };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);

  const fetch: Fetch = (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = typeof input === 'string' ? new URL(input) : input instanceof URL ? input : undefined;
      if (!url) return reject(new TypeError('http-fetch: only string or URL inputs are supported'));
      const secure = url.protocol === 'https:';
      if (!secure && url.protocol !== 'http:') {
        return reject(new TypeError(`http-fetch: unsupported protocol ${url.protocol}`));
      }
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(abortError());
      let body: string | Uint8Array | undefined;
      try {
        body = requestBody(init.body);
      } catch (e) {
        return reject(e);
      }
      const headers = headerRecord(init.headers);
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));

      let settled = false;
      const fail = (e: unknown) => {
        if (settled) return;
        settled = true;
        reject(signal?.aborted ? abortError() : e);
      };
      const request = (secure ? https : http).request(
        url,
        { method: init.method ?? 'GET', headers, agent: secure ? httpsAgent : httpAgent, signal },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', fail);
          res.on('close', () => {
            if (!res.complete) fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
          });
          res.on('end', () => {
            if (settled) return;
            try {
              const response = toResponse(res, chunks, url.href);
              settled = true;
              resolve(response);
            } catch (e) {
              fail(e);
            }
          });
        },
      );
      request.on('error', fail);
      request.end(body);
    });

  return {
    fetch,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

function abortError(): Error {
  return new DOMException('This operation was aborted', 'AbortError');
}

function requestBody(body: RequestInit['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError('http-fetch: only string or byte request bodies are supported');
}

function headerRecord(init: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!init) return out;
  const headers = init instanceof Headers ? init : new Headers(init);
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

const NULL_BODY_STATUS = new Set([204, 205, 304]);

function toResponse(res: http.IncomingMessage, chunks: Buffer[], url: string): Response {
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 599) throw new Error(`unexpected HTTP status ${status}`);
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  let body: Buffer | null = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  const encoding = headers.get('content-encoding')?.trim().toLowerCase();
  if (encoding && encoding !== 'identity' && body.length > 0) {
    body = decode(body, encoding);
    headers.delete('content-encoding');
    headers.delete('content-length');
  }
  if (NULL_BODY_STATUS.has(status)) body = null;
  return new BufferedResponse(body, status, res.statusMessage ?? '', headers, url) as unknown as Response;
}

/**
 * A Response over an already-buffered body. It has the members fetch callers read
 * (status, ok, headers as a real Headers, url, text/json/arrayBuffer/blob, clone, and
 * `body` as a stream made on demand) without the cost of undici's Response, whose
 * construction and stream-based `json()` took about 100 us per request, a tenth of the
 * harness's CPU budget per judgment. It is not `instanceof Response`.
 */
class BufferedResponse {
  readonly type = 'basic';
  readonly redirected = false;
  readonly ok: boolean;
  bodyUsed = false;

  constructor(
    private readonly data: Buffer | null,
    readonly status: number,
    readonly statusText: string,
    readonly headers: Headers,
    readonly url: string,
  ) {
    this.ok = status >= 200 && status < 300;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.data === null || this.bodyUsed) return null;
    const bytes = this.consume();
    return new ReadableStream({
      start(controller) {
        controller.enqueue(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        controller.close();
      },
    });
  }

  async text(): Promise<string> {
    return this.consume().toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.consume().toString('utf8'));
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.consume();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.arrayBuffer());
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.arrayBuffer()], { type: this.headers.get('content-type') ?? '' });
  }

  clone(): BufferedResponse {
    if (this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
    return new BufferedResponse(this.data, this.status, this.statusText, new Headers(this.headers), this.url);
  }

  private consume(): Buffer {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    this.bodyUsed = true;
    return this.data ?? Buffer.alloc(0);
  }
}

function decode(body: Buffer, encoding: string): Buffer {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(body);
    case 'deflate':
      return zlib.inflateSync(body);
    case 'br':
      return zlib.brotliDecompressSync(body);
    default:
      throw new Error(`unsupported content-encoding ${encoding}`);
  }
}
