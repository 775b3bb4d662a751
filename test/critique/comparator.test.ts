import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import type { Judgment } from '../../harness/core/types.js';
import { createGenerativeJudge } from '../../harness/judge/generative/judge.js';
import { judgesDir, loadJudgeProfile } from '../../harness/judge/generative/load.js';
import { parseWithSpec } from '../../harness/judge/generative/parse.js';
import { parseJudgeProfile } from '../../harness/judge/generative/profile.js';
import {
  comparatorParser,
  comparisonTask,
  outcomeOf,
  readComparison,
  seededExchanges,
} from '../../suites/critique/compare.js';
import { loadCritiqueData, loadCritiqueFile } from '../../suites/critique/data.js';
import { comparisonPlan, comparisonsFromJudgments, critiqueTexts } from '../../suites/critique/live.js';

/**
 * The comparison protocol of Auto-J's critique task: the authors' prompt byte for byte
 * (English and Chinese), which critique is Feedback 1, the first-line decision as
 * critique_eval.py's resolve_decision reads it, and the mapping back through the order.
 */

const DATA = new URL('../../../shared/data/auto-j', import.meta.url).pathname;
const JUDGES = judgesDir();
const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');
const work = mkdtempSync(join(tmpdir(), 'critique-comparator-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const comparator = (language: 'en' | 'zh') =>
  createGenerativeJudge(loadJudgeProfile('critique-comparator'), {
    protocol: 'pairwise',
    language,
    model: 'gpt-4',
    maxModelLen: 8192,
  });

describe('the comparison prompt', () => {
  it("is utils_constants.py's critique_eval_prompt and zh_critique_eval_prompt (sha256 of the Python strings at 2ae17a3)", () => {
    // ast.literal_eval of the two assignments in codes/leaderboard/utils_constants.py
    expect(sha256(readFileSync(join(JUDGES, 'critique-comparator/compare.en.txt')))).toBe(
      'ec414e0e2f0077fe91b88a317693b1bab0154390d15100e106395dc1ded08a83',
    );
    expect(sha256(readFileSync(join(JUDGES, 'critique-comparator/compare.zh.txt')))).toBe(
      '47fb5d4537a3408bbe76aa476536959db70d2567aa7cde4b165c78c57c9d84e1',
    );
    // the line before the options ends with a space, upstream's typo kept
    expect(readFileSync(join(JUDGES, 'critique-comparator/compare.en.txt'), 'utf8')).toContain(
      'give out your reason in the next line. \nA: Feedback 1 is significantly better.',
    );
  });

  it("is filled as the authors' str.format fills it: one user message, Feedback 1 the judge's critique unless exchanged", async () => {
    const en = await loadCritiqueData(DATA, 'en');
    const zh = await loadCritiqueData(DATA, 'zh');
    const autoj = (await loadCritiqueFile(join(DATA, 'data/outputs/critique_example_output.jsonl'), 232))
      .critiques;
    // sha256 of critique_eval_prompt.format(prompt, response, feedback1, feedback2) in Python
    const expected: [number, 'en' | 'zh', boolean, string][] = [
      [0, 'en', false, '5306f794e461767c412630cb0efc8a042e5c1e067a63a1e17377b501e8d9f0de'],
      [7, 'en', false, '0ffc70ece549875d54d55ce1bc6564c11f5dc88ea9648125da4c072eee19a18b'],
      [0, 'zh', true, '0840fe9d44c2b44a725828c53d06c7dc7f2063856b78bf06d8ec207c26aa1030'],
      [7, 'zh', true, '02fa2fdb52b4aedcfa3dd158c944a57b4335ed8426e07f10c88f7142a6e2e4e4'],
    ];
    for (const [i, language, exchange, hash] of expected) {
      const data = language === 'en' ? en : zh;
      const request = comparator(language).prepare(comparisonTask(data.items[i]!, autoj[i]!, exchange));
      expect(request.messages).toHaveLength(1);
      expect(request.messages![0]!.role).toBe('user');
      expect(sha256(request.messages![0]!.content), `${language} item ${i}`).toBe(hash);
      expect(request.sampling).toEqual({
        temperature: 0,
        top_p: 1,
        max_tokens: 2048,
        presence_penalty: 0,
        frequency_penalty: 0,
      });
    }
  });

  it('puts the critiques in the order asked, the critiqued response in its own slot', () => {
    const item = { index: 0, scenario: 's', group: 'g', prompt: 'Q?', response: 'R.', reference: 'REF' };
    expect(comparisonTask(item, 'MINE', false)).toEqual({
      protocol: 'pairwise',
      instruction: 'Q?',
      critiqued: 'R.',
      first: 'MINE',
      second: 'REF',
    });
    expect(comparisonTask(item, 'MINE', true)).toMatchObject({ first: 'REF', second: 'MINE' });
    const content = comparator('en').prepare(comparisonTask(item, 'MINE', true)).messages![0]!.content;
    expect(content).toContain(
      '[Query]: Q?\n***\n[Response]: R.\n***\n[Feedback 1]: REF\n***\n[Feedback 2]: MINE\n***',
    );
  });

  it('refuses a task without the critiqued response, and a response judge refuses one with it', () => {
    const pair = { protocol: 'pairwise' as const, instruction: 'Q?', first: 'a', second: 'b' };
    expect(() => comparator('en').prepare(pair)).toThrow(
      'judge critique-comparator compares two critiques of a response: the task has no critiqued response',
    );
    const autoj = createGenerativeJudge(loadJudgeProfile('autoj'), { protocol: 'pairwise' });
    expect(() => autoj.prepare({ ...pair, critiqued: 'R.' })).toThrow(
      'judge autoj compares two responses: it has no slot for a critiqued response',
    );
  });

  it('cuts the critiques, never the template, when the three texts do not fit the context', () => {
    const small = createGenerativeJudge(loadJudgeProfile('critique-comparator'), {
      protocol: 'pairwise',
      model: 'm',
      maxModelLen: 1200,
      maxTokens: 200,
    });
    const long = 'word '.repeat(3000);
    const request = small.prepare({
      protocol: 'pairwise',
      instruction: 'Q?',
      critiqued: 'A short response.',
      first: long,
      second: 'short critique',
    });
    expect(request.truncation?.responses).toHaveLength(3);
    expect(request.truncation!.responses![0]).toEqual({ keptChars: 17, originalChars: 17 });
    expect(request.truncation!.responses![1]!.keptChars).toBeLessThan(long.length);
    expect(request.messages![0]!.content).toContain('C: Neither is significantly better.');
  });
});

describe("the decision, as critique_eval.py's resolve_decision reads it", () => {
  const en = comparatorParser('en');
  const read = (text: string) => parseWithSpec(text, en);

  it('is the one of A:, B:, C: on the first line', () => {
    expect(read('A: Feedback 1 is significantly better.\n\nReason: ...')).toEqual({
      ok: true,
      verdict: 'first',
    });
    expect(read('B: Feedback 2 is significantly better.')).toEqual({ ok: true, verdict: 'second' });
    expect(read('C: Neither is significantly better.\nReason: B: no')).toEqual({ ok: true, verdict: 'tie' });
    // anywhere on the line, as `"A:" in sent1`
    expect(read('My choice is B: Feedback 2.')).toEqual({ ok: true, verdict: 'second' });
    expect(read('A: better. A: still')).toEqual({ ok: true, verdict: 'first' });
    expect(parseWithSpec('A:反馈1明显更好\n理由：……', comparatorParser('zh'))).toEqual({
      ok: true,
      verdict: 'first',
    });
  });

  it('two options, or none, on the first line are a parse failure, never a vote', () => {
    expect(read('A: or B: - hard to say')).toEqual({
      ok: false,
      reason: 'ambiguous decision ("A:" and "B:" in the first line)',
    });
    expect(read('Option C: neither, though A: is close')).toMatchObject({ ok: false });
    expect(read('Both pieces of feedback have merits.\nA: Feedback 1 is better.')).toEqual({
      ok: false,
      reason: 'no decision (none of "A:", "B:", "C:" in the first line)',
    });
    expect(read('\nA: Feedback 1 is significantly better.')).toMatchObject({ ok: false });
    expect(read('a: lower case')).toMatchObject({ ok: false });
    expect(read('A：全角冒号')).toMatchObject({ ok: false });
    expect(read('Failed!')).toMatchObject({ ok: false });
    expect(read('')).toMatchObject({ ok: false });
  });

  it('is mapped back through the order: A is a win unless exchanged, C a tie', () => {
    expect(outcomeOf('first', false)).toBe('win');
    expect(outcomeOf('second', false)).toBe('lose');
    expect(outcomeOf('first', true)).toBe('lose');
    expect(outcomeOf('second', true)).toBe('win');
    expect(outcomeOf('tie', true)).toBe('tie');
    expect(outcomeOf('tie', false)).toBe('tie');
    expect(readComparison({ text: 'B: x', finishReason: 'stop' }, true, en)).toEqual({
      status: 'vote',
      exchange: true,
      answer: 'B: x',
      verdict: 'second',
      outcome: 'win',
    });
    expect(readComparison({ text: 'A: x B: y', finishReason: 'stop' }, false, en)).toMatchObject({
      status: 'unparsed',
      outcome: null,
    });
  });
});

describe('the order of the two critiques', () => {
  it('is one seeded draw per item: the same seed, the same orders; another seed, others', () => {
    const a = seededExchanges(232, 1);
    expect(seededExchanges(232, 1)).toEqual(a);
    expect(seededExchanges(232, 2)).not.toEqual(a);
    // a prefix does not depend on how many items follow
    expect(seededExchanges(10, 1)).toEqual(a.slice(0, 10));
    const exchanged = a.filter(Boolean).length;
    expect(exchanged).toBeGreaterThan(90);
    expect(exchanged).toBeLessThan(142);
  });

  it('is recorded in the plan, and the verdicts come back through it', () => {
    const items = [0, 1, 2, 3].map((index) => ({
      index,
      scenario: 's',
      group: 'g',
      prompt: `Q${index}`,
      response: `R${index}`,
      reference: `REF${index}`,
    }));
    const data = { language: 'en' as const, items, catalog: { groups: [], descriptions: {} }, inputs: [] };
    const plan = comparisonPlan(data, ['c0', null, 'c2', 'c3'], 7);
    expect(plan.exchanges).toEqual(seededExchanges(4, 7));
    expect(plan.tasks[1]).toBeNull();
    plan.tasks.forEach((t, i) => {
      if (t === null) return;
      expect(plan.exchanges[i] ? t.second : t.first).toBe(`c${i}`);
    });
    // the comparator judged items 0, 2, 3 (the tasks that are not null), in order
    const judgments: Judgment[] = [
      { kind: 'ok', verdict: 'first', key: 'k0' },
      { kind: 'unparsed', reason: 'no decision', key: 'k2' },
      { kind: 'error', message: 'HTTP 500' },
    ];
    const texts = new Map([
      ['k0', { text: 'A: ...' }],
      ['k2', { text: 'hmm' }],
    ]);
    const got = comparisonsFromJudgments(plan, judgments, () => texts);
    expect(got.map((c) => c.status)).toEqual(['vote', 'missing', 'unparsed', 'missing']);
    expect(got[0]).toMatchObject({ answer: 'A: ...', outcome: plan.exchanges[0] ? 'lose' : 'win' });
    expect(got[2]).toMatchObject({ answer: 'hmm', problem: 'no decision' });
    expect(got[3]!.problem).toBe('the comparison failed: HTTP 500');
  });

  it("the judge's critiques are its judgments' stored texts, rated or not; a failed one is none", () => {
    const judgments: Judgment[] = [
      { kind: 'ok', rating: 6, key: 'a' },
      { kind: 'unparsed', reason: 'cut off (finish_reason length)', key: 'b' },
      { kind: 'error', message: 'timeout', key: 'c' },
    ];
    const asked: string[][] = [];
    const texts = critiqueTexts(judgments, (keys) => {
      asked.push([...keys]);
      return new Map([
        ['a', { text: 'Good.\n\nRating: [[6]]' }],
        ['b', { text: 'The response is' }],
      ]);
    });
    expect(texts).toEqual(['Good.\n\nRating: [[6]]', 'The response is', null]);
    expect(asked).toEqual([['a', 'b']]);
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

describe('the parser spec: first_line and unique', () => {
  const base = yaml.load(readFileSync(join(JUDGES, 'critique-comparator.yaml'), 'utf8')) as Loose;
  const write = (edit: (p: Loose) => void): string => {
    const p = structuredClone(base);
    p.name = 'x';
    delete p.protocols.pairwise.zh;
    p.languages = ['en'];
    edit(p);
    mkdirSync(join(work, 'critique-comparator'), { recursive: true });
    writeFileSync(
      join(work, 'critique-comparator/compare.en.txt'),
      readFileSync(join(JUDGES, 'critique-comparator/compare.en.txt')),
    );
    return yaml.dump(p);
  };
  const problem = (edit: (p: Loose) => void) => {
    try {
      parseJudgeProfile(write(edit), join(work, 'x.yaml'), { shownAs: 'x.yaml' });
      return 'no error';
    } catch (e) {
      return (e as Error).message;
    }
  };

  it('are validated, one line naming the field', () => {
    expect(problem(() => {})).toBe('no error');
    expect(problem((p) => (p.protocols.pairwise.en.parser.first_line = 'yes'))).toBe(
      'x.yaml: protocols.pairwise.en.parser.first_line: expected true or false, got "yes"',
    );
    expect(problem((p) => (p.protocols.pairwise.en.parser.marker = 'Decision:'))).toBe(
      'x.yaml: protocols.pairwise.en.parser.unique: only with an empty marker (a choice anywhere in the answer)',
    );
    expect(
      problem(
        (p) => (p.protocols.pairwise.en.parser.choices = { 'A:': 'first', 'AA:': 'second', 'C:': 'tie' }),
      ),
    ).toBe(
      'x.yaml: protocols.pairwise.en.parser.choices: "A:" is part of another choice, which unique cannot tell apart',
    );
    expect(problem((p) => delete p.protocols.pairwise.en.slots.critiqued_response)).toBe(
      'x.yaml: protocols.pairwise.en.template: critique-comparator/compare.en.txt has an undeclared slot {response} (declare it in slots or constants)',
    );
  });

  it('without them the first choice anywhere is the verdict, as before', () => {
    const spec = { ...comparatorParser('en'), firstLine: false, unique: false };
    expect(parseWithSpec('Thinking...\nA: or B:', spec)).toEqual({ ok: true, verdict: 'first' });
  });
});
