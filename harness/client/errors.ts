import { BenchError } from '../core/errors.js';

/**
 * Why a judge request (or the whole pool) failed:
 * - `unreachable`: no endpoint answers (none at start, or all stopped for the give-up window)
 * - `unauthorized`: the server wants another API key
 * - `model-not-found`: the server does not serve the model, or the URL is not an OpenAI API
 * - `rejected`: the server refused this one request (400: too long for the context, ...)
 * - `exhausted`: retryable failures until the attempt limit
 */
export type JudgeServerErrorKind =
  'unreachable' | 'unauthorized' | 'model-not-found' | 'rejected' | 'exhausted';

/** What one endpoint lists in `/v1/models`, as a JudgeServerError carries it. */
export interface ServedModels {
  /** the endpoint, credentials removed */
  readonly endpoint: string;
  /** the model ids it serves */
  readonly models: readonly string[];
}

export interface JudgeServerErrorDetails {
  /** the endpoint concerned, credentials removed (the only one, for `unreachable`) */
  readonly endpoint?: string;
  readonly status?: number;
  readonly cause?: unknown;
  /** the model the requests ask for */
  readonly model?: string;
  /** `model-not-found`: what the endpoints concerned serve instead */
  readonly served?: readonly ServedModels[];
  /** `unauthorized`: whether an API key was sent (and refused) or none was */
  readonly keyGiven?: boolean;
}

/**
 * A judge request that failed for good. `fatal` errors would fail every other request the
 * same way (stop the run); the others concern one request (record it as a failed judgment).
 * Messages say what is wrong in the server's terms and never contain the API key; what to
 * do about it on the command line (which flag, which command) is the CLI's to add, from
 * the structured fields (harness/cli/advice.ts).
 */
export class JudgeServerError extends BenchError {
  readonly kind: JudgeServerErrorKind;
  readonly fatal: boolean;
  /** the endpoint concerned, credentials removed */
  readonly endpoint: string | undefined;
  readonly status: number | undefined;
  /** the model the requests ask for */
  readonly model: string | undefined;
  /** `model-not-found`: what the endpoints concerned serve (none: the URL is not an OpenAI API) */
  readonly served: readonly ServedModels[] | undefined;
  /** `unauthorized`: whether an API key was sent */
  readonly keyGiven: boolean | undefined;

  constructor(kind: JudgeServerErrorKind, message: string, options: JudgeServerErrorDetails = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.kind = kind;
    this.fatal = kind === 'unreachable' || kind === 'unauthorized' || kind === 'model-not-found';
    this.endpoint = options.endpoint;
    this.status = options.status;
    this.model = options.model;
    this.served = options.served;
    this.keyGiven = options.keyGiven;
  }
}

/** Replaces every occurrence of the secret with `***`. */
export function redactor(secret: string | undefined): (text: string) => string {
  if (!secret) return (text) => text;
  return (text) => text.split(secret).join('***');
}

/** A URL for messages and results: user and password removed. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** Seconds for messages: `600 s`, `1.5 s`. */
export function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : Number(s.toFixed(1))} s`;
}
