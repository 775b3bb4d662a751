import { createHash, hash } from 'node:crypto';
import type { JudgeTask, Sampling } from '../core/types.js';

/**
 * Judgment keys and template versions.
 *
 * A judgment is identified by everything that determines the server's answer and nothing
 * else: the judge model, the template version, the full prompt and the sampling
 * parameters. Endpoints, API keys, timeouts and retry settings never enter a key, so a
 * rerun against another server (or with other client settings) finds the same judgments.
 */

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The version of a prompt template: the first 16 hex characters of its sha256. */
export function templateVersion(template: string): string {
  return sha256Hex(template).slice(0, 16);
}

/** A JSON value, as `canonicalJson` accepts it. */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * JSON with object keys sorted (recursively) and no whitespace, so equal values always
 * give equal text. Rejects what JSON cannot represent faithfully (NaN, Infinity,
 * undefined members) instead of silently changing it.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v: JsonValue) => canonicalJson(v)).join(',')}]`;
  const obj = value as { readonly [key: string]: JsonValue };
  const keys = Object.keys(obj).sort();
  const parts: string[] = [];
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) throw new TypeError(`canonicalJson: member "${k}" is undefined`);
    parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * A sampling record with fields beyond the three every record has (e.g.
 * `repetition_penalty`): profiles declare sampling as an open record.
 */
export type OpenSampling = Sampling & { readonly [field: string]: JsonValue };

/** What a judgment key is made of. */
export interface KeyParts {
  /** the judge model's identity (weights), e.g. `GAIR/autoj-13b` */
  readonly model: string;
  readonly templateVersion: string;
  /** the exact prompt sent */
  readonly prompt: string;
  readonly sampling: Sampling | OpenSampling;
}

/**
 * sha256 hex of the canonical JSON of {model, templateVersion, prompt, sampling}, with
 * every field of the sampling record: a `repetition_penalty` (or any other field a
 * profile adds) changes what the server answers, so it changes the key. Keys of records
 * with only today's three fields are what they always were.
 */
export function judgmentKey(parts: KeyParts): string {
  const { model, templateVersion, prompt, sampling } = parts;
  const { max_tokens, temperature, top_p } = sampling;
  // Runs once per judgment: the same text as `canonicalJson` gives (keys sorted, no
  // whitespace), written out directly for the common record of exactly three fields.
  // Anything else takes the general path, which also rejects what JSON cannot represent.
  if (
    typeof model === 'string' &&
    typeof templateVersion === 'string' &&
    typeof prompt === 'string' &&
    Number.isFinite(max_tokens) &&
    Number.isFinite(temperature) &&
    Number.isFinite(top_p) &&
    Object.keys(sampling).length === 3
  ) {
    return sha256Hex(
      `{"model":${JSON.stringify(model)},"prompt":${JSON.stringify(prompt)},` +
        `"sampling":{"max_tokens":${JSON.stringify(max_tokens)},"temperature":${JSON.stringify(temperature)},` +
        `"top_p":${JSON.stringify(top_p)}},"templateVersion":${JSON.stringify(templateVersion)}}`,
    );
  }
  return sha256Hex(canonicalJson(keyObject(parts)));
}

/** The object a judgment key is the canonical JSON of: the whole sampling record. */
export function keyObject(parts: KeyParts): JsonValue {
  return {
    model: parts.model,
    templateVersion: parts.templateVersion,
    prompt: parts.prompt,
    sampling: {
      ...(parts.sampling as unknown as { readonly [field: string]: JsonValue }),
      // named, so that a record missing one of them is refused (undefined), not keyed
      temperature: parts.sampling.temperature,
      top_p: parts.sampling.top_p,
      max_tokens: parts.sampling.max_tokens,
    },
  };
}

/**
 * Whether two sampling records ask the server for the same thing: every field, not only
 * the three that every record has (requests with different records must not share a
 * batch, or one would be sent with the other's parameters).
 */
export function sameSampling(a: Sampling | OpenSampling, b: Sampling | OpenSampling): boolean {
  if (a === b) return true;
  const fields = Object.keys(a);
  if (fields.length !== Object.keys(b).length) return false;
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  for (const f of fields) {
    if (!Object.hasOwn(y, f)) return false;
    const u = x[f];
    const v = y[f];
    if (u === v) continue;
    if (typeof u !== 'object' || typeof v !== 'object' || u === null || v === null) return false;
    if (canonicalJson(u as JsonValue) !== canonicalJson(v as JsonValue)) return false;
  }
  return true;
}

/**
 * The digest of what a task asks to judge (sha256 hex of its protocol and texts, each
 * framed by its length; a pair in its order), for the store's task index: with the judge's
 * `requestIdentity` it stands for the request the judge would prepare, so that a stored
 * judgment is found without rendering, counting and hashing the prompt.
 */
export function taskDigest(task: JudgeTask): string {
  // one string, hashed in one call: it runs for every task of a run (182k in a full one)
  const text = (t: string | null | undefined): string =>
    t === null || t === undefined ? '-\n' : `${t.length}\n${t}`;
  const framed =
    task.protocol === 'single'
      ? `single\n${text(task.instruction)}${text(task.response)}`
      : `pairwise\n${text(task.instruction)}${text(task.first)}${text(task.second)}${text(task.critiqued)}`;
  return hash('sha256', framed, 'hex');
}
