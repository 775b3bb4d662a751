import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../harness/core/errors.js';
import { closestName, didYouMean, editDistance } from '../../harness/core/suggest.js';
import {
  AUTOJ_WRAPPER,
  PAIRWISE_TIE_EN,
  PAIRWISE_TIE_ZH,
  SINGLE_EN,
  SINGLE_ZH,
} from './autoj-reference/templates.js';
import { createGenerativeJudge, resolveJudgeModel } from '../../harness/judge/generative/judge.js';
import { builtInJudgeNames, judgesDir, loadJudgeProfile } from '../../harness/judge/generative/load.js';
import { parseJudgeProfile } from '../../harness/judge/generative/profile.js';
import { serveSettings } from '../../harness/judge/generative/serve.js';

const work = mkdtempSync(join(tmpdir(), 'judge-profiles-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const JUDGES = judgesDir();
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('built-in profiles', () => {
  it('are the five of issue 10 and the two tools of issue 11, each valid, named as its file', () => {
    expect(builtInJudgeNames()).toEqual([
      'autoj',
      'autoj-bilingual',
      'autoj-gptq',
      'autoj-scenario-classifier',
      'critique-comparator',
      'mtbench',
      'prometheus2',
    ]);
    for (const name of builtInJudgeNames()) {
      const p = loadJudgeProfile(name);
      expect(p.name).toBe(name);
      expect(p.file).toBe(`judges/${name}.yaml`);
      expect(p.source.length).toBeGreaterThan(0);
      for (const s of p.source) expect(s.commit).toMatch(/^[0-9a-f]{40}$/);
    }
  });

  it('Auto-J\u2019s template files are the checked constants of autoj/templates.ts, byte for byte', () => {
    expect(readFileSync(join(JUDGES, 'autoj/single.en.txt'), 'utf8')).toBe(SINGLE_EN);
    expect(readFileSync(join(JUDGES, 'autoj/pairwise.en.txt'), 'utf8')).toBe(PAIRWISE_TIE_EN);
    expect(readFileSync(join(JUDGES, 'autoj/single.zh.txt'), 'utf8')).toBe(SINGLE_ZH);
    expect(readFileSync(join(JUDGES, 'autoj/pairwise.zh.txt'), 'utf8')).toBe(PAIRWISE_TIE_ZH);
    for (const name of ['autoj', 'autoj-bilingual', 'autoj-gptq']) {
      const p = loadJudgeProfile(name);
      expect(p.endpoint).toEqual({ kind: 'completions', wrapper: AUTOJ_WRAPPER });
      expect(p.sampling).toEqual({ temperature: 0, top_p: 1, max_tokens: 1024 });
    }
    expect(loadJudgeProfile('autoj-bilingual').languages).toEqual(['en', 'zh']);
    expect(loadJudgeProfile('autoj-gptq')).toMatchObject({
      model: 'GAIR/autoj-13b-GPTQ-4bits',
      quantization: 'gptq',
    });
  });

  it('Prometheus 2 and MT-Bench texts are the upstream strings (sha256 of the Python and JSON strings at the cited commits)', () => {
    // computed from prometheus_eval/prompts.py (ABS_SYSTEM_PROMPT, ABSOLUTE_PROMPT_WO_REF,
    // HELPFULNESS_RUBRIC and its first line, REL_SYSTEM_PROMPT, RELATIVE_PROMPT_WO_REF) and
    // from judge_prompts.jsonl (single-v1, pair-v2: system_prompt, prompt_template)
    const expected: Record<string, string> = {
      'prometheus2/absolute.system.txt': '526b5b77a2d7eeaf33b21720197b6be536710d867d22cb468b0fb8f6022b62ab',
      'prometheus2/absolute.txt': 'f4358c8f7953f324df3d70c86bc483d29eb8016567f1b1571cfbe6dee6722656',
      'prometheus2/helpfulness.absolute.txt':
        'ab964285e9be68f6cb03fd76f5ef954bb75adadc03c2d6aa11d1ea41a0289ee6',
      'prometheus2/helpfulness.relative.txt':
        'b4a4255f0bd0384a3be8d07b7b216a26aba9b8ba69e56fa2dc8e4c84bac09026',
      'prometheus2/relative.system.txt': '2d7f53af02b6a37c5701ed6a821289874a82615c0a6af9d181dc465b2fb5df20',
      'prometheus2/relative.txt': '2b992796d7579dc5af8241134830d116c57fb7c8687788443191c357ed826815',
      'mtbench/pair-v2.system.txt': '8d6df8feee26e1c9994a4fae884fc839bfcb1787a3a9522d1be611db68c93338',
      'mtbench/pair-v2.txt': '22f93e573bf9343e52c3dd0a36b1a033a47a6dc0045ab3d40357da8d3c613d57',
      'mtbench/single-v1.system.txt': '75357d685f238b6afd7738be9786fdafde641eb6ca9a3be7471939715a68a4de',
      'mtbench/single-v1.txt': '0935c7ff79f38d3f9b135e14b2cf3bc05ddfbcb96cfd4094b1681a8044e9ccd0',
    };
    for (const [path, hash] of Object.entries(expected)) expect(sha256(join(JUDGES, path)), path).toBe(hash);
    const absolute = readFileSync(join(JUDGES, 'prometheus2/absolute.txt'), 'utf8');
    expect(absolute.endsWith('###Score Rubrics:\n{rubric}\n\n###Feedback: ')).toBe(true);
    const rubric = readFileSync(join(JUDGES, 'prometheus2/helpfulness.absolute.txt'), 'utf8');
    expect(readFileSync(join(JUDGES, 'prometheus2/helpfulness.relative.txt'), 'utf8')).toBe(
      rubric.split('\n')[0],
    );
    expect(readFileSync(join(JUDGES, 'mtbench/single-v1.system.txt'), 'utf8')).toBe(
      'You are a helpful assistant.',
    );
  });

  it('the chat requests: system and user messages with the rubric filled in', () => {
    const single = createGenerativeJudge(loadJudgeProfile('prometheus2')).prepare({
      protocol: 'single',
      instruction: 'Q?',
      response: 'A.',
    });
    const rubric = readFileSync(join(JUDGES, 'prometheus2/helpfulness.absolute.txt'), 'utf8');
    expect(single.messages).toEqual([
      { role: 'system', content: readFileSync(join(JUDGES, 'prometheus2/absolute.system.txt'), 'utf8') },
      {
        role: 'user',
        content: readFileSync(join(JUDGES, 'prometheus2/absolute.txt'), 'utf8')
          .replace('{instruction}', 'Q?')
          .replace('{response}', 'A.')
          .replace('{rubric}', rubric),
      },
    ]);
    expect(JSON.parse(single.prompt)).toEqual(
      single.messages!.map((m) => ({ content: m.content, role: m.role })),
    );
    expect(single.sampling).toEqual({
      temperature: 1,
      top_p: 0.9,
      max_tokens: 1024,
      repetition_penalty: 1.03,
    });

    const mt = loadJudgeProfile('mtbench');
    const pair = createGenerativeJudge(mt, { protocol: 'pairwise', model: 'judge-70b', maxModelLen: 8192 });
    const req = pair.prepare({ protocol: 'pairwise', instruction: 'Q?', first: 'A.', second: 'B.' });
    expect(req.model).toBe('judge-70b');
    expect(req.messages![1]!.content).toBe(
      "[User Question]\nQ?\n\n[The Start of Assistant A's Answer]\nA.\n[The End of Assistant A's Answer]\n\n" +
        "[The Start of Assistant B's Answer]\nB.\n[The End of Assistant B's Answer]",
    );
  });

  it('an open model: the one /v1/models lists, or the one named; it is part of the key', () => {
    const mt = loadJudgeProfile('mtbench');
    expect(() => createGenerativeJudge(mt, { maxModelLen: 8192 })).toThrow(/leaves the model open/);
    expect(() => createGenerativeJudge(mt, { model: 'x' })).toThrow(/context length/);
    expect(resolveJudgeModel(mt, ['meta-llama/Meta-Llama-3-70B-Instruct'])).toBe(
      'meta-llama/Meta-Llama-3-70B-Instruct',
    );
    expect(resolveJudgeModel(mt, ['a', 'b'], 'b')).toBe('b');
    expect(() => resolveJudgeModel(mt, ['a', 'b'])).toThrow(/lists "a", "b": name the model/);
    expect(() => resolveJudgeModel(mt, [])).toThrow(/lists none/);
    expect(resolveJudgeModel(loadJudgeProfile('autoj'), ['autoj'])).toBe('GAIR/autoj-13b');
    expect(() => resolveJudgeModel(loadJudgeProfile('autoj'), [], 'other/model')).toThrow(
      /is the model GAIR\/autoj-13b/,
    );
    const task = { protocol: 'single', instruction: 'Q?', response: 'A.' } as const;
    const a = createGenerativeJudge(mt, { model: 'a', maxModelLen: 8192 }).prepare(task);
    const b = createGenerativeJudge(mt, { model: 'b', maxModelLen: 8192 }).prepare(task);
    expect(a.prompt).toBe(b.prompt);
    expect(a.key).not.toBe(b.key);
  });
});

describe('serveSettings: what bench serve passes vLLM', () => {
  it('model, context length, quantization and chat template from the profile', () => {
    expect(serveSettings(loadJudgeProfile('autoj'))).toEqual({
      model: 'GAIR/autoj-13b',
      maxModelLen: 4096,
      extraArgs: [],
    });
    expect(serveSettings(loadJudgeProfile('autoj-gptq'))).toEqual({
      model: 'GAIR/autoj-13b-GPTQ-4bits',
      maxModelLen: 4096,
      extraArgs: ['--quantization', 'gptq'],
    });
    expect(serveSettings(loadJudgeProfile('prometheus2'))).toEqual({
      model: 'prometheus-eval/prometheus-7b-v2.0',
      maxModelLen: 8192,
      extraArgs: ['--chat-template', join(JUDGES, 'prometheus2/chat-template.jinja')],
    });
    expect(serveSettings(loadJudgeProfile('mtbench'))).toEqual({ model: null, extraArgs: [] });
  });
});

describe('loadJudgeProfile: names and paths', () => {
  it('an unknown name answers with the built-ins and the nearest one', () => {
    expect(() => loadJudgeProfile('autj')).toThrow(
      'unknown judge "autj" (did you mean "autoj"?); built-in judges: autoj, autoj-bilingual, autoj-gptq, autoj-scenario-classifier, critique-comparator, mtbench, prometheus2; ' +
        'or give the path of a profile file (./my-judge.yaml, see docs/judges.md)',
    );
    expect(() => loadJudgeProfile('prometheus')).toThrow(/did you mean "prometheus2"\?/);
    expect(() => loadJudgeProfile('mt-bench')).toThrow(/did you mean "mtbench"\?/);
    expect(() => loadJudgeProfile('gpt4')).toThrow(/^unknown judge "gpt4"; built-in judges: autoj,/);
  });

  it('a path loads that file; a missing one is named', () => {
    expect(loadJudgeProfile('./judges/autoj.yaml', { cwd: join(JUDGES, '..') }).name).toBe('autoj');
    expect(() => loadJudgeProfile('./nope.yaml', { cwd: work })).toThrow(/^nope\.yaml: file not found$/);
  });

  it('edit distance and did-you-mean', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
    expect(closestName('Sampling', ['sampling', 'source'])).toBe('sampling');
    expect(closestName('zzz', ['sampling', 'source'])).toBeUndefined();
    expect(didYouMean('ocurrence', ['occurrence', 'marker'])).toBe(' (did you mean "occurrence"?)');
  });
});

/** A minimal valid profile of the test's own, as a value to write and mutate. */
function baseProfile(): Record<string, unknown> {
  return {
    name: 'my-judge',
    description: 'a judge of my own',
    source: [{ repository: 'me/my-judge', file: 'prompts.py', commit: 'a'.repeat(40) }],
    model: 'me/my-judge-7b',
    context_length: 4096,
    tokenizer: 'llama2',
    endpoint: { kind: 'completions', wrapper: '<s>[INST] {input} [/INST]' },
    languages: ['en'],
    sampling: { temperature: 0, top_p: 1, max_tokens: 256 },
    protocols: {
      single: {
        en: {
          id: 'grade',
          template: 'templates/grade.txt',
          slots: { instruction: 'question', response: 'answer' },
          parser: { marker: 'Score: ', occurrence: 'last', scale: { min: 1, max: 5, integer: true } },
        },
      },
      pairwise: {
        en: {
          id: 'compare',
          template: 'templates/compare.txt',
          slots: { instruction: 'question', response: 'a', response_another: 'b' },
          parser: { marker: 'Winner:', occurrence: 'last', choices: { A: 'first', B: 'second', tie: 'tie' } },
        },
      },
    },
  };
}

const GRADE =
  'Grade the answer from 1 to 5.\n  \nQuestion: {question}\nAnswer: {answer}\nEnd with "Score: k".';
const COMPARE =
  'Question: {question}\n\nA: {a}\n\nB: {b}\n\nEnd with "Winner: A", "Winner: B" or "Winner: tie".';

let dirs = 0;
/** Writes the profile (and its templates) into a fresh folder; returns the profile's path. */
function writeProfile(profile: unknown, templates: Record<string, string> = {}): string {
  const dir = join(work, `p${dirs++}`);
  mkdirSync(join(dir, 'templates'), { recursive: true });
  const files = { 'templates/grade.txt': GRADE, 'templates/compare.txt': COMPARE, ...templates };
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  const file = join(dir, 'my-judge.yaml');
  writeFileSync(file, typeof profile === 'string' ? profile : yaml.dump(profile));
  return file;
}

/** The one-line error loading a profile gives, with the file shown as `x.yaml`. */
function problem(profile: unknown, templates: Record<string, string> = {}): string {
  const file = writeProfile(profile, templates);
  try {
    parseJudgeProfile(readFileSync(file, 'utf8'), file, {
      shownAs: 'x.yaml',
      reservedNames: builtInJudgeNames(),
    });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('the profile was accepted');
}

/** A profile as a loosely typed tree, for tests that break it on purpose. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

function edit(change: (p: Loose) => void): Record<string, unknown> {
  const p = baseProfile() as Loose;
  change(p);
  return p;
}

describe('the validator: one line naming the file, the field and the problem', () => {
  it('accepts the base profile', () => {
    const file = writeProfile(baseProfile());
    expect(loadJudgeProfile(file).name).toBe('my-judge');
  });

  it('wrong types', () => {
    expect(problem(edit((p) => (p.sampling.temperature = 'hot')))).toBe(
      'x.yaml: sampling.temperature: expected a number, got "hot"',
    );
    expect(problem(edit((p) => (p.context_length = 4096.5)))).toBe(
      'x.yaml: context_length: expected a positive whole number, got 4096.5',
    );
    expect(problem(edit((p) => (p.languages = 'en')))).toBe(
      'x.yaml: languages: expected a list of language codes (e.g. [en, zh]), got "en"',
    );
    expect(problem(edit((p) => (p.sampling.max_tokens = 0)))).toBe(
      'x.yaml: sampling.max_tokens: expected a positive whole number, got 0',
    );
    expect(problem(edit((p) => (p.sampling.top_p = 1.5)))).toBe(
      'x.yaml: sampling.top_p: expected a number in (0, 1], got 1.5',
    );
    expect(problem(edit((p) => (p.protocols.single.en.parser.scale.integer = 'yes')))).toBe(
      'x.yaml: protocols.single.en.parser.scale.integer: expected true or false, got "yes"',
    );
    expect(problem(edit((p) => (p.source[0].commit = 'abc123')))).toBe(
      'x.yaml: source[0].commit: expected 40 hex digits, got "abc123"',
    );
    expect(problem(edit((p) => (p.endpoint.kind = 'chats')))).toBe(
      'x.yaml: endpoint.kind: expected one of completions, chat, got "chats" (did you mean "chat"?)',
    );
    expect(problem(edit((p) => (p.protocols.pairwise.en.parser.choices.B = 'second-best')))).toBe(
      'x.yaml: protocols.pairwise.en.parser.choices.B: expected one of first, second, tie, got "second-best"',
    );
    expect(problem(edit((p) => (p.tokenizer = 'yi')))).toBe(
      'x.yaml: tokenizer: expected llama2 or {estimate: llama2*1.1}, got "yi"',
    );
  });

  it('top_logprobs: a whole number up to 20, asked with ratings only and outside the key; logprobs are not sampling', () => {
    expect(problem(edit((p) => (p.top_logprobs = 0)))).toBe(
      'x.yaml: top_logprobs: expected a positive whole number, got 0',
    );
    expect(problem(edit((p) => (p.top_logprobs = 21)))).toBe(
      "x.yaml: top_logprobs: expected at most 20 (vLLM's default --max-logprobs), got 21",
    );
    expect(problem(edit((p) => (p.sampling.logprobs = 5)))).toMatch(
      /^x\.yaml: sampling\.logprobs: is part of the request itself/,
    );
    const profile = loadJudgeProfile(writeProfile(edit((p) => (p.top_logprobs = 3))));
    expect(profile.topLogprobs).toBe(3);
    const task = { protocol: 'single', instruction: 'Q?', response: 'A.' } as const;
    const rating = createGenerativeJudge(profile).prepare(task);
    expect(rating.topLogprobs).toBe(3);
    // the same key as without logprobs
    const without = loadJudgeProfile(writeProfile(baseProfile()));
    expect(without.topLogprobs).toBeUndefined();
    expect(createGenerativeJudge(without).prepare(task)).toEqual({ ...rating, topLogprobs: undefined });
    const pair = { protocol: 'pairwise', instruction: 'Q?', first: 'A.', second: 'B.' } as const;
    expect(
      createGenerativeJudge(profile, { protocol: 'pairwise' }).prepare(pair).topLogprobs,
    ).toBeUndefined();
  });

  it('unknown fields, at any depth, with the nearest known one', () => {
    expect(problem(edit((p) => (p.sampling_ = {})))).toMatch(
      /^x\.yaml: sampling_: unknown field \(did you mean "sampling"\?\)/,
    );
    expect(problem(edit((p) => (p.protocols.single.en.parser.ocurrence = 'last')))).toMatch(
      /^x\.yaml: protocols\.single\.en\.parser\.ocurrence: unknown field \(did you mean "occurrence"\?\) \(known: marker, /,
    );
    expect(problem(edit((p) => (p.protocols.single.en.slots.instructions = 'q')))).toMatch(
      /^x\.yaml: protocols\.single\.en\.slots\.instructions: unknown field \(did you mean "instruction"\?\)/,
    );
    expect(problem(edit((p) => (p.protocols.triple = {})))).toMatch(
      /^x\.yaml: protocols\.triple: unknown field/,
    );
    expect(problem(edit((p) => (p.protocols.single.fr = p.protocols.single.en)))).toMatch(
      /^x\.yaml: protocols\.single\.fr: unknown field .*\(known: en\)$/,
    );
  });

  it('missing fields', () => {
    expect(problem(edit((p) => delete p.sampling))).toBe('x.yaml: sampling: missing');
    expect(problem(edit((p) => delete p.protocols.single.en.parser.occurrence))).toBe(
      'x.yaml: protocols.single.en.parser.occurrence: missing',
    );
    expect(problem(edit((p) => delete p.sampling.top_p))).toBe('x.yaml: sampling.top_p: missing');
    expect(problem(edit((p) => delete p.protocols.pairwise.en.slots.response_another))).toBe(
      'x.yaml: protocols.pairwise.en.slots.response_another: missing',
    );
    expect(problem(edit((p) => (p.languages = ['en', 'zh'])))).toBe('x.yaml: protocols.single.zh: missing');
  });

  it('a declared slot missing from the template, an undeclared slot in it', () => {
    expect(problem(baseProfile(), { 'templates/grade.txt': 'Question: {question}\nScore it.' })).toBe(
      'x.yaml: protocols.single.en.template: templates/grade.txt has no slot {answer}, which is declared',
    );
    expect(problem(baseProfile(), { 'templates/grade.txt': `${GRADE}\nReference: {reference}` })).toBe(
      'x.yaml: protocols.single.en.template: templates/grade.txt has an undeclared slot {reference} (declare it in slots or constants)',
    );
    // braces that are not a {name} are text
    const file = writeProfile(baseProfile(), {
      'templates/grade.txt': `${GRADE}\nAs JSON: {"score": 1} or { }`,
    });
    expect(loadJudgeProfile(file).protocols.single!.en!.template.text).toContain('{"score": 1}');
    expect(problem(edit((p) => (p.endpoint.wrapper = '[INST] {input} {system} [/INST]')))).toBe(
      'x.yaml: endpoint.wrapper: undeclared slot {system} (only {input} is filled)',
    );
    expect(problem(edit((p) => (p.endpoint.wrapper = '[INST] [/INST]')))).toBe(
      'x.yaml: endpoint.wrapper: must contain {input} exactly once',
    );
    expect(problem(edit((p) => (p.protocols.single.en.slots.response = 'question')))).toBe(
      'x.yaml: protocols.single.en.slots: {question} is given to two texts',
    );
  });

  it('other mistakes', () => {
    expect(problem(edit((p) => (p.protocols.single.en.template = 'templates/none.txt')))).toBe(
      'x.yaml: protocols.single.en.template: cannot read templates/none.txt (file not found)',
    );
    expect(problem('name: [unclosed\n')).toMatch(/^x\.yaml: not valid YAML: line \d+, column \d+: /);
    expect(problem(edit((p) => (p.sampling.prompt = 'x')))).toBe(
      'x.yaml: sampling.prompt: is part of the request itself, not a sampling parameter',
    );
    expect(problem(edit((p) => (p.sampling.stop = [null])))).toBe(
      'x.yaml: sampling.stop[0]: expected a number, a string, true or false, a list or a mapping, got null',
    );
    expect(problem(edit((p) => (p.chat_template = 'templates/grade.txt')))).toBe(
      'x.yaml: chat_template: only a chat endpoint uses a chat template (endpoint.kind is completions)',
    );
    expect(problem(edit((p) => (p.protocols.single.en.system = 'templates/grade.txt')))).toBe(
      'x.yaml: protocols.single.en.system: only a chat endpoint sends a system message (endpoint.kind is completions)',
    );
    expect(problem(edit((p) => (p.protocols.single.en.parser.pattern = '(')))).toMatch(
      /^x\.yaml: protocols\.single\.en\.parser\.pattern: not a valid regular expression: /,
    );
    expect(problem(edit((p) => (p.protocols.single.en.parser.pattern = 'x*')))).toBe(
      'x.yaml: protocols.single.en.parser.pattern: the pattern matches the empty text: it would match anywhere',
    );
    expect(problem(edit((p) => (p.protocols.pairwise.en.parser.choices = { A: 'first', tie: 'tie' })))).toBe(
      'x.yaml: protocols.pairwise.en.parser.choices: no choice means second',
    );
    expect(
      problem(
        edit((p) => {
          p.protocols.pairwise.en.parser.fold_case = true;
          p.protocols.pairwise.en.parser.choices = { A: 'first', a: 'first', B: 'second' };
        }),
      ),
    ).toBe('x.yaml: protocols.pairwise.en.parser.choices: "a" is listed twice');
    expect(problem(edit((p) => (p.protocols.single.en.parser.scale = { min: 5, max: 1 })))).toBe(
      'x.yaml: protocols.single.en.parser.scale: min (5) must be below max (1)',
    );
    expect(problem(edit((p) => (p.name = 'autoj')))).toBe(
      'x.yaml: name: "autoj" is a built-in judge\'s name: give your profile a name of its own',
    );
    expect(problem(edit((p) => (p.name = '../evil')))).toMatch(/^x\.yaml: name: expected a lower-case name/);
    expect(problem(edit((p) => (p.protocols = {})))).toBe(
      'x.yaml: protocols: expected single, pairwise or both',
    );
  });
});

describe('docs/judges.md', () => {
  it('its example profile is valid and builds a judge', () => {
    const doc = readFileSync(new URL('../../docs/judges.md', import.meta.url), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)![1]!;
    const dir = join(work, 'docs-example');
    mkdirSync(join(dir, 'my-judge'), { recursive: true });
    writeFileSync(join(dir, 'my-judge.yaml'), example);
    writeFileSync(
      join(dir, 'my-judge/grade.txt'),
      'Question: {question}\nAnswer: {answer}\nEnd with "Score: k".',
    );
    writeFileSync(join(dir, 'my-judge/compare.txt'), 'Question: {question}\nA: {answer_a}\nB: {answer_b}');
    const profile = loadJudgeProfile('./my-judge.yaml', { cwd: dir });
    expect(profile.sampling).toEqual({ temperature: 0, top_p: 1, max_tokens: 512, repetition_penalty: 1.05 });
    const judge = createGenerativeJudge(profile, { protocol: 'pairwise' });
    const task = { protocol: 'pairwise', instruction: 'Q', first: 'x', second: 'y' } as const;
    expect(judge.prepare(task).prompt).toBe('[INST] Question: Q\nA: x\nB: y [/INST]');
    expect(judge.parse({ text: 'Winner: b', finishReason: 'stop' }, task)).toEqual({
      kind: 'ok',
      verdict: 'second',
    });
  });
});

describe('a judge from a profile file alone (no code change)', () => {
  it('loads by path, resolves its files next to itself, builds, keys and parses', () => {
    const file = writeProfile(
      edit((p) => {
        p.sampling.repetition_penalty = 1.05;
      }),
    );
    // loaded from another working directory: its template paths are relative to the file
    const profile = loadJudgeProfile(file, { cwd: work });
    const judge = createGenerativeJudge(profile);
    const req = judge.prepare({ protocol: 'single', instruction: 'Why?', response: 'Because {answer}.' });
    expect(req.prompt).toBe(
      '<s>[INST] Grade the answer from 1 to 5.\n  \nQuestion: Why?\nAnswer: Because {answer}.\nEnd with "Score: k". [/INST]',
    );
    expect(req.messages).toBeUndefined();
    expect(req.sampling).toEqual({ temperature: 0, top_p: 1, max_tokens: 256, repetition_penalty: 1.05 });
    expect(judge.info).toMatchObject({
      name: 'my-judge',
      model: 'me/my-judge-7b',
      scale: { min: 1, max: 5 },
    });
    const stop = (text: string) => ({ text, finishReason: 'stop' });
    const task = { protocol: 'single', instruction: 'Why?', response: 'x' } as const;
    expect(judge.parse(stop('Fine. Score: 4'), task)).toEqual({ kind: 'ok', rating: 4 });
    expect(judge.parse(stop('Score: 4.5'), task)).toEqual({
      kind: 'unparsed',
      reason: 'rating 4.5 is not a whole number',
    });

    // the same profile without the extra sampling field: the same prompt, another key
    const plain = createGenerativeJudge(loadJudgeProfile(writeProfile(baseProfile())));
    const other = plain.prepare({ protocol: 'single', instruction: 'Why?', response: 'Because {answer}.' });
    expect(other.prompt).toBe(req.prompt);
    expect(other.key).not.toBe(req.key);

    const pairwise = createGenerativeJudge(profile, { protocol: 'pairwise' });
    const pair = { protocol: 'pairwise', instruction: 'Q', first: 'one', second: 'two' } as const;
    expect(pairwise.prepare(pair).prompt).toBe(
      '<s>[INST] Question: Q\n\nA: one\n\nB: two\n\nEnd with "Winner: A", "Winner: B" or "Winner: tie". [/INST]',
    );
    expect(pairwise.parse(stop('... Winner: B'), pair)).toEqual({ kind: 'ok', verdict: 'second' });
    expect(pairwise.parse(stop('... Winner: Both'), pair).kind).toBe('unparsed');
  });
});
