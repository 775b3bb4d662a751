import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { afterAll, describe, expect, it } from 'vitest';
import type { JudgeTask } from '../../harness/core/types.js';
import { rawPromptAsChat } from '../../harness/judge/generative/batch-chat.js';
import { createGenerativeJudge, type GenerativeJudge } from '../../harness/judge/generative/judge.js';
import { loadJudgeProfile } from '../../harness/judge/generative/load.js';
import { readJudgeProfile, type JudgeProfile } from '../../harness/judge/generative/profile.js';
import { exportBatch } from '../../harness/runner/batch-files.js';
import { alpacaPairs, alpacaTasks, architectureVector, pairTasks, zhTasks } from '../helpers/real-tasks.js';

/**
 * The chat template shipped for Auto-J's raw prompt (judges/autoj/chat-template.jinja, the
 * profiles' batch_chat_template) renders, with Hugging Face's own Jinja renderer of chat
 * templates (@huggingface/jinja: trim_blocks and lstrip_blocks, as transformers compiles
 * them), exactly what a live run sends to /v1/completions with the BOS token the server's
 * tokenizer puts first: `<s>` + PreparedRequest.prompt, for the message that the batch
 * export makes of that request. vLLM's chat path tokenizes the rendered text with
 * add_special_tokens false, so the BOS comes from the template and only from it. Checked
 * over real tasks: AlpacaEval outputs of every submission (the longest ones cut to fit),
 * Auto-J's pairwise pairs both ways round, AlpacaEval pairs, Chinese critiques, and the
 * test vectors of ../shared/docs/architecture.md.
 */

