import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createAutojJudge } from '../../harness/judge/autoj/judge.js';
import {
  AUTOJ_WRAPPER,
  compileTemplate,
  PAIRWISE_TIE_EN,
  PAIRWISE_TIE_ZH,
  SINGLE_EN,
  SINGLE_ZH,
} from './autoj-reference/templates.js';

const ARCHITECTURE = new URL('../../../shared/docs/architecture.md', import.meta.url).pathname;

// The test vectors of ../shared/docs/architecture.md, as the JSON strings printed there.
const SINGLE_VECTOR_JSON =
  '"[INST] Write critiques for a submitted response on a given user\'s query, and grade the response:\\n  \\n[BEGIN DATA]\\n***\\n[Query]: Q?\\n***\\n[Response]: A.\\n***\\n[END DATA]\\n\\nWrite critiques for this response. After that, you should give a final rating for the response on a scale of 1 to 10 by strictly following this format: \\"[[rating]]\\", for example: \\"Rating: [[5]]\\". [/INST]"';
const PAIRWISE_VECTOR_JSON =
  '"[INST] You are assessing two submitted responses on a given user\'s query and judging which response is better or they are tied. Here is the data:\\n\\n[BEGIN DATA]\\n***\\n[Query]: Q?\\n***\\n[Response 1]: A.\\n***\\n[Response 2]: B.\\n***\\n[END DATA]\\n\\nHere are the instructions to assess and compare the two responses:\\n\\n1. Pinpoint the key factors to distinguish these two responses.\\n2. Conclude your comparison by providing a final decision on which response is better, or they are tied. Begin your final decision statement with \\"So, the final decision is Response 1 / Response 2 / Tie\\". Ensure that your decision aligns coherently with the comprehensive evaluation and comparison you\'ve provided. [/INST]"';

/**
 * The authors' zh_constants_prompt.py (GAIR-NLP/auto-j), the two template assignments
 * copied as Python source, escapes included. Decoded the way Python reads a
 * triple-quoted literal (only `\"` occurs), they must equal the harness's constants: a
 * second, independent transcription of the same bytes.
 */
const ZH_PYTHON_SOURCE = String.raw`zh_single = """为上传的针对给定用户问题的回应撰写评论, 并为该回复打分:

[BEGIN DATA]
***
[用户问询]: {prompt}
***
[回应]: {response}
***
[END DATA]

为这个回应撰写评论. 在这之后, 你应该按照如下格式给这个回应一个最终的1-10范围的评分: "[[评分]]", 例如: "评分: [[5]]"."""


zh_pairwise_tie = """你将要评价两个针对给定用户问题的回应，并判断哪个回应胜出或两者持平。以下是相关内容:

[BEGIN DATA]
***
[用户问询]: {prompt}
***
[回应1]: {response}
***
[回应2]: {response_another}
***
[END DATA]

以下是评价并比较两个回应的指南：

1. 确定区分两个回应的关键因素。
2. 通过提供最终对何者胜出或两者持平的决定来总结你的比较和评价。最终决定语句应以\"所以，最终决定是回应1/回应2/平局\"开头。确保你的决定与你提供的综合的评价和比较一致。"""`;

function pythonTripleQuoted(source: string, name: string): string {
  const m = new RegExp(`${name} = """([\\s\\S]*?)"""`).exec(source);
  if (!m) throw new Error(`${name} not found`);
  return m[1]!.replaceAll('\\"', '"');
}

