import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAlpacaTree, outputsOfLength } from '../helpers/alpaca-tree.js';
import { writeMyJudge } from '../helpers/judge-profile.js';
import { startVllmSim, type VllmSim } from '../helpers/vllm-sim.js';
import { refresh, workspace } from './helpers.js';

/**
 * `bench refresh` with judges that are profiles: a user's profile file keeps its
 * leaderboard under the profile's name (not its path), and a profile that leaves the model
 * open (mtbench) learns its identity from the server before it decides whether anything
 * is new.
 */

const AE2 =
  ',win_rate,length_controlled_winrate,mode\nlong,70,60,community\nmid,50,50,minimal\nshort,30,40,community\n';
const tree = makeAlpacaTree(
  {
    long: { outputs: outputsOfLength(6, 300) },
    mid: { outputs: outputsOfLength(6, 200) },
    short: { outputs: outputsOfLength(6, 100) },
  },
  { ae2: AE2 },
);
const LLAMA3 = 'meta-llama/Meta-Llama-3-70B-Instruct';
/** the tree answers 6 of the 805 instructions: coverage is not what is checked here */
const TINY = ['--min-coverage', '0', '--json'];

let mine: VllmSim;
let llama: VllmSim;
beforeAll(async () => {
  [mine, llama] = await Promise.all([
    startVllmSim(['--time-scale', '1000', '--model', 'me/my-judge-7b']),
    startVllmSim(['--time-scale', '1000', '--model', LLAMA3, '--max-model-len', '8192']),
  ]);
});
afterAll(async () => {
  await Promise.all([mine.stop(), llama.stop()]);
});

interface Outcome {
  status: string;
  judge: string;
  files?: { json: string };
}

describe('bench refresh --judge with profiles', () => {
  it('a profile file: the leaderboard is leaderboards/<its name>/, and a second night writes nothing', async () => {
    const ws = workspace();
    const profile = writeMyJudge(ws.root);
    for (const judge of ['./my-judge.yaml', profile]) {
      const r = await refresh(
        ws,
        ['--judge', judge, '--endpoint', mine.url, '--date', '2024-05-01', ...TINY],
        {
          ALPACA_EVAL_SOURCE: tree,
        },
      );
      expect(r.code, r.stderr).toBe(0);
      const outcome = JSON.parse(r.stdout) as Outcome;
      // the first night writes the snapshot; the same judge by another path finds nothing new
      expect(outcome).toMatchObject({
        status: judge === profile ? 'unchanged' : 'updated',
        judge: 'my-judge',
      });
    }
    expect(readdirSync(ws.leaderboards)).toEqual(['my-judge']);
    const latest = JSON.parse(readFileSync(join(ws.leaderboards, 'my-judge', 'latest.json'), 'utf8')) as {
      judge: { name: string; model: string };
      models: { model: string }[];
    };
    expect(latest.judge).toMatchObject({ name: 'my-judge', model: 'me/my-judge-7b' });
    expect(latest.models.map((m) => m.model).sort()).toEqual(['long', 'mid', 'short']);
  });

  it('mtbench: the served model is the judge; the same model again is nothing new, another model is', async () => {
    const ws = workspace();
    const night = (date: string, url: string) =>
      refresh(ws, ['--judge', 'mtbench', '--endpoint', url, '--date', date, ...TINY], {
        ALPACA_EVAL_SOURCE: tree,
      });
    const first = await night('2024-05-01', llama.url);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ status: 'updated', judge: 'mtbench' });
    const latest = JSON.parse(readFileSync(join(ws.leaderboards, 'mtbench', 'latest.json'), 'utf8')) as {
      judge: { model: string };
    };
    expect(latest.judge.model).toBe(LLAMA3);

    const same = await night('2024-05-02', llama.url);
    expect(same.code, same.stderr).toBe(0);
    expect(JSON.parse(same.stdout)).toMatchObject({ status: 'unchanged' });

    const other = await night('2024-05-02', mine.url);
    expect(other.code, other.stderr).toBe(0);
    expect(JSON.parse(other.stdout)).toMatchObject({ status: 'updated' });
    expect(existsSync(join(ws.leaderboards, 'mtbench', '2024-05-02.json'))).toBe(true);
  });
});
