import { APIError, APIConnectionError } from 'openai';
import { describe, expect, it } from 'vitest';
import {
  AttemptError,
  backoffDelay,
  classifyFailure,
  describeFailure,
  endpointEffect,
  isRetryable,
  parseRetryAfter,
} from '../../harness/client/retry.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('parseRetryAfter', () => {
  it('reads seconds, HTTP dates and retry-after-ms', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after': '2' }), NOW)).toBe(2000);
    expect(parseRetryAfter(new Headers({ 'retry-after': '0.5' }), NOW)).toBe(500);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), NOW)).toBe(3000);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 31 Dec 2025 00:00:00 GMT' }), NOW)).toBe(0);
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), NOW)).toBe(250);
  });

  it('ignores absent or unusable values', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter(new Headers(), NOW)).toBeUndefined();
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }), NOW)).toBeUndefined();
    expect(parseRetryAfter(new Headers({ 'retry-after': '-1' }), NOW)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  const backoff = { baseMs: 500, maxMs: 8000 };
  it('doubles up to the cap and jitters down by at most 25%', () => {
    expect(backoffDelay(1, backoff, () => 0)).toBe(500);
    expect(backoffDelay(2, backoff, () => 0)).toBe(1000);
    expect(backoffDelay(3, backoff, () => 0)).toBe(2000);
    expect(backoffDelay(10, backoff, () => 0)).toBe(8000);
    expect(backoffDelay(1, backoff, () => 0.999999)).toBe(375);
  });
});

describe('classifyFailure', () => {
  const status = (code: number, headers: Record<string, string> = {}) =>
    APIError.generate(code, { error: { message: `server says ${code}` } }, undefined, new Headers(headers));

  it('retries 408, 409, 429 and 5xx, not other 4xx', () => {
    expect(classifyFailure(status(429, { 'retry-after': '1' }), NOW)).toMatchObject({
      kind: 'throttled',
      status: 429,
      retryAfterMs: 1000,
      detail: 'server says 429',
    });
    expect(classifyFailure(status(408), NOW).kind).toBe('throttled');
    expect(classifyFailure(status(409), NOW).kind).toBe('throttled');
    expect(classifyFailure(status(500), NOW).kind).toBe('server');
    expect(classifyFailure(status(503), NOW).kind).toBe('server');
    expect(classifyFailure(status(400), NOW).kind).toBe('rejected');
    expect(classifyFailure(status(401), NOW).kind).toBe('unauthorized');
    expect(classifyFailure(status(404), NOW).kind).toBe('not-found');
    expect(classifyFailure(status(422), NOW).kind).toBe('rejected');
    for (const kind of [
      'throttled',
      'server',
      'reset',
      'timeout',
      'refused',
      'network',
      'bad-response',
    ] as const) {
      expect(isRetryable(kind)).toBe(true);
    }
    for (const kind of ['rejected', 'unauthorized', 'not-found'] as const)
      expect(isRetryable(kind)).toBe(false);
  });

  it('recognises connection errors from node:http and undici', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(classifyFailure(new APIConnectionError({ cause: refused }), NOW)).toMatchObject({
      kind: 'refused',
      detail: 'connection refused',
    });
    const undiciReset = new TypeError('fetch failed', {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    });
    expect(classifyFailure(new APIConnectionError({ cause: undiciReset }), NOW).kind).toBe('reset');
    expect(
      classifyFailure(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), NOW).kind,
    ).toBe('reset');
    expect(
      classifyFailure(new AttemptError({ kind: 'timeout', detail: 'no answer within 3 s' }), NOW).kind,
    ).toBe('timeout');
  });

  it('says what a failure means for the endpoint', () => {
    expect(endpointEffect('refused')).toBe('down');
    expect(endpointEffect('server')).toBe('strike');
    expect(endpointEffect('timeout')).toBe('strike');
    expect(endpointEffect('throttled')).toBe('none');
    expect(endpointEffect('rejected')).toBe('none');
  });

  it('describes failures in one line', () => {
    expect(describeFailure(classifyFailure(status(500), NOW))).toBe(
      '500 Internal Server Error: server says 500',
    );
    expect(describeFailure({ kind: 'refused', detail: 'connection refused' })).toBe('connection refused');
  });
});
