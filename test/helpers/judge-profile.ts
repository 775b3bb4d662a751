import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes a judge of a test's own into `dir`: `my-judge.yaml` and its two templates under
 * `my-judge/`, as a user adds a judge (a profile file, no code). A raw-prompt judge
 * (`/v1/completions`) that rates 1-10 and compares A/B in MT-Bench's wording, which
 * vllm-sim answers (protocols `mtbench-single`, `mtbench-pairwise` in its log). Its model
 * is `me/my-judge-7b`; its sampling has a field beyond the usual three. Returns the
 * profile's path.
 */
export function writeMyJudge(dir: string): string {
  mkdirSync(join(dir, 'my-judge'), { recursive: true });
  writeFileSync(
    join(dir, 'my-judge', 'grade.txt'),
    'Rate the answer to the question from 1 to 10. End with "Rating: [[k]]".\n\n' +
      "[Question]\n{question}\n\n[The Start of Assistant's Answer]\n{answer}\n[The End of Assistant's Answer]",
  );
  writeFileSync(
    join(dir, 'my-judge', 'compare.txt'),
    'Which answer is better? Answer [[A]], [[B]] or [[C]] for a tie.\n\n[User Question]\n{question}\n\n' +
      "[The Start of Assistant A's Answer]\n{a}\n[The End of Assistant A's Answer]\n\n" +
      "[The Start of Assistant B's Answer]\n{b}\n[The End of Assistant B's Answer]",
  );
  const file = join(dir, 'my-judge.yaml');
  writeFileSync(
    file,
    [
      'name: my-judge',
      'description: a test judge that rates 1-10 and compares A/B',
      'source:',
      '  - { repository: me/my-judge, file: prompts.py, commit: 0123456789abcdef0123456789abcdef01234567 }',
      'model: me/my-judge-7b',
      'context_length: 4096',
      'tokenizer: llama2',
      'endpoint: { kind: completions, wrapper: "<s>[INST] {input} [/INST]" }',
      'languages: [en]',
      'sampling: { temperature: 0, top_p: 1, max_tokens: 512, repetition_penalty: 1.05 }',
      'protocols:',
      '  single:',
      '    en:',
      '      id: grade',
      '      template: my-judge/grade.txt',
      '      slots: { instruction: question, response: answer }',
      "      parser: { marker: 'Rating: [[', close: ']]', occurrence: last, scale: { min: 1, max: 10 } }",
      '  pairwise:',
      '    en:',
      '      id: compare',
      '      template: my-judge/compare.txt',
      '      slots: { instruction: question, response: a, response_another: b }',
      "      parser: { marker: '', occurrence: first, choices: { '[[A]]': first, '[[B]]': second, '[[C]]': tie } }",
      '',
    ].join('\n'),
  );
  return file;
}
