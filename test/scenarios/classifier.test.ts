import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGenerativeJudge } from '../../harness/judge/generative/judge.js';
import { judgesDir, loadJudgeProfile } from '../../harness/judge/generative/load.js';
import { CUT_OFF_REASON } from '../../harness/judge/generative/parse.js';
import { parseJudgeProfile } from '../../harness/judge/generative/profile.js';
import { predictionsOf, scenarioTask } from '../../suites/scenarios/classify.js';
import { loadClassifierData, loadLabelSet } from '../../suites/scenarios/data.js';

/**
 * The scenario classifier as a judge profile: the README's prompt byte for byte, as a raw
 * prompt, temperature 0, max_tokens 30; its answer is one of the labels or a parse failure.
 */

const DATA = new URL('../../../shared/data/auto-j', import.meta.url).pathname;
const JUDGES = judgesDir();
const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');
const classifier = () => createGenerativeJudge(loadJudgeProfile('autoj-scenario-classifier'));
const task = scenarioTask('q');

describe('the classifier profile', () => {
  it("is the README's PROMPT_INPUT_FOR_SCENARIO_CLS, sent as it is, greedy, 30 tokens", () => {
    // ast.literal_eval of the README's line at 2ae17a3
    expect(sha256(readFileSync(join(JUDGES, 'autoj-scenario-classifier/classify.txt')))).toBe(
      '80065df017294a335704ccf6e646fa939a2fd576304ea2a0d449beaa3329f539',
    );
    const judge = classifier();
    expect(judge.info).toMatchObject({
      name: 'autoj-scenario-classifier',
      model: 'GAIR/autoj-scenario-classifier',
      protocol: 'single',
      sampling: { temperature: 0, top_p: 1, max_tokens: 30 },
    });
    expect(judge.info.scale).toBeUndefined();
    const request = judge.prepare(scenarioTask('generate a function that returns an array of even values.'));
    expect(request.prompt).toBe(
      "Identify the scenario for the user's query, output 'default' if you are uncertain.\n" +
        'Query:\ngenerate a function that returns an array of even values.\nScenario:\n',
    );
    expect(request.messages).toBeUndefined();
  });

  it('asks about instruction + " " + input, as PROMPT_INPUT_FOR_SCENARIO_CLS.format(input=query) does', async () => {
    const data = await loadClassifierData(DATA);
    // sha256 of the prompt Python builds for rows 0, 1 (empty input) and 42 (an input)
    const expected: Record<number, string> = {
      0: '0ca0e9b871acfdb426fc492d71f829a00f7a382acfc9f833ce4f69edc6b2a62a',
      1: '1af2b67348ac1084c75320e33cadb48a6bff43621af2ad141b7f79a99cae30b0',
      42: '0e58edb6ed2a694c9a0a6ff6e95d7ecc3a85b7f097342f3355d09e75faa7b4c5',
    };
    for (const [i, hash] of Object.entries(expected)) {
      const item = data.items[Number(i)]!;
      expect(sha256(classifier().prepare(scenarioTask(item.query)).prompt), `row ${i}`).toBe(hash);
    }
    expect(data.items[0]!.query.endsWith(' ')).toBe(true);
    expect(data.items[42]!.input).not.toBe('');
  });

  it('a query too long for the context is cut to fit (there is no response to cut), and the cut recorded', () => {
    const judge = classifier();
    const query = 'word '.repeat(6000);
    const request = judge.prepare(scenarioTask(query));
    expect(judge.tokenCounter.count(request.prompt)).toBeLessThanOrEqual(judge.promptTokenLimit);
    expect(request.prompt.endsWith('\nScenario:\n')).toBe(true);
    expect(request.truncation?.instruction?.originalChars).toBe(query.length);
    expect(request.truncation!.instruction!.keptChars).toBeGreaterThan(15_000);
    expect(request.truncation!.instruction!.keptChars).toBeLessThan(query.length);
  });

  it('accepts exactly the 60 scenarios and default, which are the label set of scenarios.json', async () => {
    const { labels } = await loadLabelSet(DATA);
    const parser = loadJudgeProfile('autoj-scenario-classifier').protocols.single!.en!.parser;
    expect(parser.kind).toBe('label');
    expect(parser.kind === 'label' ? [...parser.labels].sort() : []).toEqual([...labels.labels].sort());
    expect(labels.labels).toHaveLength(61);
    expect(labels.groups).toEqual([
      'Summarization',
      'Exam Questions',
      'Code',
      'Rewriting',
      'Creative Writing',
      'Functional Writing',
      'General Communication',
      'NLP Tasks',
      'Ungrouped',
      'default',
    ]);
    expect(labels.groupOf('rejecting')).toBe('Ungrouped');
    expect(labels.groupOf('code_generation')).toBe('Code');
  });

  it('reads a label, trimmed; anything else is a parse failure with the reason', () => {
    const judge = classifier();
    const parse = (text: string, finishReason = 'stop') => judge.parse({ text, finishReason }, task);
    expect(parse('code_generation')).toEqual({ kind: 'ok', label: 'code_generation' });
    expect(parse(' default\n')).toEqual({ kind: 'ok', label: 'default' });
    expect(parse('peer_review')).toEqual({ kind: 'ok', label: 'peer_review' });
    expect(parse('Code_generation')).toEqual({
      kind: 'unparsed',
      reason: 'not a known label: "Code_generation"',
    });
    expect(parse('coding')).toEqual({ kind: 'unparsed', reason: 'not a known label: "coding"' });
    expect(parse('code_generation\nwriting_email')).toMatchObject({ kind: 'unparsed' });
    expect(parse('I am not sure.')).toMatchObject({ kind: 'unparsed' });
    expect(parse('')).toEqual({ kind: 'unparsed', reason: 'empty answer (no label)' });
    expect(parse('solving_exam_question_wit', 'length')).toEqual({
      kind: 'unparsed',
      reason: CUT_OFF_REASON,
    });
    expect(
      predictionsOf([parse('coding'), { kind: 'error', message: 'HTTP 503' }, parse('planning')]),
    ).toEqual([
      { label: null, problem: 'not a known label: "coding"' },
      { label: null, problem: 'failed: HTTP 503' },
      { label: 'planning' },
    ]);
  });
});

