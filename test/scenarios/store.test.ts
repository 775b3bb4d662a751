import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGenerativeJudge } from '../../harness/judge/generative/judge.js';
import { loadJudgeProfile } from '../../harness/judge/generative/load.js';
import { parseCompletionWithSpec } from '../../harness/judge/generative/parse.js';
import type { PreparedRequest } from '../../harness/judge/judge.js';
import { runJudgments, type CompletionClient } from '../../harness/runner/run-judgments.js';
import { storeJudgmentCache } from '../../harness/runner/store-cache.js';
import { JudgmentStore } from '../../harness/store/judgment-store.js';
import { storedJudgment, validateRecord } from '../../harness/store/record.js';
import { SCHEMA_VERSION } from '../../harness/store/schema.js';
import { labelsOf, predictionsOf, scenarioTask } from '../../suites/scenarios/classify.js';
import { singleRecord, tempDir } from '../store/records.js';

/**
 * The classifier's answers go through the judgment store like every judgment: a label is
 * stored with its judgment (schema version 3), found again by a rerun (which sends
 * nothing), re-parsed from the raw text, and older stores are migrated or read as they are.
 */

const never = new AbortController().signal;
const classifier = createGenerativeJudge(loadJudgeProfile('autoj-scenario-classifier'));
const queries = [
  'Write a Python function to sort a list.',
  'Plan a weekend in Rome.',
  'Tell me a joke',
  'asdf',
];
/** what the fake server answers: a label for most, something else for the last */
const answer = (prompt: string) =>
  prompt.includes('Python')
    ? 'code_generation'
    : prompt.includes('Rome')
      ? 'planning'
      : prompt.includes('joke')
        ? ' chitchat\n'
        : 'no idea';

let dir: string;
let cleanup: () => void;
let file: string;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('scenarios-store-'));
  file = join(dir, 'judgments.sqlite');
});
afterEach(() => cleanup());

function fakeClient(): CompletionClient & { sent: PreparedRequest[] } {
  const sent: PreparedRequest[] = [];
  return {
    sent,
    complete: (request) => {
      sent.push(request);
      return Promise.resolve({
        text: answer(request.prompt),
        finishReason: 'stop',
        endpoint: 'http://127.0.0.1:1/v1',
        latencyMs: 3,
      });
    },
  };
}

async function labelRun(client: CompletionClient) {
  const store = JudgmentStore.open(file);
  const cache = storeJudgmentCache(store, classifier.info);
  try {
    return await runJudgments(classifier, queries.map(scenarioTask), {
      label: 't',
      signal: never,
      cache,
      client,
    });
  } finally {
    cache.close();
    store.close();
  }
}

describe("the scenario classifier's judgments in the store", () => {
  it('are stored with their label; a rerun finds them and sends nothing', async () => {
    const first = fakeClient();
    const run1 = await labelRun(first);
    expect(first.sent).toHaveLength(4);
    expect(labelsOf(run1.judgments)).toEqual(['code_generation', 'planning', 'chitchat', null]);
    expect(run1.summary).toMatchObject({ requested: 4, sent: 4, unparsed: 1 });

    const second = fakeClient();
    const run2 = await labelRun(second);
    expect(second.sent).toHaveLength(0);
    expect(run2.summary).toMatchObject({ cached: 4, sent: 0 });
    expect(predictionsOf(run2.judgments)).toEqual(predictionsOf(run1.judgments));

    const store = JudgmentStore.open(file, { readonly: true });
    try {
      const key = run1.judgments[0]!.key!;
      expect(store.get(key)).toMatchObject({
        protocol: 'single',
        status: 'ok',
        label: 'code_generation',
        text: 'code_generation',
      });
      const outcome = store.getOutcomes([key]).get(key)!;
      expect(outcome.label).toBe('code_generation');
      expect(storedJudgment(outcome)).toEqual({
        kind: 'ok',
        label: 'code_generation',
        truncated: false,
        key,
      });
      const unparsed = store.get(run1.judgments[3]!.key!)!;
      expect(unparsed).toMatchObject({ status: 'unparsed', unparsedReason: 'not a known label: "no idea"' });
      expect('label' in unparsed).toBe(false);
    } finally {
      store.close();
    }
  });

  it('a label is re-parsed from the raw text like a rating', async () => {
    await labelRun(fakeClient());
    const store = JudgmentStore.open(file);
    try {
      const parser = classifier.variant.parser;
      // a parser that no longer knows "planning": that judgment becomes unparsed, the others stay
      const narrower = {
        ...parser,
        labels: parser.kind === 'label' ? parser.labels.filter((l) => l !== 'planning') : [],
      };
      const result = store.reparse((j) => {
        const p = parseCompletionWithSpec({ text: j.text, finishReason: j.finishReason }, narrower);
        return p.kind === 'ok'
          ? { status: 'ok', ...(p.label ? { label: p.label } : {}) }
          : { status: 'unparsed', reason: p.reason };
      });
      expect(result).toEqual({ examined: 4, changed: 1 });
      const labels = [...store.iterate()].map((j) => j.label ?? null).sort();
      expect(labels).toEqual(['chitchat', 'code_generation', null, null]);
    } finally {
      store.close();
    }
  });

  it('a record with a label is checked: a name, on a parsed judgment only', () => {
    expect(() => validateRecord(singleRecord(1, { rating: null, label: 'planning' }))).not.toThrow();
    expect(() => validateRecord(singleRecord(1, { rating: null, label: '' }))).toThrow(
      /label "" is not a name/,
    );
    expect(() =>
      validateRecord(
        singleRecord(1, { status: 'unparsed', rating: null, unparsedReason: 'x', label: 'planning' }),
      ),
    ).toThrow(/an unparsed judgment has no rating or verdict \(or label\)/);
    expect(() => validateRecord(singleRecord(1, { rating: null }))).toThrow(/needs a rating or a verdict/);
  });

  it('a store of version 2 is read as it is (no labels) and migrated when opened for writing', () => {
    const store = JudgmentStore.open(file);
    store.put(singleRecord(1));
    store.close();
    const raw = new Database(file);
    raw.exec('ALTER TABLE judgments DROP COLUMN label');
    raw.pragma('user_version = 2');
    raw.close();

    const reader = JudgmentStore.open(file, { readonly: true });
    expect(reader.get(singleRecord(1).key)).toEqual(singleRecord(1));
    expect(reader.getOutcomes([singleRecord(1).key]).get(singleRecord(1).key)).toMatchObject({ rating: 2 });
    reader.close();

    const writer = JudgmentStore.open(file);
    writer.put(singleRecord(2, { rating: null, label: 'planning' }));
    expect(writer.get(singleRecord(2).key)!.label).toBe('planning');
    expect(writer.get(singleRecord(1).key)).toEqual(singleRecord(1));
    writer.close();
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(4);
    check.close();
  });
});
