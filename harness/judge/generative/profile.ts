import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import yaml from 'js-yaml';
import { errorMessage, InputError } from '../../core/errors.js';
import { isSafePathSegment } from '../../core/safe-name.js';
import { didYouMean } from '../../core/suggest.js';
import type { Verdict } from '../../core/types.js';
import type { JsonValue, OpenSampling } from '../key.js';
import type { LabelSpec, Occurrence, RatingSpec, VerdictSpec } from './parse.js';
import { slotNames } from './template.js';

/**
 * Judge profiles: one YAML (or JSON) file per judge, documented in docs/judges.md.
 * `parseJudgeProfile` validates a profile completely, reads the text files it names
 * (relative to the profile) and returns it typed; every problem is one line naming the
 * file, the field and the problem (`judges/x.yaml: sampling.temperature: expected a
 * number, got "hot"`). Unknown fields are errors: a typo must not pass silently.
 */

export type Protocol = 'single' | 'pairwise';
export const PROTOCOLS: readonly Protocol[] = ['single', 'pairwise'];

/** What a template slot is filled with: the harness's names for a task's texts. */
export type SlotRole = 'instruction' | 'response' | 'response_another' | 'critiqued_response';
export const ROLES: Readonly<Record<Protocol, readonly SlotRole[]>> = {
  single: ['instruction', 'response'],
  pairwise: ['instruction', 'response', 'response_another'],
};
/**
 * Roles a template may declare besides those: pairwise, the response that the two texts
 * criticise (a template comparing two critiques of one response, `PairTask.critiqued`).
 */
const OPTIONAL_ROLES: Readonly<Record<Protocol, readonly SlotRole[]>> = {
  single: [],
  pairwise: ['critiqued_response'],
};

/** Token-count estimates a profile may declare when its tokenizer is not available here. */
export const ESTIMATE_RULES = ['llama2*1.1'] as const;
export type EstimateRule = (typeof ESTIMATE_RULES)[number];

export type TokenizerSpec =
  { readonly kind: 'llama2' } | { readonly kind: 'estimate'; readonly rule: EstimateRule };

/** A text file a profile names: `path` as written there, `file` resolved, `text` its exact content. */
export interface ProfileText {
  readonly path: string;
  readonly file: string;
  readonly text: string;
}

export type EndpointSpec =
  { readonly kind: 'completions'; readonly wrapper: string } | { readonly kind: 'chat' };

/** One template of one protocol in one language, and how its answers are read. */
export interface TemplateVariant<
  P extends RatingSpec | VerdictSpec | LabelSpec = RatingSpec | VerdictSpec | LabelSpec,
> {
  readonly language: string;
  /** the authors' name for the template (`single`, `pairwise_tie`, `pair-v2`) */
  readonly id: string;
  /** chat only: the system message */
  readonly system?: ProfileText;
  /** the user message (chat) or the text inside the wrapper (completions) */
  readonly template: ProfileText;
  /** which template slot each of the task's texts fills */
  readonly slots: Readonly<Partial<Record<SlotRole, string>>>;
  /** slots filled with fixed text (a rubric) */
  readonly constants: Readonly<Record<string, ProfileText>>;
  readonly parser: P;
}

export interface SourceCitation {
  /** `owner/name` on GitHub */
  readonly repository: string;
  readonly file: string;
  /** 40 hex digits */
  readonly commit: string;
}