describe('Auto-J templates (byte-exact)', () => {
  it('single protocol: the architecture test vector', () => {
    const judge = createAutojJudge({ protocol: 'single' });
    const req = judge.prepare({ protocol: 'single', instruction: 'Q?', response: 'A.' });
    expect(JSON.stringify(req.prompt)).toBe(SINGLE_VECTOR_JSON);
    expect(req.prompt).toBe(JSON.parse(SINGLE_VECTOR_JSON));
    expect(req.prompt.split('\n')[1]).toBe('  ');
    expect(req.truncation).toBeUndefined();
  });

  it('pairwise (pairwise_tie): the architecture test vector', () => {
    const judge = createAutojJudge({ protocol: 'pairwise' });
    const req = judge.prepare({ protocol: 'pairwise', instruction: 'Q?', first: 'A.', second: 'B.' });
    expect(JSON.stringify(req.prompt)).toBe(PAIRWISE_VECTOR_JSON);
  });

  it('the vectors are the ones printed in architecture.md', () => {
    const doc = readFileSync(ARCHITECTURE, 'utf8');
    expect(doc).toContain(SINGLE_VECTOR_JSON);
    expect(doc).toContain(PAIRWISE_VECTOR_JSON);
  });

  it('the bilingual profile uses the same English templates', () => {
    const en = createAutojJudge({ profile: 'autoj-bilingual', protocol: 'single', language: 'en' });
    const req = en.prepare({ protocol: 'single', instruction: 'Q?', response: 'A.' });
    expect(JSON.stringify(req.prompt)).toBe(SINGLE_VECTOR_JSON);
    expect(en.info.templateVersion).toBe(createAutojJudge().info.templateVersion);
    expect(req.model).toBe('GAIR/autoj-bilingual-6b');
  });

  it('Chinese templates equal the authors\u2019 zh_constants_prompt.py', () => {
    expect(SINGLE_ZH).toBe(pythonTripleQuoted(ZH_PYTHON_SOURCE, 'zh_single'));
    expect(PAIRWISE_TIE_ZH).toBe(pythonTripleQuoted(ZH_PYTHON_SOURCE, 'zh_pairwise_tie'));
    // full-width punctuation where the authors have it, half-width elsewhere
    expect(PAIRWISE_TIE_ZH).toContain('以下是相关内容:\n');
    expect(PAIRWISE_TIE_ZH).toContain('以下是评价并比较两个回应的指南：\n');
    expect(SINGLE_ZH).toContain('"评分: [[5]]".');
  });

  it('Chinese prompts: the authors\u2019 example, wrapped as [INST] ... [/INST]', () => {
    const zh = createAutojJudge({ profile: 'autoj-bilingual', protocol: 'pairwise', language: 'zh' });
    const req = zh.prepare({
      protocol: 'pairwise',
      instruction: '中国的首都是哪里?',
      first: '中国的首都是北京。',
      second: '中国的首都是上海。',
    });
    expect(req.prompt.startsWith('[INST] 你将要评价两个针对给定用户问题的回应')).toBe(true);
    expect(req.prompt.endsWith('确保你的决定与你提供的综合的评价和比较一致。 [/INST]')).toBe(true);
    expect(req.prompt).toContain(
      '[用户问询]: 中国的首都是哪里?\n***\n[回应1]: 中国的首都是北京。\n***\n[回应2]: 中国的首都是上海。\n***\n[END DATA]',
    );
    const single = createAutojJudge({ profile: 'autoj-bilingual', language: 'zh' });
    expect(single.prepare({ protocol: 'single', instruction: 'Q', response: 'A' }).prompt).toBe(
      `[INST] ${SINGLE_ZH.replace('{prompt}', 'Q').replace('{response}', 'A')} [/INST]`,
    );
    expect(single.info.templateVersion).not.toBe(
      createAutojJudge({ profile: 'autoj-bilingual' }).info.templateVersion,
    );
  });

  it('Chinese templates exist only for the bilingual profile', () => {
    expect(() => createAutojJudge({ profile: 'autoj', language: 'zh' })).toThrow(/no "zh" templates/);
    expect(() => createAutojJudge({ profile: 'autoj-13b' })).toThrow(/unknown Auto-J profile "autoj-13b"/);
  });

  it('template version = first 16 hex of sha256 of the wrapped template text', () => {
    for (const [id, raw] of [
      ['single', SINGLE_EN],
      ['pairwise_tie', PAIRWISE_TIE_EN],
      ['zh_single', SINGLE_ZH],
      ['zh_pairwise_tie', PAIRWISE_TIE_ZH],
    ] as const) {
      const t = compileTemplate(id, raw);
      expect(t.text).toBe(AUTOJ_WRAPPER.replace('{input}', raw));
      expect(t.version).toBe(createHash('sha256').update(t.text).digest('hex').slice(0, 16));
      expect(t.version).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(createAutojJudge({ protocol: 'single' }).info.templateVersion).toBe(
      compileTemplate('single', SINGLE_EN).version,
    );
  });

  it('fills placeholders in one pass, like str.format: braces in the inputs stay as they are', () => {
    const t = compileTemplate('pairwise_tie', PAIRWISE_TIE_EN);
    const prompt = t.fill({
      prompt: '{response}',
      response: '{response_another}',
      response_another: '{prompt} $& $1',
    });
    expect(prompt).toContain(
      '[Query]: {response}\n***\n[Response 1]: {response_another}\n***\n[Response 2]: {prompt} $& $1\n',
    );
  });

  it('a null single response goes as an empty response', () => {
    const judge = createAutojJudge();
    const req = judge.prepare({ protocol: 'single', instruction: 'Q?', response: null });
    expect(req.prompt).toContain('[Response]: \n***\n[END DATA]');
    expect(req.key).toBe(judge.prepare({ protocol: 'single', instruction: 'Q?', response: '' }).key);
  });
});
