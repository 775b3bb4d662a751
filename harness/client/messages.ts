import { BenchError } from '../core/errors.js';
import { displayUrl, JudgeServerError, seconds } from './errors.js';
import type { Endpoint, EndpointProbe } from './health.js';
import { describeFailure, statusText, type AttemptFailure } from './retry.js';
import type { Route, ServedModel } from './wire.js';

/**
 * The pool's error texts, in one place. They say what is wrong in the server's terms
 * (which endpoint, what it answered, which model it serves) and carry the same as
 * structured fields; they never name a command-line flag (harness/cli/advice.ts adds
 * that), and never contain the API key (`redact`).
 */

type Redact = (text: string) => string;

export const noEndpoint = (): BenchError => new BenchError('no judge endpoint given');

export const givenTwice = (label: string): BenchError => new BenchError(`endpoint ${label} is given twice`);

export const badCapacity = (label: string): BenchError =>
  new BenchError(`endpoint ${label}: capacity must be positive`);

export const notAUrl = (url: string): BenchError =>
  new BenchError(`endpoint "${displayUrl(url)}" is not a URL; expected e.g. http://127.0.0.1:8000/v1`);

export const notHttp = (url: string): BenchError =>
  new BenchError(`endpoint ${displayUrl(url)} is not an http(s) URL; expected e.g. http://127.0.0.1:8000/v1`);

export const poolClosed = (): BenchError => new BenchError('the endpoint pool is closed');

/** A probe's failure that is a 404: the URL is likely not the API base. */
export const modelsNotFound = (reason: string): string =>
  `${reason} for GET /models: is it the OpenAI API base, e.g. .../v1?`;

/** Why an endpoint that answers is left out. */
export const servesAnother = (model: string): string => `does not serve ${model}`;

/** No endpoint answered the probe. */
export function noneAnswers(results: readonly EndpointProbe[], model: string | undefined): JudgeServerError {
  const where = results.map((r) => `${r.endpoint} (${r.ok ? 'ok' : r.error})`).join(', ');
  return new JudgeServerError('unreachable', `no judge server answers at ${where}`, {
    ...(model === undefined ? {} : { model }),
  });
}

/** Endpoints answered the probe, none serves `model`. */
export function notServedAnywhere(model: string, answered: readonly EndpointProbe[]): JudgeServerError {
  const served = answered.map((r) => ({
    endpoint: r.endpoint,
    models: r.ok ? r.models.map((m) => m.id) : [],
  }));
  const list = served.map((s) => `${s.endpoint} serves ${modelList(s.models)}`).join('; ');
  return new JudgeServerError('model-not-found', `no judge server serves model "${model}": ${list}`, {
    model,
    served,
  });
}

/** Every endpoint (not excluded) has been down for the give-up window. */
export function stoppedAnswering(
  down: readonly Endpoint[],
  giveUpMs: number,
  model: string | undefined,
): JudgeServerError {
  const window = seconds(giveUpMs);
  const about = model === undefined ? {} : { model };
  if (down.length === 1) {
    const ep = down[0] as Endpoint;
    const verb = ep.answered ? 'stopped answering' : 'does not answer';
    return new JudgeServerError(
      'unreachable',
      `judge server at ${ep.label} ${verb} (${ep.lastError ?? 'no answer'}) for ${window}; is it still running?`,
      { endpoint: ep.label, ...about },
    );
  }
  const list = down.map((e) => `${e.label} (${e.lastError ?? 'no answer'})`).join(', ');
  return new JudgeServerError(
    'unreachable',
    `all ${down.length} judge servers stopped answering for ${window}: ${list}; check that they are running`,
    about,
  );
}

export function unauthorized(label: string, failure: AttemptFailure, keyGiven: boolean): JudgeServerError {
  const status = failure.status ?? 401;
  const problem = keyGiven ? 'the API key given is wrong' : 'it requires an API key';
  return new JudgeServerError(
    'unauthorized',
    `judge server at ${label} answered ${statusText(status)}: ${problem}`,
    {
      endpoint: label,
      status,
      keyGiven,
    },
  );
}

/** A 404 for a request: the model is not served there (`models` known), or the URL is wrong. */
export function notFound(
  label: string,
  failure: AttemptFailure,
  request: { readonly model: string; readonly route: Route },
  models: readonly ServedModel[] | undefined,
  redact: Redact,
): JudgeServerError {
  const { model, route } = request;
  const status = failure.status === undefined ? {} : { status: failure.status };
  if (models && !models.some((m) => m.id === model)) {
    const ids = models.map((m) => m.id);
    return new JudgeServerError(
      'model-not-found',
      redact(`judge server at ${label} does not serve model "${model}"; it serves ${modelList(ids)}`),
      { endpoint: label, ...status, model, served: [{ endpoint: label, models: ids }] },
    );
  }
  return new JudgeServerError(
    'model-not-found',
    redact(
      `judge server at ${label} answered ${describeFailure(failure)} for POST ${route}; ` +
        `is the URL right? It should be the server's OpenAI API base, e.g. http://127.0.0.1:8000/v1`,
    ),
    { endpoint: label, ...status, model },
  );
}

export function rejected(label: string, failure: AttemptFailure, redact: Redact): JudgeServerError {
  const status = failure.status;
  return new JudgeServerError(
    'rejected',
    `judge server at ${label} rejected the request (${redact(describeFailure(failure))})`,
    { endpoint: label, ...(status === undefined ? {} : { status }), cause: safeCause(failure, redact) },
  );
}

export function exhausted(
  label: string,
  attempts: number,
  failure: AttemptFailure,
  redact: Redact,
): JudgeServerError {
  return new JudgeServerError(
    'exhausted',
    `judge request failed after ${attempts} attempts; last: ${label}: ${redact(describeFailure(failure))}`,
    {
      endpoint: label,
      ...(failure.status === undefined ? {} : { status: failure.status }),
      cause: safeCause(failure, redact),
    },
  );
}

/** The failure's cause with the key removed from its message (for the debug output). */
function safeCause(failure: AttemptFailure, redact: Redact): Error {
  const inner = failure.cause instanceof Error ? failure.cause.message : describeFailure(failure);
  return new Error(redact(inner));
}

function modelList(ids: readonly string[]): string {
  return ids.length === 0 ? 'no model' : ids.map((id) => `"${id}"`).join(', ');
}