export interface JudgeProfile {
  readonly name: string;
  readonly description: string;
  readonly source: readonly SourceCitation[];
  /** the judge model's identity (Hugging Face id); null: open, the served model is used */
  readonly model: string | null;
  /** tokens of prompt plus generation; null: the served model's (`max_model_len`) */
  readonly contextLength: number | null;
  readonly tokenizer: TokenizerSpec;
  /** vLLM's `--quantization` for `bench serve` (e.g. `gptq`) */
  readonly quantization?: string;
  /** a chat template file for `bench serve` (vLLM's `--chat-template`) */
  readonly chatTemplate?: ProfileText;
  /**
   * completions only: a chat template that renders the wrapper around one user message
   * byte for byte, BOS included, for engines that take chat requests only (`vllm
   * run-batch`); see harness/judge/generative/batch-chat.ts
   */
  readonly batchChatTemplate?: ProfileText;
  readonly endpoint: EndpointSpec;
  readonly languages: readonly string[];
  /** every field goes to the server and into the judgment key */
  readonly sampling: OpenSampling;
  /**
   * the alternatives per token a rating template asks the server for (`top_logprobs`),
   * for the expected rating; absent: no logprobs asked. Not part of the key.
   */
  readonly topLogprobs?: number;
  readonly protocols: {
    /** a rating, or a label (a classifier of the instruction: its template may leave the response out) */
    readonly single?: Readonly<Record<string, TemplateVariant<RatingSpec | LabelSpec>>>;
    readonly pairwise?: Readonly<Record<string, TemplateVariant<VerdictSpec>>>;
  };
  /** the profile file, as shown in messages */
  readonly file: string;
}

/**
 * Fields the request itself is made of: a sampling field of that name would replace it
 * (the client spreads the sampling record into the request body).
 */
const RESERVED_SAMPLING = [
  'model',
  'prompt',
  'messages',
  'stream',
  'stream_options',
  'n',
  'echo',
  // asked for by `top_logprobs` (rating templates), outside the key
  'logprobs',
  'top_logprobs',
];

/** vLLM's default `--max-logprobs` */
export const MAX_TOP_LOGPROBS = 20;

/** The top-level fields; all required but the optional ones. */
const TOP_FIELDS = [
  'name',
  'description',
  'source',
  'model',
  'context_length',
  'tokenizer',
  'quantization',
  'chat_template',
  'batch_chat_template',
  'endpoint',
  'languages',
  'sampling',
  'top_logprobs',
  'protocols',
];
const OPTIONAL_TOP_FIELDS = ['quantization', 'chat_template', 'batch_chat_template', 'top_logprobs'];

type Raw = Readonly<Record<string, unknown>>;

export interface ParseProfileOptions {
  /** the file as messages name it (default: `file`) */
  readonly shownAs?: string;
  /** names a user's profile may not take (the built-ins') */
  readonly reservedNames?: readonly string[];
}

/** Reads and validates a profile file. Throws an InputError naming the file and the field. */
export function readJudgeProfile(file: string, options: ParseProfileOptions = {}): JudgeProfile {
  const shown = options.shownAs ?? file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(shown, code === 'ENOENT' ? 'file not found' : errorMessage(e));
  }
  return parseJudgeProfile(text, file, options);
}

/** Validates a profile's text; `file` locates the text files it names. */
export function parseJudgeProfile(
  text: string,
  file: string,
  options: ParseProfileOptions = {},
): JudgeProfile {
  const shown = options.shownAs ?? file;
  let raw: unknown;
  try {
    raw = yaml.load(text, { schema: yaml.CORE_SCHEMA, filename: shown });
  } catch (e) {
    const err = e as { reason?: string; mark?: { line: number; column: number } };
    const where = err.mark ? `line ${err.mark.line + 1}, column ${err.mark.column + 1}: ` : '';
    throw new InputError(shown, `not valid YAML: ${where}${err.reason ?? errorMessage(e)}`);
  }
  return new ProfileReader(shown, dirname(resolve(file))).profile(raw, options.reservedNames ?? []);
}

/** Validation state: the file for messages and the folder that relative paths start from. */
class ProfileReader {
  constructor(
    private readonly shown: string,
    private readonly dir: string,
  ) {}

  fail(field: string, problem: string): never {
    throw new InputError(this.shown, `${field}: ${problem}`);
  }

