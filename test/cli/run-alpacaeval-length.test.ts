import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alpacaEvalInstructions } from '../../suites/alpacaeval/instruction-set.js';
import { INSTRUCTIONS, makeAlpacaTree, outputsOfLength } from '../helpers/alpaca-tree.js';
import { runBench, SHARED_DATA } from '../helpers/cli.js';

const AE = `${SHARED_DATA}/alpaca_eval`;
const home = () => ({ BENCH_HOME: mkdtempSync(join(tmpdir(), 'bench-home-')) });

/** `bench run alpacaeval --judge length` with more arguments. */
const lengthRun = (...extra: string[]) => ['run', 'alpacaeval', '--judge', 'length', ...extra];

interface Doc {
  models: {
    model: string;
    score: number;
    n: number;
    parsed: number;
    rank: number;
    meanLength: number;
    coverage: Record<string, number>;
  }[];
  correlations: { reference: string; n: number; spearman: { value: number; ci95: [number, number] } }[];
  skipped: { model: string; reason: string; references?: string[] }[];
  settings: { instructions: number };
  instructionIndices: number[];
}

function csvModels(file: string): { model: string; mode: string | undefined }[] {
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  const modeIdx = header!.split(',').indexOf('mode');
  return rows.map((r) => {
    const cells = r.split(',');
    return { model: cells[0]!, mode: modeIdx >= 0 ? cells[modeIdx] : undefined };
  });
}

describe('bench run alpacaeval --judge length (real data)', () => {
  it('reports all three references, every reference model compared or skipped', async () => {
    const r = await runBench(lengthRun('--bootstrap', '50', '--json'), {
      env: home(),
    });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.correlations.map((c) => c.reference)).toEqual(['ae1', 'ae2', 'ae2-lc']);
    const files = {
      ae1: `${AE}/src/alpaca_eval/leaderboards/data_AlpacaEval/alpaca_eval_gpt4_leaderboard.csv`,
      ae2: `${AE}/src/alpaca_eval/leaderboards/data_AlpacaEval_2/weighted_alpaca_eval_gpt4_turbo_leaderboard.csv`,
      'ae2-lc': `${AE}/src/alpaca_eval/leaderboards/data_AlpacaEval_2/weighted_alpaca_eval_gpt4_turbo_leaderboard.csv`,
    };
    const scored = new Set(doc.models.filter((m) => m.score !== null).map((m) => m.model));
    for (const c of doc.correlations) {
      const rows = csvModels(files[c.reference as keyof typeof files]);
      const skipped = new Set(
        doc.skipped.filter((s) => s.references?.includes(c.reference)).map((s) => s.model),
      );
      for (const { model } of rows)
        expect(scored.has(model) || skipped.has(model), `${c.reference}: ${model}`).toBe(true);
      const compared = rows.filter((row) => row.mode !== 'dev' && scored.has(row.model)).length;
      expect(c.n).toBe(compared);
      expect(c.spearman.value).toBeGreaterThan(0);
      expect(c.spearman.ci95[0]).toBeLessThanOrEqual(c.spearman.value);
    }
    // One model of each leaderboard has no outputs in the shared data: it must be listed.
    expect(doc.skipped.filter((s) => s.reason === 'no outputs in the source').length).toBeGreaterThanOrEqual(
      2,
    );
    expect(doc.models.length).toBe(227);
  });

  it('scores a model by its mean output length in code points, empty outputs counting 0', async () => {
    const r = await runBench(lengthRun('--models', 'gemma-2b-it', 'phi-2', '--bootstrap', '0', '--json'), {
      env: home(),
    });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    for (const id of ['gemma-2b-it', 'phi-2']) {
      const entries = JSON.parse(
        gunzipSync(readFileSync(`${AE}/results/${id}/model_outputs.json.gz`)).toString(),
      ) as {
        output: string | null;
      }[];
      const lengths = entries.map((e) => [...(e.output ?? '')].length);
      const m = doc.models.find((x) => x.model === id)!;
      expect(m.n).toBe(entries.length);
      expect(m.score).toBeCloseTo(lengths.reduce((a, b) => a + b, 0) / lengths.length, 9);
    }
    expect(doc.models.find((x) => x.model === 'gemma-2b-it')!.coverage.empty).toBe(22);
    expect(doc.models.find((x) => x.model === 'phi-2')!.coverage.missing).toBe(2);
  });

  it('judges the same seeded instruction subset for every model', async () => {
    const args = lengthRun(
      '--models',
      'gemma-2b-it',
      'phi-2',
      '--instructions',
      '50',
      '--bootstrap',
      '0',
      '--json',
    );
    const a = JSON.parse((await runBench([...args, '--seed', '7'], { env: home() })).stdout) as Doc;
    const b = JSON.parse((await runBench([...args, '--seed', '7'], { env: home() })).stdout) as Doc;
    const c = JSON.parse((await runBench([...args, '--seed', '8'], { env: home() })).stdout) as Doc;
    expect(a.instructionIndices).toHaveLength(50);
    expect(a.instructionIndices).toEqual(b.instructionIndices);
    expect(a.instructionIndices).not.toEqual(c.instructionIndices);
    expect(a.models.find((m) => m.model === 'gemma-2b-it')!.n).toBe(50);
    expect(a.models).toEqual(b.models);
    // phi-2 lacks 2 instructions: its n is 50 minus those that fell in the sample.
    const phiMissing = alpacaEvalInstructions().instructions.length - 803;
    expect(a.models.find((m) => m.model === 'phi-2')!.n).toBeGreaterThanOrEqual(50 - phiMissing);
  });

  it('prints a readable table by default', async () => {
    const r = await runBench(
      lengthRun('--models', 'gemma-2b-it', 'phi-2', 'alpaca-7b', '--bootstrap', '20'),
      {
        env: home(),
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^AlpacaEval re-ranked by length/);
    expect(r.stdout).toMatch(/reference\s+n\s+spearman/);
    expect(r.stdout).toMatch(/\n\s+1\s+gemma-2b-it|\n\s+1\s+phi-2|\n\s+1\s+alpaca-7b/);
  });
});

