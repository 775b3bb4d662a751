import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { errorMessageOf, withReadableErrors } from '../../harness/client/error-body.js';
import { createHttpFetch, type HttpFetch } from '../../harness/client/http-fetch.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(handler: Handler): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const s = http.createServer(handler);
  s.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        s.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, connections: () => connections };
}

function client(options?: Parameters<typeof createHttpFetch>[0]): HttpFetch {
  const c = createHttpFetch(options);
  cleanups.push(() => c.close());
  return c;
}

describe('createHttpFetch', () => {
  it('posts the body with its length and reads status, headers and JSON', async () => {
    const s = await server((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'r1' });
        res.end(
          JSON.stringify({
            got: JSON.parse(body),
            len: req.headers['content-length'],
            auth: req.headers.authorization,
          }),
        );
      });
    });
    const { fetch } = client();
    const res = await fetch(`${s.url}/v1/x`, {
      method: 'POST',
      headers: new Headers({ authorization: 'Bearer k', 'content-type': 'application/json' }),
      body: JSON.stringify({ prompt: 'héllo' }),
    });
    expect(res.status).toBe(201);
    expect(res.ok).toBe(true);
    expect(res.headers.get('x-request-id')).toBe('r1');
    expect(await res.json()).toEqual({ got: { prompt: 'héllo' }, len: '19', auth: 'Bearer k' });
    await expect(res.text()).rejects.toThrow(/already been read/);
  });

  it('decodes gzip answers', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' });
      res.end(zlib.gzipSync('compressed text'));
    });
    const res = await client().fetch(s.url);
    expect(await res.text()).toBe('compressed text');
    expect(res.headers.get('content-encoding')).toBeNull();
  });

  it('keeps one connection per request in flight and reuses them', async () => {
    const pending: http.ServerResponse[] = [];
    const s = await server((_req, res) => {
      pending.push(res);
      if (pending.length === 256) for (const r of pending.splice(0)) r.end('ok');
    });
    const { fetch } = client();
    for (let wave = 0; wave < 2; wave++) {
      const answers = await Promise.all(
        Array.from({ length: 256 }, () => fetch(s.url).then((r) => r.text())),
      );
      expect(answers.every((a) => a === 'ok')).toBe(true);
    }
    expect(s.connections()).toBe(256);
  });

  it('reports a connection dropped mid-answer as a reset', async () => {
    const s = await server((req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 10);
    });
    await expect(client().fetch(s.url)).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('reports a refused connection with its code', async () => {
    const s = await server(() => {});
    const url = s.url;
    await cleanups.pop()?.();
    await expect(client().fetch(url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('aborts with an AbortError', async () => {
    const s = await server(() => {});
    const controller = new AbortController();
    const pending = client().fetch(s.url, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('withReadableErrors', () => {
  it("turns vLLM's, FastAPI's and text error bodies into OpenAI's shape", async () => {
    expect(errorMessageOf('{"object":"error","message":"too long","type":"BadRequestError"}')).toBe(
      'too long',
    );
    expect(errorMessageOf('{"error":{"message":"nested"}}')).toBe('nested');
    expect(errorMessageOf('{"error":"Unauthorized"}')).toBe('Unauthorized');
    expect(errorMessageOf('{"detail":"Not Found"}')).toBe('Not Found');
    expect(errorMessageOf('<html><body><h1>502 Bad Gateway</h1></body></html>')).toBe('502 Bad Gateway');

    const fetch = withReadableErrors(
      async () => new Response('{"object":"error","message":"boom"}', { status: 500 }),
    );
    const res = await fetch('http://x');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { message: 'boom' } });
  });
});