  record(
    value: unknown,
    field: string,
    allowed: readonly string[] | null,
    required: readonly string[] = [],
  ): Raw {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail(field || '(top level)', `expected a mapping, got ${describe(value)}`);
    }
    const rec = value as Raw;
    if (allowed) {
      for (const key of Object.keys(rec)) {
        if (!allowed.includes(key))
          this.fail(
            join(field, key),
            `unknown field${didYouMean(key, allowed)} (known: ${allowed.join(', ')})`,
          );
      }
    }
    for (const key of required) {
      if (!Object.hasOwn(rec, key)) this.fail(join(field, key), 'missing');
    }
    return rec;
  }

  string(value: unknown, field: string, options: { pattern?: RegExp; what?: string } = {}): string {
    if (typeof value !== 'string') this.fail(field, `expected a string, got ${describe(value)}`);
    if (options.pattern && !options.pattern.test(value)) {
      this.fail(
        field,
        `expected ${options.what ?? `text matching ${options.pattern}`}, got ${describe(value)}`,
      );
    }
    return value;
  }

  nonEmpty(value: unknown, field: string): string {
    const s = this.string(value, field);
    if (s.trim() === '') this.fail(field, 'must not be empty');
    return s;
  }

  number(value: unknown, field: string): number {
    if (typeof value !== 'number') this.fail(field, `expected a number, got ${describe(value)}`);
    if (!Number.isFinite(value)) this.fail(field, `expected a finite number, got ${value}`);
    return value;
  }

  positiveInteger(value: unknown, field: string): number {
    const n = this.number(value, field);
    if (!Number.isInteger(n) || n <= 0) this.fail(field, `expected a positive whole number, got ${n}`);
    return n;
  }

  boolean(value: unknown, field: string): boolean {
    if (typeof value !== 'boolean') this.fail(field, `expected true or false, got ${describe(value)}`);
    return value;
  }

  oneOf<T extends string>(value: unknown, field: string, options: readonly T[]): T {
    const s = this.string(value, field);
    if (!(options as readonly string[]).includes(s)) {
      this.fail(field, `expected one of ${options.join(', ')}, got ${describe(s)}${didYouMean(s, options)}`);
    }
    return s as T;
  }

  regex(value: unknown, field: string): string {
    const source = this.nonEmpty(value, field);
    let re: RegExp;
    try {
      re = new RegExp(source);
    } catch (e) {
      this.fail(field, `not a valid regular expression: ${errorMessage(e)}`);
    }
    if (re.test('')) this.fail(field, 'the pattern matches the empty text: it would match anywhere');
    return source;
  }

  /** A text file named relative to the profile: read exactly, bytes as they are. */
  textFile(value: unknown, field: string): ProfileText {
    const path = this.nonEmpty(value, field);
    const file = resolve(this.dir, path);
    try {
      return { path, file, text: readFileSync(file, 'utf8') };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      this.fail(field, `cannot read ${path} (${code === 'ENOENT' ? 'file not found' : errorMessage(e)})`);
    }
  }

  profile(value: unknown, reservedNames: readonly string[]): JudgeProfile {
    const p = this.record(
      value,
      '',
      TOP_FIELDS,
      TOP_FIELDS.filter((f) => !OPTIONAL_TOP_FIELDS.includes(f)),
    );
    const name = this.string(p.name, 'name');
    if (!isSafePathSegment(name) || name !== name.toLowerCase()) {
      this.fail(
        'name',
        `expected a lower-case name of letters, digits, ".", "_" and "-", got ${describe(name)}`,
      );
    }
    if (reservedNames.includes(name)) {
      this.fail('name', `"${name}" is a built-in judge's name: give your profile a name of its own`);
    }
    const model = p.model === null ? null : this.modelId(p.model, 'model');
    const contextLength =
      p.context_length === null ? null : this.positiveInteger(p.context_length, 'context_length');
    const endpoint = this.endpoint(p.endpoint);
    const languages = this.languages(p.languages);
    const chatTemplate =
      p.chat_template === undefined ? undefined : this.textFile(p.chat_template, 'chat_template');
    if (chatTemplate && endpoint.kind !== 'chat') {
      this.fail('chat_template', 'only a chat endpoint uses a chat template (endpoint.kind is completions)');
    }
    const batchChatTemplate =
      p.batch_chat_template === undefined
        ? undefined
        : this.textFile(p.batch_chat_template, 'batch_chat_template');
    if (batchChatTemplate && endpoint.kind !== 'completions') {
      this.fail(
        'batch_chat_template',
        'only a raw-prompt (completions) judge needs one: a chat judge is batched with its chat_template',
      );
    }
    const quantization =
      p.quantization === undefined || p.quantization === null
        ? undefined
        : this.string(p.quantization, 'quantization', {
            pattern: /^[a-z0-9_]+$/,
            what: "vLLM's name of a quantization (e.g. gptq)",
          });
    let topLogprobs: number | undefined;
    if (p.top_logprobs !== undefined && p.top_logprobs !== null) {
      topLogprobs = this.positiveInteger(p.top_logprobs, 'top_logprobs');
      if (topLogprobs > MAX_TOP_LOGPROBS)
        this.fail(
          'top_logprobs',
          `expected at most ${MAX_TOP_LOGPROBS} (vLLM's default --max-logprobs), got ${topLogprobs}`,
        );
    }
    return {
      name,
      description: this.nonEmpty(p.description, 'description'),
      source: this.sources(p.source),
      model,
      contextLength,
      tokenizer: this.tokenizer(p.tokenizer),
      ...(quantization === undefined ? {} : { quantization }),
      ...(chatTemplate === undefined ? {} : { chatTemplate }),
      ...(batchChatTemplate === undefined ? {} : { batchChatTemplate }),
      endpoint,
      languages,
      sampling: this.sampling(p.sampling),
      ...(topLogprobs === undefined ? {} : { topLogprobs }),
      protocols: this.protocols(p.protocols, endpoint, languages),
      file: this.shown,
    };
  }

  modelId(value: unknown, field: string): string {
    return this.string(value, field, {
      pattern: /^[A-Za-z0-9][A-Za-z0-9._\-/:@+]*$/,
      what: 'a model id such as GAIR/autoj-13b (or null: the served model)',
    });
  }

  sources(value: unknown): SourceCitation[] {
    if (!Array.isArray(value) || value.length === 0) {
      this.fail('source', `expected a list of {repository, file, commit}, got ${describe(value)}`);
    }
    return value.map((v: unknown, i) => {
      const field = `source[${i}]`;
      const s = this.record(v, field, ['repository', 'file', 'commit'], ['repository', 'file', 'commit']);
      return {
        repository: this.string(s.repository, `${field}.repository`, {
          pattern: /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/,
          what: 'owner/name',
        }),
        file: this.nonEmpty(s.file, `${field}.file`),
        commit: this.string(s.commit, `${field}.commit`, {
          pattern: /^[0-9a-f]{40}$/,
          what: '40 hex digits',
        }),
      };
    });
  }

  tokenizer(value: unknown): TokenizerSpec {
    if (value === 'llama2') return { kind: 'llama2' };
    if (typeof value === 'string' || value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail(
        'tokenizer',
        `expected llama2 or {estimate: ${ESTIMATE_RULES.join(' | ')}}, got ${describe(value)}`,
      );
    }
    const t = this.record(value, 'tokenizer', ['estimate'], ['estimate']);
    return { kind: 'estimate', rule: this.oneOf(t.estimate, 'tokenizer.estimate', ESTIMATE_RULES) };
  }

  endpoint(value: unknown): EndpointSpec {
    const e = this.record(value, 'endpoint', ['kind', 'wrapper'], ['kind']);
    const kind = this.oneOf(e.kind, 'endpoint.kind', ['completions', 'chat'] as const);
    if (kind === 'chat') {
      if (e.wrapper !== undefined)
        this.fail('endpoint.wrapper', 'only the completions endpoint wraps a raw prompt');
      return { kind };
    }
    if (e.wrapper === undefined)
      this.fail('endpoint.wrapper', 'missing (the raw prompt around {input}, e.g. "[INST] {input} [/INST]")');
    const wrapper = this.string(e.wrapper, 'endpoint.wrapper');
    if (wrapper.split('{input}').length !== 2)
      this.fail('endpoint.wrapper', 'must contain {input} exactly once');
    const other = slotNames(wrapper).filter((s) => s !== 'input');
    if (other.length > 0)
      this.fail('endpoint.wrapper', `undeclared slot {${other[0]}} (only {input} is filled)`);
    return { kind, wrapper };
  }

  languages(value: unknown): string[] {
    if (!Array.isArray(value) || value.length === 0) {
      this.fail('languages', `expected a list of language codes (e.g. [en, zh]), got ${describe(value)}`);
    }
    const out = value.map((v: unknown, i) =>
      this.string(v, `languages[${i}]`, {
        pattern: /^[a-z]{2,3}(?:-[A-Za-z0-9]+)*$/,
        what: 'a language code such as en',
      }),
    );
    const dup = out.find((l, i) => out.indexOf(l) !== i);
    if (dup !== undefined) this.fail('languages', `"${dup}" is listed twice`);
    return out;
  }

  sampling(value: unknown): OpenSampling {
    const s = this.record(value, 'sampling', null, ['temperature', 'top_p', 'max_tokens']);
    const out: Record<string, JsonValue> = {};
    for (const [key, v] of Object.entries(s)) {
      const field = `sampling.${key}`;
      if (!/^[a-z_][a-z0-9_]*$/.test(key))
        this.fail(field, 'expected a parameter name (lower-case letters, digits, _)');
      if (RESERVED_SAMPLING.includes(key))
        this.fail(field, 'is part of the request itself, not a sampling parameter');
      out[key] = this.json(v, field);
    }
    const temperature = this.number(s.temperature, 'sampling.temperature');
    if (temperature < 0) this.fail('sampling.temperature', `expected a number >= 0, got ${temperature}`);
    const topP = this.number(s.top_p, 'sampling.top_p');
    if (!(topP > 0 && topP <= 1)) this.fail('sampling.top_p', `expected a number in (0, 1], got ${topP}`);
    this.positiveInteger(s.max_tokens, 'sampling.max_tokens');
    return Object.freeze(out) as OpenSampling;
  }

  /** A sampling value as JSON sends it: numbers (finite), strings, booleans, lists and mappings of them. */
  json(value: unknown, field: string): JsonValue {
    if (typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number') return this.number(value, field);
    if (Array.isArray(value)) return value.map((v: unknown, i) => this.json(v, `${field}[${i}]`));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, JsonValue> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.json(v, `${field}.${k}`);
      return out;
    }
    this.fail(
      field,
      `expected a number, a string, true or false, a list or a mapping, got ${describe(value)}`,
    );
  }

  protocols(value: unknown, endpoint: EndpointSpec, languages: readonly string[]): JudgeProfile['protocols'] {
    const p = this.record(value, 'protocols', PROTOCOLS);
    if (Object.keys(p).length === 0) this.fail('protocols', 'expected single, pairwise or both');
    const variants = <P extends RatingSpec | VerdictSpec | LabelSpec>(protocol: Protocol) => {
      const field = `protocols.${protocol}`;
      const byLanguage = this.record(p[protocol], field, languages, languages);
      const out: Record<string, TemplateVariant<P>> = {};
      for (const language of languages) {
        out[language] = this.variant(
          byLanguage[language],
          `${field}.${language}`,
          protocol,
          language,
          endpoint,
        ) as TemplateVariant<P>;
      }
      return Object.freeze(out);
    };
    return {
      ...(p.single === undefined ? {} : { single: variants<RatingSpec | LabelSpec>('single') }),
      ...(p.pairwise === undefined ? {} : { pairwise: variants<VerdictSpec>('pairwise') }),
    };
  }

  variant(
    value: unknown,
    field: string,
    protocol: Protocol,
    language: string,
    endpoint: EndpointSpec,
  ): TemplateVariant {
    const v = this.record(
      value,
      field,
      ['id', 'system', 'template', 'slots', 'constants', 'parser'],
      ['id', 'template', 'slots', 'parser'],
    );
    if (v.system !== undefined && endpoint.kind !== 'chat') {
      this.fail(
        `${field}.system`,
        'only a chat endpoint sends a system message (endpoint.kind is completions)',
      );
    }
    const system = v.system === undefined ? undefined : this.textFile(v.system, `${field}.system`);
    const template = this.textFile(v.template, `${field}.template`);

    // a label parser classifies the instruction: its template needs no response
    const labels = protocol === 'single' && isRecordValue(v.parser) && Object.hasOwn(v.parser, 'labels');
    const roles = [...ROLES[protocol], ...OPTIONAL_ROLES[protocol]];
    const required = labels ? ['instruction'] : ROLES[protocol];
    const slotsRec = this.record(v.slots, `${field}.slots`, roles, required);
    const slots: Partial<Record<SlotRole, string>> = {};
    for (const role of roles) {
      if (slotsRec[role] === undefined) continue;
      slots[role] = this.string(slotsRec[role], `${field}.slots.${role}`, {
        pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
        what: "the template's name for it (its {name} slot)",
      });
    }
    const slotList = Object.values(slots);
    const twice = slotList.find((s, i) => slotList.indexOf(s) !== i);
    if (twice !== undefined) this.fail(`${field}.slots`, `{${twice}} is given to two texts`);

    const constants: Record<string, ProfileText> = {};
    if (v.constants !== undefined) {
      const c = this.record(v.constants, `${field}.constants`, null);
      for (const [slot, path] of Object.entries(c)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(slot))
          this.fail(`${field}.constants.${slot}`, 'expected a slot name');
        if (slotList.includes(slot))
          this.fail(`${field}.constants.${slot}`, `{${slot}} is already filled by slots`);
        constants[slot] = this.textFile(path, `${field}.constants.${slot}`);
      }
    }

    // every declared slot appears, and nothing else looks like one
    const declared = [...slotList, ...Object.keys(constants)];
    const texts = [template, ...(system ? [system] : [])];
    const present = new Set(texts.flatMap((t) => slotNames(t.text)));
    for (const slot of declared) {
      if (!present.has(slot))
        this.fail(`${field}.template`, `${template.path} has no slot {${slot}}, which is declared`);
    }
    for (const t of texts) {
      const stray = slotNames(t.text).find((s) => !declared.includes(s));
      if (stray !== undefined) {
        this.fail(
          `${field}.template`,
          `${t.path} has an undeclared slot {${stray}} (declare it in slots or constants)`,
        );
      }
    }

    const parser =
      protocol === 'pairwise'
        ? this.verdictParser(v.parser, `${field}.parser`)
        : labels
          ? this.labelParser(v.parser, `${field}.parser`)
          : this.ratingParser(v.parser, `${field}.parser`);
    return {
      language,
      id: this.nonEmpty(v.id, `${field}.id`),
      ...(system ? { system } : {}),
      template,
      slots,
      constants,
      parser,
    };
  }

  markerFields(p: Raw, field: string, allowEmpty: boolean) {
    const marker = this.string(p.marker, `${field}.marker`);
    if (!allowEmpty && marker === '') this.fail(`${field}.marker`, 'must not be empty');
    return {
      marker,
      ...(p.pattern === undefined ? {} : { pattern: this.regex(p.pattern, `${field}.pattern`) }),
      occurrence: this.oneOf(p.occurrence, `${field}.occurrence`, ['first', 'last'] as const) as Occurrence,
      skip: p.skip === undefined ? '' : this.string(p.skip, `${field}.skip`),
    };
  }

  ratingParser(value: unknown, field: string): RatingSpec {
    const p = this.record(
      value,
      field,
      ['marker', 'pattern', 'close', 'occurrence', 'skip', 'scale'],
      ['marker', 'occurrence', 'scale'],
    );
    const s = this.record(p.scale, `${field}.scale`, ['min', 'max', 'integer'], ['min', 'max']);
    const min = this.number(s.min, `${field}.scale.min`);
    const max = this.number(s.max, `${field}.scale.max`);
    if (!(min < max)) this.fail(`${field}.scale`, `min (${min}) must be below max (${max})`);
    const close = p.close === undefined ? undefined : this.nonEmpty(p.close, `${field}.close`);
    return {
      kind: 'rating',
      ...this.markerFields(p, field, false),
      ...(close === undefined ? {} : { close }),
      scale: {
        min,
        max,
        integer: s.integer === undefined ? false : this.boolean(s.integer, `${field}.scale.integer`),
      },
    };
  }

  verdictParser(value: unknown, field: string): VerdictSpec {
    const p = this.record(
      value,
      field,
      [
        'marker',
        'pattern',
        'occurrence',
        'skip',
        'choices',
        'fold_case',
        'word_boundary',
        'echo',
        'first_line',
        'unique',
      ],
      ['marker', 'occurrence', 'choices'],
    );
    const foldCase = p.fold_case === undefined ? false : this.boolean(p.fold_case, `${field}.fold_case`);
    const c = this.record(p.choices, `${field}.choices`, null);
    const choices = Object.entries(c).map(([text, verdict]) => {
      if (text.trim() === '') this.fail(`${field}.choices`, 'a choice must not be empty');
      return {
        text,
        verdict: this.oneOf(verdict, `${field}.choices.${text}`, [
          'first',
          'second',
          'tie',
        ] as const) as Verdict,
      };
    });
    for (const needed of ['first', 'second'] as const) {
      if (!choices.some((x) => x.verdict === needed))
        this.fail(`${field}.choices`, `no choice means ${needed}`);
    }
    const folded = choices.map((x) => (foldCase ? x.text.toLowerCase() : x.text));
    const same = folded.find((t, i) => folded.indexOf(t) !== i);
    if (same !== undefined) this.fail(`${field}.choices`, `"${same}" is listed twice`);
    let echo: VerdictSpec['echo'];
    if (p.echo !== undefined) {
      const e = this.record(p.echo, `${field}.echo`, ['pattern', 'label'], ['pattern', 'label']);
      echo = {
        pattern: this.regex(e.pattern, `${field}.echo.pattern`),
        label: this.nonEmpty(e.label, `${field}.echo.label`),
      };
    }
    const firstLine = p.first_line === undefined ? false : this.boolean(p.first_line, `${field}.first_line`);
    const unique = p.unique === undefined ? false : this.boolean(p.unique, `${field}.unique`);
    const markers = this.markerFields(p, field, true);
    if (unique) {
      if (markers.marker !== '' || markers.pattern !== undefined)
        this.fail(`${field}.unique`, 'only with an empty marker (a choice anywhere in the answer)');
      // one choice inside another would name two verdicts wherever the longer one stands
      const inside = folded.find((t, i) => folded.some((u, j) => i !== j && u.includes(t)));
      if (inside !== undefined)
        this.fail(
          `${field}.choices`,
          `"${inside}" is part of another choice, which unique cannot tell apart`,
        );
    }
    return {
      kind: 'verdict',
      ...markers,
      choices,
      foldCase,
      wordBoundary:
        p.word_boundary === undefined ? true : this.boolean(p.word_boundary, `${field}.word_boundary`),
      ...(echo ? { echo } : {}),
      ...(firstLine ? { firstLine } : {}),
      ...(unique ? { unique } : {}),
    };
  }

  labelParser(value: unknown, field: string): LabelSpec {
    const p = this.record(value, field, ['labels'], ['labels']);
    if (!Array.isArray(p.labels))
      this.fail(`${field}.labels`, `expected a list of names, got ${describe(p.labels)}`);
    if (p.labels.length === 0) this.fail(`${field}.labels`, 'expected a list of names, got an empty list');
    const labels = p.labels.map((l: unknown, i) => {
      const label = this.nonEmpty(l, `${field}.labels[${i}]`);
      if (label !== label.trim()) this.fail(`${field}.labels[${i}]`, 'must not start or end with whitespace');
      return label;
    });
    const twice = labels.find((l, i) => labels.indexOf(l) !== i);
    if (twice !== undefined) this.fail(`${field}.labels`, `"${twice}" is listed twice`);
    return { kind: 'label', labels };
  }
}

function isRecordValue(value: unknown): value is Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function join(field: string, key: string): string {
  return field === '' ? key : `${field}.${key}`;
}

/** A value as an error message shows it: `"hot"`, `3`, `a list`, `nothing`. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return String(value);
}