describe('the label parser spec', () => {
  const profile = (parser: string) =>
    [
      'name: x',
      'description: a classifier',
      'source: [{ repository: a/b, file: f, commit: 0123456789abcdef0123456789abcdef01234567 }]',
      'model: a/b',
      'context_length: 4096',
      'tokenizer: llama2',
      "endpoint: { kind: completions, wrapper: '{input}' }",
      'languages: [en]',
      'sampling: { temperature: 0, top_p: 1, max_tokens: 30 }',
      'protocols:',
      '  single:',
      '    en:',
      '      id: cls',
      '      template: autoj-scenario-classifier/classify.txt',
      '      slots: { instruction: input }',
      `      parser: ${parser}`,
    ].join('\n');
  const problem = (parser: string) => {
    try {
      parseJudgeProfile(profile(parser), join(JUDGES, 'x.yaml'), { shownAs: 'x.yaml' });
      return 'no error';
    } catch (e) {
      return (e as Error).message;
    }
  };

  it('is validated, one line naming the field', () => {
    expect(problem('{ labels: [a, b] }')).toBe('no error');
    expect(problem('{ labels: [] }')).toBe(
      'x.yaml: protocols.single.en.parser.labels: expected a list of names, got an empty list',
    );
    expect(problem('{ labels: a }')).toBe(
      'x.yaml: protocols.single.en.parser.labels: expected a list of names, got "a"',
    );
    expect(problem('{ labels: [a, a] }')).toBe(
      'x.yaml: protocols.single.en.parser.labels: "a" is listed twice',
    );
    expect(problem("{ labels: ['a ', b] }")).toBe(
      'x.yaml: protocols.single.en.parser.labels[0]: must not start or end with whitespace',
    );
    expect(problem('{ labels: [a], scale: { min: 1, max: 2 } }')).toMatch(
      /^x\.yaml: protocols\.single\.en\.parser\.scale: unknown field/,
    );
  });

  it('is the only single parser whose template may leave the response out', () => {
    expect(
      problem("{ marker: 'Rating: [[', close: ']]', occurrence: last, scale: { min: 1, max: 10 } }"),
    ).toBe('x.yaml: protocols.single.en.slots.response: missing');
  });
});