/** Llama-2's special tokens, as transformers passes them to a chat template. */
const LLAMA2_TOKENS = { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' };

function render(profile: JudgeProfile, messages: unknown, extra: Record<string, unknown> = {}): string {
  const template = new Template(profile.batchChatTemplate!.text);
  return template.render({ messages, ...LLAMA2_TOKENS, add_generation_prompt: true, ...extra });
}

/** Renders every task's chat form and compares it with `<s>` + the live prompt; returns how many were cut. */
function expectLivePrompts(
  profile: JudgeProfile,
  judge: GenerativeJudge,
  tasks: readonly JudgeTask[],
): number {
  const template = new Template(profile.batchChatTemplate!.text);
  let truncated = 0;
  for (const task of tasks) {
    const request = judge.prepare(task);
    const messages = rawPromptAsChat(profile, request);
    const rendered = template.render({ messages, ...LLAMA2_TOKENS, add_generation_prompt: true });
    if (rendered !== `<s>${request.prompt}`) {
      expect(rendered, task.instruction.slice(0, 60)).toBe(`<s>${request.prompt}`);
    }
    if (request.truncation) truncated++;
  }
  return truncated;
}

describe('judges/autoj/chat-template.jinja renders the live raw prompt, BOS first', () => {
  const single = alpacaTasks(97, 120);
  const pairs = pairTasks();

  for (const name of ['autoj', 'autoj-gptq']) {
    it(`${name}: the profile ships it as its batch_chat_template`, () => {
      const profile = loadJudgeProfile(name);
      expect(profile.batchChatTemplate?.path).toBe('autoj/chat-template.jinja');
      expect(profile.endpoint).toEqual({ kind: 'completions', wrapper: '[INST] {input} [/INST]' });
    });
  }

  it('architecture.md test vectors, single and pairwise', () => {
    const profile = loadJudgeProfile('autoj');
    const single = createGenerativeJudge(profile);
    const pairwise = createGenerativeJudge(profile, { protocol: 'pairwise' });
    const a = single.prepare({ protocol: 'single', instruction: 'Q?', response: 'A.' });
    const b = pairwise.prepare({ protocol: 'pairwise', instruction: 'Q?', first: 'A.', second: 'B.' });
    expect(render(profile, rawPromptAsChat(profile, a))).toBe(
      `<s>${architectureVector('Test vector, single protocol')}`,
    );
    expect(render(profile, rawPromptAsChat(profile, b))).toBe(
      `<s>${architectureVector('Test vector, pairwise')}`,
    );
  });

  it('autoj, single: AlpacaEval outputs of every submission and the longest ones (cut to fit)', () => {
    const profile = loadJudgeProfile('autoj');
    expect(single.length).toBeGreaterThan(1500);
    expect(expectLivePrompts(profile, createGenerativeJudge(profile), single)).toBeGreaterThan(100);
  });

  it('autoj, pairwise: Auto-J\u2019s pairs both ways round and AlpacaEval pairs', () => {
    const profile = loadJudgeProfile('autoj');
    const judge = createGenerativeJudge(profile, { protocol: 'pairwise' });
    expect(expectLivePrompts(profile, judge, [...pairs, ...alpacaPairs(single)])).toBeGreaterThan(50);
  });

  it('autoj-gptq, single and pairwise', () => {
    const profile = loadJudgeProfile('autoj-gptq');
    expectLivePrompts(profile, createGenerativeJudge(profile), single.slice(0, 400));
    expectLivePrompts(profile, createGenerativeJudge(profile, { protocol: 'pairwise' }), pairs.slice(0, 400));
  });

  it('Chinese text: the same wrapper around autoj-bilingual\u2019s zh prompts', () => {
    // autoj-bilingual ships no batch_chat_template (its tokenizer's BOS is not known here,
    // see its profile); the wrapper is Auto-J's, so the template is checked on its prompts
    const template = loadJudgeProfile('autoj');
    const bilingual = loadJudgeProfile('autoj-bilingual');
    expect(bilingual.batchChatTemplate).toBeUndefined();
    expect(bilingual.endpoint).toEqual(template.endpoint);
    const zh = zhTasks();
    const single = createGenerativeJudge(bilingual, { language: 'zh' });
    const pairwise = createGenerativeJudge(bilingual, { language: 'zh', protocol: 'pairwise' });
    for (const [judge, tasks] of [
      [single, zh],
      [pairwise, alpacaPairs(zh)],
    ] as const) {
      for (const task of tasks) {
        const request = judge.prepare(task);
        expect(render(template, rawPromptAsChat(bilingual, request))).toBe(`<s>${request.prompt}`);
      }
    }
  });

  it('nothing depends on add_generation_prompt; anything but one user message is refused', () => {
    const profile = loadJudgeProfile('autoj');
    const user = { role: 'user', content: 'x {{ y }} {% z %}\n  ' };
    expect(render(profile, [user], { add_generation_prompt: false })).toBe(
      '<s>[INST] x {{ y }} {% z %}\n   [/INST]',
    );
    expect(render(profile, [user])).toBe('<s>[INST] x {{ y }} {% z %}\n   [/INST]');
    expect(() => render(profile, [{ role: 'system', content: 's' }, user])).toThrow(/one user message/);
    expect(() => render(profile, [user, user])).toThrow(/one user message/);
    expect(() => render(profile, [{ role: 'assistant', content: 'a' }])).toThrow(/one user message/);
  });

  it('a raw-prompt judge without a batch_chat_template cannot be exported as chat requests', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-batch-'));
    try {
      const judge = createGenerativeJudge(loadJudgeProfile('autoj-bilingual'));
      await expect(exportBatch([], judge, { dir, chat: true })).rejects.toThrow(
        'judges/autoj-bilingual.yaml: judge autoj-bilingual sends raw prompts and has no batch_chat_template',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('batch_chat_template in a profile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (endpoint: string, extra: string) => {
    writeFileSync(join(dir, 't.txt'), 'Rate {q} {a}. Rating: [[k]]');
    writeFileSync(join(dir, 'c.jinja'), "{{ bos_token + '[INST] ' + messages[0]['content'] + ' [/INST]' }}");
    const file = join(dir, 'x.yaml');
    writeFileSync(
      file,
      [
        'name: x',
        'description: x',
        'source: [{ repository: a/b, file: f, commit: 0123456789abcdef0123456789abcdef01234567 }]',
        'model: a/b',
        'context_length: 4096',
        'tokenizer: llama2',
        `endpoint: ${endpoint}`,
        extra,
        'languages: [en]',
        'sampling: { temperature: 0, top_p: 1, max_tokens: 64 }',
        'protocols:',
        '  single:',
        '    en:',
        '      id: s',
        '      template: t.txt',
        '      slots: { instruction: q, response: a }',
        "      parser: { marker: 'Rating: [[', close: ']]', occurrence: last, scale: { min: 1, max: 10 } }",
      ].join('\n'),
    );
    return file;
  };

  it('is read for a raw-prompt profile, refused for a chat one, and must exist', () => {
    const profile = readJudgeProfile(
      write("{ kind: completions, wrapper: '[INST] {input} [/INST]' }", 'batch_chat_template: c.jinja'),
      {
        shownAs: 'x.yaml',
      },
    );
    expect(profile.batchChatTemplate?.text).toContain('bos_token');
    expect(() =>
      readJudgeProfile(write('{ kind: chat }', 'batch_chat_template: c.jinja'), { shownAs: 'x.yaml' }),
    ).toThrow(
      'x.yaml: batch_chat_template: only a raw-prompt (completions) judge needs one: a chat judge is batched with its chat_template',
    );
    expect(() =>
      readJudgeProfile(
        write("{ kind: completions, wrapper: '[INST] {input} [/INST]' }", 'batch_chat_template: none.jinja'),
        {
          shownAs: 'x.yaml',
        },
      ),
    ).toThrow('x.yaml: batch_chat_template: cannot read none.jinja (file not found)');
  });
});
