import { STATUS_CODES } from 'node:http';
import { APIError } from 'openai';

/**
 * The retry policy, in one place: how a failed attempt is classified, whether it is
 * retried, what it says about the endpoint, and how long to wait before the next try.
 */

/** What went wrong with one attempt. */
export type FailureKind =
  /** nothing listens at the address (ECONNREFUSED, unknown host): the endpoint is down */
  | 'refused'
  /** the connection dropped before a complete answer (ECONNRESET, socket hang up) */
  | 'reset'
  /** no complete answer within the per-request timeout */
  | 'timeout'
  /** another connection-level error */
  | 'network'
  /** 5xx */
  | 'server'
  /** 408, 409, 429: the server is alive but asks to come back later */
  | 'throttled'
  /** a 2xx answer without a usable completion */
  | 'bad-response'
  /** 401, 403 */
  | 'unauthorized'
  /** 404: unknown model or wrong URL */
  | 'not-found'
  /** any other 4xx (400: prompt too long for the context, ...) */
  | 'rejected';

export interface AttemptFailure {
  readonly kind: FailureKind;
  readonly status?: number;
  /** the server's message or the connection error, for humans */
  readonly detail: string;
  /** from Retry-After / retry-after-ms, when the server sent one */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/** Thrown inside the client for failures it detects itself (timeout, bad answer). */
export class AttemptError extends Error {
  constructor(readonly failure: AttemptFailure) {
    super(failure.detail);
  }
}

export function isRetryable(kind: FailureKind): boolean {
  return !(kind === 'unauthorized' || kind === 'not-found' || kind === 'rejected');
}

/**
 * What a failure says about the endpoint: `down` marks it down at once (nothing listens
 * there), `strike` counts toward marking it down after consecutive failures, `none` says
 * nothing about its health (it answered, just not with a completion).
 */
export function endpointEffect(kind: FailureKind): 'down' | 'strike' | 'none' {
  switch (kind) {
    case 'refused':
      return 'down';
    case 'reset':
    case 'timeout':
    case 'network':
    case 'server':
    case 'bad-response':
      return 'strike';
    default:
      return 'none';
  }
}

export interface Backoff {
  /** delay before the first retry */
  readonly baseMs: number;
  /** cap of the doubling */
  readonly maxMs: number;
}

/**
 * Exponential backoff with jitter (as openai-node): base * 2^(retry-1), capped, minus up
 * to 25% so that requests that failed together do not come back together.
 */
export function backoffDelay(retry: number, backoff: Backoff, random: () => number): number {
  const exp = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(exp * (1 - 0.25 * random()));
}

/** Retry-After in seconds or as an HTTP date, or retry-after-ms; undefined if absent or unusable. */
export function parseRetryAfter(headers: Headers | undefined, nowMs: number): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const header = headers.get('retry-after');
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** The `code` of an error or of one of its causes (undici and node:http nest them). */
function errorCode(e: unknown): string | undefined {
  for (let cur = e, depth = 0; cur && typeof cur === 'object' && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function innermostMessage(e: unknown): string {
  let message = e instanceof Error ? e.message : String(e);
  for (let cur = e, depth = 0; cur instanceof Error && depth < 5; depth++) {
    if (cur.message) message = cur.message;
    cur = cur.cause;
  }
  return message;
}

const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** Human text for a status: `429 Too Many Requests`. */
export function statusText(status: number): string {
  const phrase = STATUS_CODES[status];
  return phrase ? `${status} ${phrase}` : String(status);
}

/** Classifies whatever one attempt threw (openai errors, fetch errors, our own). */
export function classifyFailure(e: unknown, nowMs: number): AttemptFailure {
  if (e instanceof AttemptError) return e.failure;
  if (e instanceof APIError && typeof e.status === 'number') {
    const status = e.status;
    const body = e.error as { message?: unknown } | undefined;
    const detail =
      typeof body?.message === 'string' && body.message !== '' ? body.message : statusText(status);
    const retryAfterMs = parseRetryAfter(e.headers, nowMs);
    const base = { status, detail, cause: e, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    if (status === 408 || status === 409 || status === 429) return { kind: 'throttled', ...base };
    if (status >= 500) return { kind: 'server', ...base };
    if (status === 401 || status === 403) return { kind: 'unauthorized', ...base };
    if (status === 404) return { kind: 'not-found', ...base };
    return { kind: 'rejected', ...base };
  }
  const code = errorCode(e);
  const message = innermostMessage(e);
  if (code && REFUSED.has(code)) {
    return { kind: 'refused', detail: code === 'ECONNREFUSED' ? 'connection refused' : `${code}`, cause: e };
  }
  if ((code && RESET.has(code)) || /socket hang up|other side closed/i.test(message)) {
    return { kind: 'reset', detail: 'connection reset', cause: e };
  }
  if (e instanceof SyntaxError)
    return { kind: 'bad-response', detail: `unreadable answer (${message})`, cause: e };
  return { kind: 'network', detail: code ? `${code}: ${message}` : message, cause: e };
}

/** One-line description of a failure: `connection refused`, `500 Internal Server Error: boom`. */
export function describeFailure(f: AttemptFailure): string {
  if (f.status === undefined) return f.detail;
  const head = statusText(f.status);
  return f.detail === head ? head : `${head}: ${f.detail}`;
}
