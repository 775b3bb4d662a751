import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { PairTask, SingleTask } from '../../harness/core/types.js';

/**
 * Real judging tasks from ../shared/data (README there): AlpacaEval outputs, Auto-J's
 * pairwise test pairs, its Chinese critique set, and the test vectors of
 * ../shared/docs/architecture.md, for tests that check prompts over real text.
 */

export const DATA = new URL('../../../shared/data/', import.meta.url).pathname;
export const RESULTS = `${DATA}alpaca_eval/results`;
const PAIRWISE = `${DATA}auto-j/data/test/testdata_pairwise.jsonl`;
const ZH_CRITIQUE = `${DATA}auto-j/data/test/zh_testdata_critique.jsonl`;
const ARCHITECTURE = new URL('../../../shared/docs/architecture.md', import.meta.url).pathname;

export const jsonl = <T>(file: string): T[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

interface Output {
  readonly instruction: string;
  readonly output: string | null;
}

/** A submission's outputs by instruction (a null output as an empty one, as the harness judges it). */
export function submissionOutputs(model: string): Map<string, string> {
  const rows = JSON.parse(
    gunzipSync(readFileSync(`${RESULTS}/${model}/model_outputs.json.gz`)).toString('utf8'),
  ) as Output[];
  return new Map(rows.map((r) => [r.instruction, r.output ?? '']));
}

/** Every `step`-th output of every submission, and the `longest` longest outputs of all. */
export function alpacaTasks(step: number, longest: number): SingleTask[] {
  const sample: Output[] = [];
  const long: Output[] = [];
  for (const model of readdirSync(RESULTS).sort()) {
    const file = `${RESULTS}/${model}/model_outputs.json.gz`;
    if (!existsSync(file)) continue;
    const rows = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as Output[];
    rows.forEach((r, i) => {
      if (i % step === 0) sample.push(r);
      if ((r.output?.length ?? 0) > 8_000) long.push(r);
    });
  }
  long.sort((a, b) => b.output!.length - a.output!.length);
  return [...sample, ...long.slice(0, longest)].map((r) => ({
    protocol: 'single',
    instruction: r.instruction,
    response: r.output,
  }));
}

/** Auto-J's 1,392 human-labelled pairs, each both ways round. */
export function pairTasks(): PairTask[] {
  const rows = jsonl<{ prompt: string; 'response 1': string; 'response 2': string }>(PAIRWISE);
  return rows.flatMap((r) => [
    { protocol: 'pairwise', instruction: r.prompt, first: r['response 1'], second: r['response 2'] },
    { protocol: 'pairwise', instruction: r.prompt, first: r['response 2'], second: r['response 1'] },
  ]);
}

/** Pairs of two submissions' outputs on the same instruction (long ones included). */
export function alpacaPairs(tasks: readonly SingleTask[]): PairTask[] {
  const out: PairTask[] = [];
  for (let i = 0; i + 1 < tasks.length; i += 2) {
    out.push({
      protocol: 'pairwise',
      instruction: tasks[i]!.instruction,
      first: tasks[i]!.response ?? '',
      second: tasks[i + 1]!.response ?? '',
    });
  }
  return out;
}

/** Auto-J's 232 Chinese critique tasks as single-protocol tasks. */
export function zhTasks(): SingleTask[] {
  return jsonl<{ prompt: string; response: string }>(ZH_CRITIQUE).map((r) => ({
    protocol: 'single',
    instruction: r.prompt,
    response: r.response,
  }));
}

/** A test vector of architecture.md: the JSON string on the line after `label`. */
export function architectureVector(label: string): string {
  const doc = readFileSync(ARCHITECTURE, 'utf8');
  const at = doc.indexOf(label);
  if (at < 0) throw new Error(`architecture.md has no "${label}"`);
  const line = doc.slice(doc.indexOf('\n', at) + 1).split('\n')[0]!;
  return JSON.parse(line.trim()) as string;
}
