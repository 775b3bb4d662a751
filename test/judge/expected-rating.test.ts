import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTemplate, SINGLE_EN } from './autoj-reference/templates.js';
import { expectedRating, type RatingPosition } from '../../harness/judge/generative/expected-rating.js';
import { loadJudgeProfile } from '../../harness/judge/generative/load.js';
import { simExpectedRating, startVllmSim, type VllmSim } from '../helpers/vllm-sim.js';

/** The rating parser of a profile's single protocol (a label parser has no rating position). */
function ratingPosition(name: string): RatingPosition {
  const parser = loadJudgeProfile(name).protocols.single!.en!.parser;
  if (!('marker' in parser)) throw new Error(`${name}: its single protocol does not rate`);
  return parser;
}
const AUTOJ = ratingPosition('autoj');
const MTBENCH = ratingPosition('mtbench');

/** Completions-style logprobs from [token, chosen probability, alternatives] triples. */
function completion(steps: [string, number, Record<string, number>?][]) {
  const lp = (q: number) => Math.log(q);
  let offset = 0;
  const text_offset: number[] = [];
  for (const [t] of steps) {
    text_offset.push(offset);
    offset += t.length;
  }
  return {
    tokens: steps.map(([t]) => t),
    token_logprobs: steps.map(([, q]) => lp(q)),
    top_logprobs: steps.map(([t, q, alts]) =>
      Object.fromEntries(Object.entries(alts ?? { [t]: q }).map(([k, v]) => [k, lp(v)])),
    ),
    text_offset,
  };
}

/** The same in the chat API's shape. */
function chat(c: ReturnType<typeof completion>) {
  return {
    content: c.tokens.map((token, i) => ({
      token,
      logprob: c.token_logprobs[i],
      top_logprobs: Object.entries(c.top_logprobs[i]!).map(([t, l]) => ({ token: t, logprob: l })),
    })),
  };
}

const prefix: [string, number][] = [
  ['The ', 0.9],
  ['response ', 0.9],
  ['is ', 0.9],
  ['fine.\n\n', 0.9],
  ['Rating: ', 0.95],
  ['[[', 0.99],
];