describe('bench run alpacaeval: bad input', () => {
  const ae1 =
    ',win_rate,mode\ngood,60,minimal\ntrunc,50,community\nnotarray,40,community\nnoinstr,30,community\n../x,20,community\nabsent,10,community\n';
  const tree = makeAlpacaTree(
    {
      good: { outputs: outputsOfLength(10, 5) },
      other: { outputs: outputsOfLength(10, 50) },
      third: { outputs: outputsOfLength(10, 20) },
      trunc: { raw: '[{"instruction": "x", "output": "y"}, {"instr' },
      notarray: { raw: '{"instruction": "x"}' },
      noinstr: { raw: JSON.stringify([{ output: 'y' }]) },
    },
    { ae1 },
  );
  const env = () => ({ ...home(), ALPACA_EVAL_SOURCE: tree });

  it('skips bad submissions with a reason naming the file and warns on stderr', async () => {
    // --min-coverage 0: the good submissions of this tree answer 10 instructions
    const r = await runBench(
      lengthRun('--reference', 'ae1', '--bootstrap', '0', '--min-coverage', '0', '--json'),
      {
        env: env(),
      },
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    const reason = (m: string) => doc.skipped.find((s) => s.model === m)?.reason;
    expect(reason('trunc')).toMatch(/results\/trunc\/model_outputs\.json\.gz: truncated JSON/);
    expect(reason('notarray')).toMatch(/results\/notarray\/model_outputs\.json\.gz: expected a JSON array/);
    expect(reason('noinstr')).toMatch(
      /results\/noinstr\/model_outputs\.json\.gz: entry 0 has no "instruction" string/,
    );
    expect(reason('../x')).toBe('model id is not a safe path segment');
    expect(reason('absent')).toBe('no outputs in the source');
    expect(r.stderr).toMatch(
      /bench: warning: .*trunc\/model_outputs\.json\.gz: truncated JSON .* \(model skipped\)/,
    );
    const good = doc.models.find((m) => m.model === 'good')!;
    expect(good.score).toBeCloseTo(5 + 4.5, 12);
    expect(good.coverage.missing).toBe(795);
  });

  const lastLine = (text: string) => text.trimEnd().split('\n').at(-1);

  it('fails with one line on an unknown reference, a missing column, an unsafe --models id', async () => {
    const unknown = await runBench(lengthRun('--reference', 'ae3'), {
      env: env(),
    });
    expect(unknown.code).toBe(2);
    expect(lastLine(unknown.stderr)).toBe(
      'bench: unknown reference "ae3": use ae1, ae2, ae2-lc or the path of a leaderboard .csv file',
    );

    const noLc = makeAlpacaTree({}, { ae2: ',win_rate,mode\nm,1,minimal\n' });
    const column = await runBench(lengthRun('--reference', 'ae2-lc'), {
      env: { ...home(), ALPACA_EVAL_SOURCE: noLc },
    });
    expect(column.code).toBe(1);
    expect(lastLine(column.stderr)).toBe(
      `bench: ${noLc}/src/alpaca_eval/leaderboards/data_AlpacaEval_2/weighted_alpaca_eval_gpt4_turbo_leaderboard.csv: no column "length_controlled_winrate" (columns: (unnamed), win_rate, mode)`,
    );

    const unsafe = await runBench(lengthRun('--models', '../x'), {
      env: env(),
    });
    expect(unsafe.code).toBe(2);
    expect(lastLine(unsafe.stderr)).toBe(
      'bench: --models: "../x" is not a valid model id (letters, digits and _ . + @ = - only)',
    );

    const table24 = `${SHARED_DATA}/auto-j/paper/table24_alpacaeval_autoj_ratings.csv`;
    const badCsvColumn = await runBench(lengthRun('--reference', table24), {
      env: env(),
    });
    expect(badCsvColumn.code).toBe(1);
    expect(lastLine(badCsvColumn.stderr)).toMatch(
      /^bench: .*table24_alpacaeval_autoj_ratings\.csv: no column "win_rate" \(columns: paper_model_name, /,
    );
  });

  it('rejects bad option values before doing any work', async () => {
    for (const bad of [
      ['--instructions', '0'],
      ['--instructions', '2.5'],
      ['--bootstrap', '-1'],
      ['--judge', 'nope'],
    ]) {
      const r = await runBench(lengthRun(...bad), { env: env() });
      expect(r.code, bad.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n'), bad.join(' ')).toHaveLength(1);
    }
  });
});

describe('bench run alpacaeval: coverage (--min-coverage)', () => {
  const all = INSTRUCTIONS.length;
  const tree = makeAlpacaTree(
    {
      full: { outputs: outputsOfLength(all, 100) },
      // like the shared data's least complete submission (802 of 805)
      most: { outputs: [...outputsOfLength(all - 3, 50), undefined, undefined, undefined] },
      // empty outputs are answers (judged, scored 0 by length)
      blanks: { outputs: [...outputsOfLength(all - 20, 10), ...Array<string>(20).fill('')] },
      // the longest answers, but to 10 instructions only: it would rank first
      partial: { outputs: outputsOfLength(10, 5000) },
    },
    {
      ae1: ',win_rate,mode\nfull,60,community\nmost,50,community\nblanks,40,community\npartial,90,community\n',
    },
  );
  const env = () => ({ ...home(), ALPACA_EVAL_SOURCE: tree });
  interface CoverageDoc extends Doc {
    models: (Doc['models'][number] & {
      coverage: { answered: number; instructions: number; share: number; missing: number };
    })[];
  }

  it('skips a submission below the default 95% with the reason; the others rank', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bench-out-'));
    const r = await runBench(lengthRun('--reference', 'ae1', '--bootstrap', '0', '--out', out, '--json'), {
      env: env(),
    });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as CoverageDoc;
    expect(doc.models.map((m) => [m.model, m.rank])).toEqual([
      ['full', 1],
      ['most', 2],
      ['blanks', 3],
    ]);
    expect(doc.skipped).toContainEqual({
      model: 'partial',
      reason: 'coverage 10/805 (1.2%) below --min-coverage 95%',
      references: ['ae1'],
    });
    expect(r.stderr).toMatch(
      /bench: warning: partial: coverage 10\/805 \(1\.2%\) below --min-coverage 95% \(model skipped\)/,
    );
    expect(doc.correlations[0]!.n).toBe(3);
    const most = doc.models.find((m) => m.model === 'most')!;
    expect(most.coverage).toMatchObject({ answered: 802, instructions: 805, missing: 3 });
    expect(most.coverage.share).toBeCloseTo(802 / 805, 12);
    expect(doc.models.find((m) => m.model === 'blanks')!.coverage).toMatchObject({ answered: 805, share: 1 });
    const csv = readFileSync(join(out, 'models.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe(
      'model,rank,score,se,n,coverage,parsed,unparsed,errors,mean_length,ae1,' +
        'score_low,score_high,rank_low,rank_high,tier,length_controlled,length_controlled_low,length_controlled_high',
    );
    expect(csv.find((l) => l.startsWith('most,'))!.split(',')[5]).toBe(String(802 / 805));
    // the issue-12 columns are the result's fields, empty where it has none
    const m = doc.models.find((x) => x.model === 'most') as unknown as {
      scoreCi95: number[] | null;
      rankCi95: number[] | null;
      tier: number | null;
      lengthControlled?: { value: number | null; ci95: number[] | null };
    };
    const text = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
    expect(
      csv
        .find((l) => l.startsWith('most,'))!
        .split(',')
        .slice(11),
    ).toEqual(
      [
        m.scoreCi95?.[0],
        m.scoreCi95?.[1],
        m.rankCi95?.[0],
        m.rankCi95?.[1],
        m.tier,
        m.lengthControlled?.value,
        m.lengthControlled?.ci95?.[0],
        m.lengthControlled?.ci95?.[1],
      ].map(text),
    );
  });

  it('the table shows each ranked model its coverage', async () => {
    const r = await runBench(lengthRun('--reference', 'ae1', '--bootstrap', '0'), { env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rank\s+model\s+score\s+se\s+n\s+coverage\s+parsed/);
    expect(r.stdout).toMatch(/\n\s+2\s+most\s+\S+\s+\S+\s+802\s+99\.6%\s+802\s/);
    expect(r.stdout).toMatch(/partial \[ae1\]: coverage 10\/805 \(1\.2%\) below --min-coverage 95%/);
  });

  it('--min-coverage takes a fraction or a percentage; 1% ranks the partial submission', async () => {
    for (const value of ['0.01', '1%']) {
      const r = await runBench(
        lengthRun('--reference', 'ae1', '--bootstrap', '0', '--min-coverage', value, '--json'),
        {
          env: env(),
        },
      );
      expect(r.code, r.stderr).toBe(0);
      const partial = (JSON.parse(r.stdout) as CoverageDoc).models.find((m) => m.model === 'partial')!;
      expect(partial.rank).toBe(1);
      expect(partial.coverage).toMatchObject({ answered: 10, instructions: 805 });
    }
    const strict = await runBench(
      lengthRun('--reference', 'ae1', '--bootstrap', '0', '--min-coverage', '100%', '--json'),
      {
        env: env(),
      },
    );
    const doc = JSON.parse(strict.stdout) as CoverageDoc;
    expect(doc.models.map((m) => m.model).sort()).toEqual(['blanks', 'full']);
    expect(doc.skipped.find((s) => s.model === 'most')?.reason).toBe(
      'coverage 802/805 (99.6%) below --min-coverage 100%',
    );
  });

  it('measures coverage over the instructions of the run (--instructions N)', async () => {
    const r = await runBench(
      lengthRun(
        '--reference',
        'ae1',
        '--bootstrap',
        '0',
        '--instructions',
        '40',
        '--min-coverage',
        '0',
        '--json',
      ),
      { env: env() },
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as CoverageDoc;
    const inSample = doc.instructionIndices.filter((i) => i < 10).length;
    expect(doc.models.find((m) => m.model === 'partial')!.coverage).toMatchObject({
      answered: inSample,
      instructions: 40,
    });
    expect(doc.models.find((m) => m.model === 'full')!.coverage).toMatchObject({ answered: 40, share: 1 });
  });

  it('rejects a --min-coverage that is neither a fraction nor a percentage', async () => {
    for (const bad of ['95', '-0.1', '101%', 'most']) {
      const r = await runBench(lengthRun('--min-coverage', bad), { env: env() });
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toBe(
        `bench: --min-coverage must be a fraction from 0 to 1 (0.95) or a percentage (95%), got "${bad}"\n`,
      );
    }
  });
});

describe('bench run alpacaeval: the model selection (--models)', () => {
  const runs = (benchHome: string) =>
    existsSync(join(benchHome, 'runs')) ? readdirSync(join(benchHome, 'runs')) : [];

  it('an unknown id is an error naming it, with the nearest known id; nothing is archived', async () => {
    const env = home();
    const r = await runBench(lengthRun('--models', 'phi-2', 'phi-3', 'gemma-2b-itt', 'zzz-unknown'), { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `source: ${AE}\nbench: --models: unknown model ids "phi-3" (did you mean "phi-2"?), "gemma-2b-itt" (did you mean "gemma-2b-it"?), "zzz-unknown": neither a submission in ${AE}/results nor a model of ae1, ae2, ae2-lc\n`,
    );
    expect(r.stdout).toBe('');
    expect(runs(env.BENCH_HOME)).toEqual([]);
  });

  it('a selection that leaves nothing to rank fails, and is not archived', async () => {
    const tree = makeAlpacaTree(
      { some: { outputs: outputsOfLength(INSTRUCTIONS.length, 5) } },
      {
        ae1: ',win_rate,mode\nsome,50,community\nghost,40,community\n',
      },
    );
    const env = { ...home(), ALPACA_EVAL_SOURCE: tree };
    const r = await runBench(lengthRun('--reference', 'ae1', '--models', 'ghost', '--json'), { env });
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(
      'bench: no model ranked (1 skipped: the reasons are in the result); the run is not archived',
    );
    expect((JSON.parse(r.stdout) as Doc).skipped).toEqual([
      { model: 'ghost', reason: 'no outputs in the source', references: ['ae1'] },
    ]);
    expect(runs(env.BENCH_HOME)).toEqual([]);
  });
});
