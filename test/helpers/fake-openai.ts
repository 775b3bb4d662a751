import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A tiny OpenAI-compatible server on 127.0.0.1 for client tests. Each request to
 * POST /v1/completions takes the next scripted reply; GET /v1/models lists `models`.
 * Anything else (or a completion with nothing scripted and no default) is unexpected:
 * it is answered 418 and recorded, and `close()` then rejects, failing the test.
 */

export interface FakeReply {
  /** default 200 */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON-encoded unless a string; default: a completion (200) or an error body */
  readonly body?: unknown;
  /** wait this long before answering (or destroying) */
  readonly delayMs?: number;
  /** destroy the socket instead of answering (a reset) */
  readonly destroy?: boolean;
  /** never answer (until the client gives up or the server closes) */
  readonly hang?: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  /** parsed JSON body, or undefined */
  readonly body: unknown;
  /** when it arrived (ms, performance.now()) */
  readonly at: number;
}

export type FakeHandler = (req: RecordedRequest) => FakeReply | Promise<FakeReply>;

export interface FakeModel {
  readonly id: string;
  readonly max_model_len?: number;
}

export interface FakeOpenAIOptions {
  /** listed by GET /v1/models; default GAIR/autoj-13b with max_model_len 4096 */
  readonly models?: readonly FakeModel[];
  /** answers completions when nothing is scripted; default: unexpected */
  readonly completions?: FakeHandler;
  /** extra routes, keyed `METHOD /path` */
  readonly routes?: Readonly<Record<string, FakeHandler>>;
  /** listen on this port (e.g. to bring a "crashed" server back); default: a free one */
  readonly port?: number;
}

export interface FakeOpenAI {
  /** the OpenAI API base, `http://127.0.0.1:PORT/v1` */
  readonly url: string;
  readonly port: number;
  /** every request received, in order of arrival */
  readonly requests: RecordedRequest[];
  readonly unexpected: RecordedRequest[];
  /** completions requests only */
  completions(): RecordedRequest[];
  /** queues replies for the next POST /v1/completions requests, in order */
  script(...replies: (FakeReply | FakeHandler)[]): FakeOpenAI;
  /** requests being answered right now */
  inFlight(): number;
  /** TCP connections accepted so far */
  connections(): number;
  /** stops listening and drops connections; rejects if any request was unexpected */
  close(): Promise<void>;
}

/** A vLLM-shaped completion body. */
export function completionBody(
  text = 'The response is fine.\n\nRating: [[7]]',
  finishReason: 'stop' | 'length' = 'stop',
  usage = { prompt_tokens: 100, completion_tokens: 20 },
): unknown {
  return {
    id: 'cmpl-fake',
    object: 'text_completion',
    created: 0,
    model: 'GAIR/autoj-13b',
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason, stop_reason: null }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

/** vLLM's error body (top-level message, as vLLM before 0.10). */
export function vllmError(status: number, message: string, type = 'BadRequestError'): FakeReply {
  return { status, body: { object: 'error', message, type, param: null, code: status } };
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const models = options.models ?? [{ id: 'GAIR/autoj-13b', max_model_len: 4096 }];
  const requests: RecordedRequest[] = [];
  const unexpected: RecordedRequest[] = [];
  const queue: (FakeReply | FakeHandler)[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let active = 0;
  let accepted = 0;

  const route = (rec: RecordedRequest): FakeReply | Promise<FakeReply> | undefined => {
    const key = `${rec.method} ${rec.path}`;
    const extra = options.routes?.[key];
    if (extra) return extra(rec);
    if (key === 'GET /v1/models') {
      return {
        body: { object: 'list', data: models.map((m) => ({ object: 'model', owned_by: 'vllm', ...m })) },
      };
    }
    if (key === 'POST /v1/completions') {
      const next = queue.shift();
      if (next) return typeof next === 'function' ? next(rec) : next;
      if (options.completions) return options.completions(rec);
    }
    return undefined;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const rec: RecordedRequest = {
        method: req.method ?? '',
        path: new URL(req.url ?? '/', 'http://x').pathname,
        headers: req.headers,
        body,
        at: performance.now(),
      };
      requests.push(rec);
      active++;
      res.on('close', () => active--);
      Promise.resolve(route(rec)).then(
        (reply) => {
          if (!reply) {
            unexpected.push(rec);
            res.writeHead(418, { 'content-type': 'application/json' });
            res.end(
              JSON.stringify({ error: { message: `fake-openai: unexpected ${rec.method} ${rec.path}` } }),
            );
            return;
          }
          answer(req.socket, res, reply);
        },
        (e: unknown) => {
          unexpected.push(rec);
          res.writeHead(500);
          res.end(String(e));
        },
      );
    });
  });

  const answer = (socket: Socket, res: http.ServerResponse, reply: FakeReply) => {
    if (reply.hang) return;
    const go = () => {
      if (reply.destroy) return socket.destroy();
      const status = reply.status ?? 200;
      const body =
        reply.body === undefined
          ? status === 200
            ? completionBody()
            : { object: 'error', message: `fake ${status}`, type: 'Error', code: status }
          : reply.body;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, {
        'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
        'content-length': Buffer.byteLength(text),
        ...reply.headers,
      });
      res.end(text);
    };
    if (!reply.delayMs) return go();
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!res.destroyed) go();
    }, reply.delayMs);
    timers.add(timer);
  };

  server.on('connection', (socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const fake: FakeOpenAI = {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    unexpected,
    completions: () => requests.filter((r) => r.method === 'POST' && r.path === '/v1/completions'),
    script(...replies) {
      queue.push(...replies);
      return fake;
    },
    inFlight: () => active,
    connections: () => accepted,
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (unexpected.length > 0) {
        const list = unexpected.map((r) => `${r.method} ${r.path}`).join(', ');
        throw new Error(`fake-openai received unexpected requests: ${list}`);
      }
    },
  };
  return fake;
}
