import { describe, expect, it } from 'vitest';
import { canonicalJson, judgmentKey, sha256Hex, templateVersion } from '../../harness/judge/key.js';

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
