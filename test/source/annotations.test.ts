import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../harness/core/errors.js';
import { HttpFiles, LocalFiles, NotCachedError } from '../../harness/source/files.js';
import { preferenceVerdict, readAnnotations, type AnnotatorName } from '../../harness/source/annotations.js';
import { SHARED_DATA } from '../helpers/cli.js';

const AE = `${SHARED_DATA}/alpaca_eval`;
const AE2: AnnotatorName = 'weighted_alpaca_eval_gpt4_turbo';
const AE1: AnnotatorName = 'alpaca_eval_gpt4';

/** A tree with one annotations file for `model`, its content given. */
function treeWith(model: string, annotator: AnnotatorName, body: string | Buffer, name = 'annotations.json') {
  const root = mkdtempSync(join(tmpdir(), 'bench-ann-'));
  mkdirSync(join(root, 'results', model, annotator), { recursive: true });
  writeFileSync(join(root, 'results', model, annotator, name), body);
  return new LocalFiles(root);
}

const entry = (over: Record<string, unknown> = {}) => ({
  instruction: 'Say hi.',
  generator_1: 'text_davinci_003',
  generator_2: 'm',
  preference: 2,
  ...over,
});

describe('the GPT-4 annotations of a submission', () => {
  it('reads the shared data as it is: weighted floats for AlpacaEval 2, draws and nulls for AlpacaEval 1', async () => {
    const files = new LocalFiles(AE);
    const ae2 = (await readAnnotations(files, 'gemma-2b-it', AE2))!;
    const raw = JSON.parse(
      gunzipSync(readFileSync(`${AE}/results/gemma-2b-it/${AE2}/annotations.json.gz`)).toString(),
    ) as { instruction: string; preference: number }[];
    expect(ae2.entries).toHaveLength(raw.length);
    expect(ae2.entries[7]).toEqual({ instruction: raw[7]!.instruction, preference: raw[7]!.preference });
    expect(ae2.generators).toEqual(['gemma-2b-it']);
    expect(ae2.file).toBe(`${AE}/results/gemma-2b-it/${AE2}/annotations.json.gz`);
    const phi = (await readAnnotations(files, 'phi-2', AE1))!;
    const prefs = new Set(phi.entries.map((e) => e.preference));
    expect([...prefs].sort()).toEqual([0, 1, 2, null].sort());
    // a renamed submission: the annotations name the generator its outputs name
    expect((await readAnnotations(files, 'NullModel', AE2))!.generators).toEqual(['example']);
    expect(await readAnnotations(files, 'gemma-2b-it', AE1)).toBeNull();
  });

  it("reads preference as alpaca_eval's discrete win rate does: below 1.5 the baseline, above the model", () => {
    expect(preferenceVerdict(1)).toBe('first');
    expect(preferenceVerdict(1.4999)).toBe('first');
    expect(preferenceVerdict(1.5)).toBe('tie');
    expect(preferenceVerdict(0)).toBe('tie');
    expect(preferenceVerdict(1.5000001)).toBe('second');
    expect(preferenceVerdict(2)).toBe('second');
    expect(preferenceVerdict(null)).toBeNull();
  });

  it('takes .json before .json.gz, ignores extra fields, and reads a null preference as no verdict', async () => {
    const files = treeWith('m', AE1, JSON.stringify([entry({ output_1: 'a', preference: null, extra: 1 })]));
    const got = (await readAnnotations(files, 'm', AE1))!;
    expect(got.entries).toEqual([{ instruction: 'Say hi.', preference: null }]);
    const gz = treeWith('m', AE1, gzipSync(JSON.stringify([entry()])), 'annotations.json.gz');
    expect((await readAnnotations(gz, 'm', AE1))!.entries[0]!.preference).toBe(2);
  });

  const bad: [string, string | Buffer, RegExp][] = [
    ['not an array', '{"a":1}', /expected a JSON array of .* found an object$/],
    ['not JSON', '[{"instruction":', /truncated JSON/],
    ['a bad gzip', Buffer.from([0x1f, 0x8b, 1, 2, 3]), /not a valid gzip file/],
    ['an entry that is not an object', '[1]', /entry 0 is a number, not an object$/],
    ['no instruction', JSON.stringify([entry({ instruction: 3 })]), /entry 0 has no "instruction" string$/],
    [
      'another baseline',
      JSON.stringify([entry({ generator_1: 'x\u001b[2J' })]),
      /entry 0 has "generator_1" "x\\u001b\[2J", not alpaca_eval_gpt4's baseline "text_davinci_003"$/,
    ],
    [
      'no generator_2',
      JSON.stringify([entry({ generator_2: null })]),
      /entry 0 has no "generator_2" string$/,
    ],
    [
      'a preference out of range',
      JSON.stringify([entry(), entry({ preference: 3 })]),
      /entry 1 has "preference" 3, not 1..2, 0 \(a draw\) or null$/,
    ],
    [
      'a preference as text',
      JSON.stringify([entry({ preference: '2' })]),
      /entry 0 has "preference" a string/,
    ],
  ];
  for (const [what, body, message] of bad) {
    it(`refuses ${what} in one line naming the file`, async () => {
      const files = treeWith('m', AE1, body);
      const error = await readAnnotations(files, 'm', AE1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      const text = (error as InputError).message;
      expect(text.startsWith(files.describe(`results/m/${AE1}/annotations.json`) + ': ')).toBe(true);
      expect(text).toMatch(message);
      expect(text).not.toContain('\n');
    });
  }

  it('reads through an HTTP source and its cache (offline: not cached is said, absent is null)', async () => {
    const body = gzipSync(JSON.stringify([entry()]));
    const seen: string[] = [];
    const fetch = async (url: string) => {
      seen.push(url);
      return url.endsWith('/results/m/alpaca_eval_gpt4/annotations.json.gz')
        ? new Response(body, { status: 200, headers: { etag: '"1"' } })
        : new Response('404: Not Found', { status: 404 });
    };
    const cache = mkdtempSync(join(tmpdir(), 'bench-ann-cache-'));
    const online = new HttpFiles('http://127.0.0.1:9/ae/', cache, { fetch });
    expect((await readAnnotations(online, 'm', AE1))!.entries).toHaveLength(1);
    expect(await readAnnotations(online, 'm', AE2)).toBeNull();
    expect(seen).toContain('http://127.0.0.1:9/ae/results/m/alpaca_eval_gpt4/annotations.json');
    const offline = new HttpFiles('http://127.0.0.1:9/ae/', cache, { fetch, offline: true });
    seen.length = 0;
    expect((await readAnnotations(offline, 'm', AE1))!.file).toMatch(/annotations\.json\.gz$/);
    expect(await readAnnotations(offline, 'm', AE2)).toBeNull();
    await expect(readAnnotations(offline, 'other', AE1)).rejects.toBeInstanceOf(NotCachedError);
    expect(seen).toEqual([]);
  });
});
