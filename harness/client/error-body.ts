import type { Fetch } from './http-fetch.js';

/**
 * Wraps a fetch so that error answers reach the openai client in OpenAI's shape,
 * `{"error": {"message": ...}}`. vLLM (before 0.10) answers `{"object": "error",
 * "message": ...}` at the top level, FastAPI answers `{"detail": ...}`, proxies answer
 * text or HTML; the openai client only reads `.error` and would report "400 status code
 * (no body)", losing the reason (e.g. "maximum context length is 4096 tokens").
 * Successful answers pass through untouched.
 */
export function withReadableErrors(fetch: Fetch): Fetch {
  return (input, init) => fetch(input, init).then((res) => (res.status < 400 ? res : openAIShaped(res)));
}

async function openAIShaped(res: Response): Promise<Response> {
  const text = await res.text().catch(() => '');
  const headers = new Headers(res.headers);
  headers.set('content-type', 'application/json');
  headers.delete('content-length');
  headers.delete('content-encoding');
  const body = JSON.stringify({ error: { message: errorMessageOf(text) } });
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
}

/** The most specific message in an error body (OpenAI, vLLM, FastAPI or plain text). */
export function errorMessageOf(text: string): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return plain(text);
  }
  if (!json || typeof json !== 'object') return plain(text);
  const o = json as Record<string, unknown>;
  const err = o.error;
  if (err && typeof err === 'object') {
    const m = (err as Record<string, unknown>).message;
    if (typeof m === 'string' && m) return m;
  }
  if (typeof err === 'string' && err) return err;
  if (typeof o.message === 'string' && o.message) return o.message;
  if (typeof o.detail === 'string' && o.detail) return o.detail;
  if (o.detail !== undefined) return JSON.stringify(o.detail).slice(0, 500);
  return plain(text);
}

function plain(text: string): string {
  const oneLine = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return oneLine.length > 300 ? `${oneLine.slice(0, 300)}...` : oneLine;
}
