import type { PreparedRequest } from '../../harness/judge/judge.js';

/** Auto-J's single-response prompt (byte-exact with the architecture page's test vector). */
export function autojSinglePrompt(query: string, response: string): string {
  return (
    "[INST] Write critiques for a submitted response on a given user's query, and grade the response:\n  \n" +
    `[BEGIN DATA]\n***\n[Query]: ${query}\n***\n[Response]: ${response}\n***\n[END DATA]\n\n` +
    'Write critiques for this response. After that, you should give a final rating for the response on a ' +
    'scale of 1 to 10 by strictly following this format: "[[rating]]", for example: "Rating: [[5]]". [/INST]'
  );
}

export const SAMPLING = { temperature: 0, top_p: 1, max_tokens: 1024 } as const;

export function request(i: number, model = 'GAIR/autoj-13b'): PreparedRequest {
  const query = `Give me three tips for staying healthy (${i}).`;
  const response =
    i % 3 === 0
      ? `1. Eat a balanced diet.\n2. Exercise regularly.\n3. Sleep at least seven hours (${i}).`
      : `Drink water, move every day and get enough sleep. Variant ${i}.`;
  return { key: `key-${i}`, model, prompt: autojSinglePrompt(query, response), sampling: SAMPLING };
}