describe('expected rating from logprobs', () => {
  it('is the probability-weighted rating at the first digit, renormalised over valid ratings', () => {
    const lp = completion([
      ...prefix,
      ['7', 0.5, { '7': 0.5, '6': 0.2, '8': 0.1, N: 0.1, '0': 0.05 }],
      [']]', 0.99],
    ]);
    const got = expectedRating(lp, AUTOJ);
    const mass = 0.5 + 0.2 + 0.1;
    expect(got.value).toBeCloseTo((7 * 0.5 + 6 * 0.2 + 8 * 0.1) / mass, 12);
    expect(got.mass).toBeCloseTo(mass, 12);
    expect(got.greedy).toBe(7);
    expect(got.approximated).toBe(false);
    expect(got.distribution['6']).toBeCloseTo(0.2 / mass, 12);
    expect(expectedRating(chat(lp), AUTOJ)).toEqual(got);
  });

  it('splits "1" by the next token when the greedy path went through it: 10', () => {
    const lp = completion([
      ...prefix,
      ['1', 0.6, { '1': 0.6, '9': 0.3, '8': 0.1 }],
      ['0', 0.8, { '0': 0.8, ']]': 0.15, '5': 0.05 }],
      [']]', 0.99],
    ]);
    const got = expectedRating(lp, AUTOJ);
    // p(10) = 0.6 * 0.8, p(1) = 0.6 * 0.15, "15" is off the scale
    const p = { 10: 0.48, 1: 0.09, 9: 0.3, 8: 0.1 };
    const mass = 0.48 + 0.09 + 0.3 + 0.1;
    expect(got.value).toBeCloseTo((10 * p[10] + 1 * p[1] + 9 * p[9] + 8 * p[8]) / mass, 12);
    expect(got.greedy).toBe(10);
    expect(got.approximated).toBe(false);
    expect(expectedRating(chat(lp), AUTOJ)).toEqual(got);
  });

  it('splits "1" by the next token when the greedy path went through it: 1', () => {
    const lp = completion([
      ...prefix,
      ['1', 0.7, { '1': 0.7, '2': 0.3 }],
      [']]', 0.9, { ']]': 0.9, '0': 0.1 }],
    ]);
    const got = expectedRating(lp, AUTOJ);
    const mass = 0.63 + 0.07 + 0.3;
    expect(got.value).toBeCloseTo((1 * 0.63 + 10 * 0.07 + 2 * 0.3) / mass, 12);
    expect(got.greedy).toBe(1);
  });

  it('gives "1" to the rating nearer the greedy one when the path did not go through it', () => {
    const high = expectedRating(
      completion([...prefix, ['9', 0.6, { '9': 0.6, '8': 0.2, '1': 0.2 }], [']]', 0.99]]),
      AUTOJ,
    );
    expect(high.value).toBeCloseTo((9 * 0.6 + 8 * 0.2 + 10 * 0.2) / 1, 12);
    expect(high.approximated).toBe(true);
    const low = expectedRating(
      completion([...prefix, ['3', 0.6, { '3': 0.6, '2': 0.2, '1': 0.2 }], [']]', 0.99]]),
      AUTOJ,
    );
    expect(low.value).toBeCloseTo(3 * 0.6 + 2 * 0.2 + 1 * 0.2, 12);
    expect(low.approximated).toBe(true);
  });

  it('reads the last marker for Auto-J and the first for MT-Bench', () => {
    const lp = completion([
      ['Rating: ', 1],
      ['[[', 1],
      ['2', 1, { '2': 1 }],
      [']]', 1],
      [' then ', 1],
      ['Rating: ', 1],
      ['[[', 1],
      ['6', 0.5, { '6': 0.5, '5': 0.5 }],
      [']]', 1],
    ]);
    expect(expectedRating(lp, AUTOJ).value).toBeCloseTo(5.5, 12);
    expect(expectedRating(lp, MTBENCH).value).toBe(2);
  });

  it('a token with the digit behind a space, and a decimal alternative that drops out', () => {
    const spec: RatingPosition = { ...AUTOJ, marker: 'Score:', occurrence: 'last' };
    const lp = completion([
      ['Score:', 1],
      [' 4', 0.5, { ' 4': 0.5, ' 5': 0.3, ' 4.5': 0.2 }],
    ]);
    expect(expectedRating(lp, spec).greedy).toBe(4);
    expect(expectedRating(lp, spec).mass).toBeCloseTo(0.8, 12);
    expect(expectedRating(lp, spec).value).toBeCloseTo((4 * 0.5 + 5 * 0.3) / 0.8, 12);
  });

  it('says why, never throws and never gives 0, on anything a server may send', () => {
    const noMarker = completion([
      ['Looks ', 1],
      ['good.', 1],
    ]);
    expect(expectedRating(noMarker, AUTOJ)).toMatchObject({
      value: null,
      reason: 'no rating marker ("Rating: [[")',
    });
    const garbled = completion([...prefix, ['N/A', 1], [']]', 1]]);
    expect(expectedRating(garbled, AUTOJ).reason).toBe('no number after the rating marker');
    const noTop = { ...completion([...prefix, ['5', 1], [']]', 1]]), top_logprobs: null };
    expect(expectedRating(noTop, AUTOJ).reason).toBe('no top_logprobs at the rating position');
    const merged = completion([
      ['Rating: [[5', 1],
      [']]', 1],
    ]);
    expect(expectedRating(merged, AUTOJ).reason).toBe('the rating shares a token with the marker');
    const offScale = completion([...prefix, ['0', 1, { '0': 0.9, N: 0.1 }], [']]', 1]]);
    expect(expectedRating(offScale, AUTOJ)).toMatchObject({
      value: null,
      mass: 0,
      reason: 'no valid rating among the alternatives',
    });
    for (const junk of [null, undefined, 'text', 42, [], {}, { tokens: [1, 2] }, { content: [null] }]) {
      const got = expectedRating(junk, AUTOJ);
      expect(got.value).toBeNull();
      expect(typeof got.reason).toBe('string');
    }
    // alternatives that are not numbers, or absurd logprobs, are skipped
    const odd = completion([...prefix, ['5', 1], [']]', 1]]);
    (odd.top_logprobs as unknown[])[6] = { '5': -0.1, '6': 'x', '7': Number.NaN, '8': 50 };
    expect(expectedRating(odd, AUTOJ).value).toBeCloseTo((5 * Math.exp(-0.1) + 8) / (Math.exp(-0.1) + 1), 12);
  });
});

