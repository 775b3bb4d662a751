import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  judgmentKey,
  keyObject,
  sameSampling,
  sha256Hex,
  templateVersion,
} from '../../harness/judge/key.js';

describe('canonicalJson', () => {
  it('sorts keys recursively, keeps array order, no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ x: 'é\n"' })).toBe('{"x":"é\\n\\""}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it('refuses what JSON cannot represent', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/NaN/);
    expect(() => canonicalJson({ a: Infinity })).toThrow(/Infinity/);
    expect(() => canonicalJson({ a: undefined } as unknown as { a: null })).toThrow(/undefined/);
  });
});

describe('judgmentKey and templateVersion', () => {
  const parts = { model: 'GAIR/autoj-13b', templateVersion: '0123456789abcdef', prompt: '[INST] x [/INST]' };
  const sampling = { temperature: 0, top_p: 1, max_tokens: 1024 };

  it('is the sha256 of the canonical JSON of model, template version, prompt and sampling', () => {
    const expected = sha256Hex(
      '{"model":"GAIR/autoj-13b","prompt":"[INST] x [/INST]","sampling":{"max_tokens":1024,"temperature":0,"top_p":1},"templateVersion":"0123456789abcdef"}',
    );
    expect(judgmentKey({ ...parts, sampling })).toBe(expected);
    expect(judgmentKey({ ...parts, sampling: { max_tokens: 1024, top_p: 1, temperature: 0 } })).toBe(
      expected,
    );
  });

  it('changes with each part', () => {
    const k = judgmentKey({ ...parts, sampling });
    expect(judgmentKey({ ...parts, model: 'GAIR/autoj-bilingual-6b', sampling })).not.toBe(k);
    expect(judgmentKey({ ...parts, templateVersion: 'fedcba9876543210', sampling })).not.toBe(k);
    expect(judgmentKey({ ...parts, prompt: '[INST] x  [/INST]', sampling })).not.toBe(k);
    expect(judgmentKey({ ...parts, sampling: { ...sampling, max_tokens: 1023 } })).not.toBe(k);
    expect(judgmentKey({ ...parts, sampling: { ...sampling, top_p: 0.9 } })).not.toBe(k);
  });

  it('template version: 16 hex of sha256', () => {
    expect(templateVersion('abc')).toBe('ba7816bf8f01cfea');
  });
});

describe('judgmentKey: the direct form equals the canonical JSON form', () => {
  // Keys written by earlier versions must still be found: judgmentKey builds the
  // canonical JSON text directly, and must give exactly sha256(canonicalJson(keyObject)).
  const prompts = [
    '',
    '[INST] plain [/INST]',
    'quotes " and \\ backslashes, tabs\t and\nnewlines\r\n',
    'control \u0000\u0001\u001f and DEL \u007f',
    'non-ASCII: é ü 中文 — “curly” ‘quotes’ …',
    'emoji 😀 and a lone surrogate \ud800 and \udc00',
    'line separators \u2028\u2029',
    'x'.repeat(20_000),
  ];
  const samplings = [
    { temperature: 0, top_p: 1, max_tokens: 1024 },
    { temperature: 0.7, top_p: 0.95, max_tokens: 1 },
    { temperature: -0, top_p: 1e-7, max_tokens: 1e21 },
  ];

  it('for every prompt and sampling', () => {
    for (const prompt of prompts) {
      for (const sampling of samplings) {
        for (const model of ['GAIR/autoj-13b', 'm "quoted" é']) {
          const parts = { model, templateVersion: '0123456789abcdef', prompt, sampling };
          expect(judgmentKey(parts)).toBe(sha256Hex(canonicalJson(keyObject(parts))));
        }
      }
    }
  });

  it('still refuses what JSON cannot represent', () => {
    const parts = { model: 'm', templateVersion: 'v', prompt: 'p' };
    expect(() => judgmentKey({ ...parts, sampling: { temperature: NaN, top_p: 1, max_tokens: 1 } })).toThrow(
      /NaN/,
    );
    expect(() =>
      judgmentKey({ ...parts, sampling: { temperature: 0, top_p: Infinity, max_tokens: 1 } }),
    ).toThrow(/Infinity/);
    expect(() =>
      judgmentKey({ ...parts, sampling: { temperature: 0, top_p: 1 } as unknown as (typeof samplings)[0] }),
    ).toThrow(/undefined/);
  });
});

describe('judgmentKey: the whole sampling record (issue 10)', () => {
  const parts = { model: 'GAIR/autoj-13b', templateVersion: '0123456789abcdef', prompt: '[INST] x [/INST]' };
  const sampling = { temperature: 0, top_p: 1, max_tokens: 1024 };

  it('an extra field (repetition_penalty) gives another key; its value and its absence count', () => {
    const plain = judgmentKey({ ...parts, sampling });
    const penalised = judgmentKey({ ...parts, sampling: { ...sampling, repetition_penalty: 1.03 } });
    expect(penalised).not.toBe(plain);
    expect(judgmentKey({ ...parts, sampling: { ...sampling, repetition_penalty: 1.1 } })).not.toBe(penalised);
    expect(penalised).toBe(
      sha256Hex(
        '{"model":"GAIR/autoj-13b","prompt":"[INST] x [/INST]","sampling":{"max_tokens":1024,' +
          '"repetition_penalty":1.03,"temperature":0,"top_p":1},"templateVersion":"0123456789abcdef"}',
      ),
    );
    // field order never matters, nested values are canonical too
    const stop = { ...sampling, stop: ['</s>', '\n\n'], extra: { b: 1, a: 2 } };
    expect(judgmentKey({ ...parts, sampling: stop })).toBe(
      judgmentKey({ ...parts, sampling: { extra: { a: 2, b: 1 }, stop: ['</s>', '\n\n'], ...sampling } }),
    );
    expect(judgmentKey({ ...parts, sampling: stop })).not.toBe(
      judgmentKey({ ...parts, sampling: { ...stop, stop: ['\n\n', '</s>'] } }),
    );
  });

  it('records of the three fields keep the keys stored so far', () => {
    expect(judgmentKey({ ...parts, sampling })).toBe(
      sha256Hex(
        '{"model":"GAIR/autoj-13b","prompt":"[INST] x [/INST]","sampling":{"max_tokens":1024,"temperature":0,"top_p":1},"templateVersion":"0123456789abcdef"}',
      ),
    );
    const withExtra = { ...parts, sampling: { ...sampling, seed: 7 } };
    expect(judgmentKey(withExtra)).toBe(sha256Hex(canonicalJson(keyObject(withExtra))));
  });

  it('sameSampling compares every field', () => {
    expect(sameSampling(sampling, { max_tokens: 1024, top_p: 1, temperature: 0 })).toBe(true);
    expect(sameSampling(sampling, { ...sampling, repetition_penalty: 1.03 })).toBe(false);
    expect(sameSampling({ ...sampling, repetition_penalty: 1.03 }, sampling)).toBe(false);
    expect(
      sameSampling({ ...sampling, repetition_penalty: 1.03 }, { ...sampling, repetition_penalty: 1.03 }),
    ).toBe(true);
    expect(sameSampling({ ...sampling, stop: ['a'] }, { ...sampling, stop: ['a'] })).toBe(true);
    expect(sameSampling({ ...sampling, stop: ['a'] }, { ...sampling, stop: ['b'] })).toBe(false);
    expect(sameSampling({ ...sampling, a: 1 }, { ...sampling, b: 1 })).toBe(false);
    expect(sameSampling(sampling, { ...sampling, temperature: 0.7 })).toBe(false);
  });
});
