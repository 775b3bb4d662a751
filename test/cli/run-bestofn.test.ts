import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGenerativeJudge } from '../../harness/judge/generative/judge.js';
import { loadJudgeProfile } from '../../harness/judge/generative/load.js';
import { runBench } from '../helpers/cli.js';
import { loggedSimForFile, readSimLog } from '../helpers/vllm-sim.js';

/**
 * `bench run bestofn` from the command line on the fixture (3 queries x 2 base models x 32
 * candidates): recorded (the file's autoj ratings) and live (Auto-J on vllm-sim), the means
 * per N recomputed here with plain loops from the file's ratings and the simulator's log.
 */

const FIXTURE = new URL('../fixtures/bestofn/selection.jsonl', import.meta.url).pathname;
const { work, log, sim } = loggedSimForFile('run-bestofn', ['--garble-rate', '0.05']);

interface Row {
  size: number;
  sets: number;
  judgePick: number;
  randomPick: number;
  bestPick: number;
}
interface Doc {
  suite: string;
  judge: { name: string; mode: string };
  rater: { name: string };
  overall: Row[];
}

type Set = { prompt: string; outputs: string[]; autoj: (number | null)[]; rater: number[] };
function fixtureSets(): Set[] {
  return readFileSync(FIXTURE, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      const row = JSON.parse(l) as {
        prompt: string;
        outputs: Record<string, { outputs: string[]; scores: Record<string, number[]> }>;
      };
      return Object.values(row.outputs).map((m) => ({
        prompt: row.prompt,
        outputs: m.outputs,
        autoj: m.scores['autoj']!,
        rater: m.scores['fixture-rater']!,
      }));
    });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Per N: the rater's mean of the judge's picks (highest, first on a tie), of a random pick, of the best. */
function expected(sets: Set[], judgeRatings: (number | null)[][]) {
  return [2, 4, 8, 16, 32].map((N) => {
    const judged: number[] = [];
    const random: number[] = [];
    const best: number[] = [];
    sets.forEach((set, s) => {
      let pick = -1;
      for (let k = 0; k < N; k++) {
        const r = judgeRatings[s]![k];
        if (r !== null && r !== undefined && (pick < 0 || r > judgeRatings[s]![pick]!)) pick = k;
      }
      if (pick < 0) return;
      judged.push(set.rater[pick]!);
      random.push(mean(set.rater.slice(0, N)));
      best.push(Math.max(...set.rater.slice(0, N)));
    });
    return {
      size: N,
      sets: judged.length,
      judgePick: mean(judged),
      randomPick: mean(random),
      bestPick: mean(best),
    };
  });
}

function check(doc: Doc, want: ReturnType<typeof expected>) {
  expect(doc.overall.map((r) => r.size)).toEqual([2, 4, 8, 16, 32]);
  doc.overall.forEach((row, i) => {
    const w = want[i]!;
    expect(row.sets, `N=${w.size}`).toBe(w.sets);
    expect(row.judgePick, `N=${w.size}`).toBeCloseTo(w.judgePick, 10);
    expect(row.randomPick, `N=${w.size}`).toBeCloseTo(w.randomPick, 10);
    expect(row.bestPick, `N=${w.size}`).toBeCloseTo(w.bestPick, 10);
  });
}

describe('bench run bestofn', () => {
  it('--recorded: the file autoj ratings pick, the rater rates; no judge is reached', async () => {
    const r = await runBench(
      [
        'run',
        'bestofn',
        '--data',
        FIXTURE,
        '--recorded',
        '--rater',
        'fixture-rater',
        '--bootstrap',
        '50',
        '--json',
      ],
      { env: { BENCH_ENDPOINT: 'http://127.0.0.1:9/v1' } },
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc).toMatchObject({
      suite: 'bestofn',
      judge: { name: 'autoj', mode: 'recorded' },
      rater: { name: 'fixture-rater' },
    });
    const sets = fixtureSets();
    check(
      doc,
      expected(
        sets,
        sets.map((s) => s.autoj),
      ),
    );
  });

  it('live: Auto-J on vllm-sim rates every candidate; the picks follow the logged ratings; a rerun sends nothing', async () => {
    const store = join(work, 'judgments.sqlite');
    const args = ['run', 'bestofn', '--data', FIXTURE, '--rater', 'fixture-rater', '--endpoint', sim().url];
    const r = await runBench([...args, '--store', store, '--bootstrap', '50', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.judge).toMatchObject({ name: 'autoj', mode: 'live' });
    const judge = createGenerativeJudge(loadJudgeProfile('autoj'));
    const logged = new Map((await readSimLog(log, 192)).map((l) => [l.prompt_sha256, l]));
    const sets = fixtureSets();
    const ratings = sets.map((set) =>
      set.outputs.map((response) => {
        const prompt = judge.prepare({ protocol: 'single', instruction: set.prompt, response }).prompt!;
        const line = logged.get(createHash('sha256').update(prompt).digest('hex'));
        expect(line).toBeDefined();
        return line!.rating;
      }),
    );
    expect(ratings.flat().some((x) => x === null)).toBe(true);
    check(doc, expected(sets, ratings));

    const requests = (await sim().stats()).requests;
    const again = await runBench([...args, '--store', store, '--bootstrap', '50', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect((await sim().stats()).requests).toBe(requests);
    expect((JSON.parse(again.stdout) as Doc).overall).toEqual(doc.overall);
  });

  it('without --rater: one line naming the flag; without --data the upstream file (bestofn-upstream.test.ts)', async () => {
    const noData = await runBench(['run', 'bestofn', '--recorded', '--rater', 'x', '--offline']);
    expect(noData.code).not.toBe(0);
    expect(noData.stderr.trim().split('\n')).toHaveLength(1);
    expect(noData.stderr).toMatch(
      /testdata_selection\.jsonl: not in the HTTP cache, and --offline sends no request/,
    );
    const noRater = await runBench(['run', 'bestofn', '--recorded', '--data', FIXTURE]);
    expect(noRater.code).toBe(2);
    expect(noRater.stderr).toMatch(/--rater NAME\|FILE is missing/);
    const unknown = await runBench(['run', 'bestofn', '--recorded', '--data', FIXTURE, '--rater', 'gpt-4']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/has no "gpt-4" scores/);
  });
});