/**
 * End to end against vllm-sim: Auto-J single prompts with `logprobs: 5` on
 * /v1/completions (and `top_logprobs: 5` on /v1/chat/completions); the expected rating of
 * each answer must be the mean of the distribution vllm-sim's README states around the
 * rating it logged (0.62 on it, 0.15 on each neighbour, 0.04 two away, renormalised inside
 * 1..10), computed here from the log alone.
 */
describe('expected rating from vllm-sim', () => {
  let sim: VllmSim;
  let work: string;
  let log: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'expected-rating-'));
    log = join(work, 'sim.log');
    sim = await startVllmSim(['--time-scale', '1000', '--log', log]);
  });

  afterAll(async () => {
    await sim?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  async function loggedRatings(count: number): Promise<Map<string, number | null>> {
    // the simulator appends a line per finished sequence; wait until all are flushed
    for (let attempt = 0; attempt < 200; attempt++) {
      const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
      if (lines.length >= count) {
        const byResponse = new Map<string, number | null>();
        for (const l of lines) {
          const entry = JSON.parse(l) as { responses: string[]; rating: number | null };
          byResponse.set(entry.responses[0]!, entry.rating);
        }
        return byResponse;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`vllm-sim logged fewer than ${count} sequences`);
  }

  it('matches the README distribution around the logged rating, completions and chat shapes', async () => {
    const template = compileTemplate('single', SINGLE_EN);
    // responses from a refusal to a long structured answer, so that ratings spread over the scale
    const responses = Array.from({ length: 24 }, (_, i) => {
      const body = 'A careful answer that explains each step and gives an example. '.repeat(1 + i * 3);
      const list = i % 3 === 0 ? '\n- first point\n- second point\n' : '';
      return i % 4 === 1 ? `I'm sorry, I cannot help with that (${i}).` : `${body}${list}(variant ${i})`;
    });
    const prompts = responses.map((response) =>
      template.fill({ prompt: 'Explain how tides work.', response }),
    );
    const res = await fetch(`${sim.url}/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'GAIR/autoj-13b',
        prompt: prompts,
        max_tokens: 1024,
        temperature: 0,
        logprobs: 5,
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: { index: number; logprobs: unknown; text: string }[] };

    const chatResponse = responses[6]!;
    const chatRes = await fetch(`${sim.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'GAIR/autoj-13b',
        messages: [
          {
            role: 'user',
            content: compileTemplate('single', SINGLE_EN, '{input}').fill({
              prompt: 'Explain how tides work.',
              response: chatResponse,
            }),
          },
        ],
        max_tokens: 1024,
        logprobs: true,
        top_logprobs: 5,
      }),
    });
    expect(chatRes.status).toBe(200);
    const chatBody = (await chatRes.json()) as { choices: { logprobs: unknown }[] };

    const logged = await loggedRatings(responses.length + 1);
    const seen = new Set<number>();
    for (const choice of body.choices) {
      const rating = logged.get(responses[choice.index]!.trim());
      expect(rating, `response ${choice.index} logged`).not.toBeUndefined();
      const got = expectedRating(choice.logprobs, AUTOJ);
      if (rating === null || rating === undefined) {
        expect(got.value).toBeNull();
        continue;
      }
      seen.add(rating);
      expect(got.greedy).toBe(rating);
      expect(Math.abs(got.value! - simExpectedRating(rating)), `rating ${rating}`).toBeLessThan(1e-12);
      expect(got.mass).toBeCloseTo(1, 6);
    }
    // the spread this test relies on: a 1 (the "1" split by the next token), 2..5 and 6..9
    // (the "1" alternative given to 1 and to 10 by the approximation). The simulator never
    // rates a single response 10 (its quality tops out below 9.5); the unit tests cover 10.
    expect(seen.has(1)).toBe(true);
    expect([...seen].some((r) => r >= 2 && r <= 3)).toBe(true);
    expect([...seen].some((r) => r >= 8 && r <= 9)).toBe(true);

    const chatRating = logged.get(chatResponse.trim())!;
    const chatGot = expectedRating(chatBody.choices[0]!.logprobs, AUTOJ);
    expect(chatGot.greedy).toBe(chatRating);
    expect(Math.abs(chatGot.value! - simExpectedRating(chatRating))).toBeLessThan(1e-12);
  });
});
