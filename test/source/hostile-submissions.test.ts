import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../harness/core/errors.js';
import { sha256Hex } from '../../harness/core/hash.js';
import { createLengthJudge } from '../../harness/judge/length.js';
import { submissionHash } from '../../harness/leaderboard/inputs.js';
import { readSubmission } from '../../harness/source/alpacaeval.js';
import { decodeJson } from '../../harness/source/decode.js';
import { LocalFiles } from '../../harness/source/files.js';
import { parseScoreTable } from '../../harness/source/leaderboard-csv.js';
import { readScoreCsv } from '../../harness/source/references.js';
import { runAlpacaEval } from '../../suites/alpacaeval/suite.js';
import { makeAlpacaTree, outputsOfLength } from '../helpers/alpaca-tree.js';
import { runBench } from '../helpers/cli.js';

/**
 * Submissions are hostile: a results folder may hold links out of the tree, devices,
 * FIFOs, folders, loops, huge files and gzip bombs. None of them is read; each is that
 * model's skip reason naming the file and the problem, never quoting any content, and
 * the run goes on with the other models.
 */
const PASSWD_LINE = readFileSync('/etc/passwd', 'utf8').split('\n')[0]!;
const ENVIRON_START = readFileSync('/proc/self/environ', 'latin1').split('\0')[0]!;

/** Trees made here hold FIFOs and links to devices: removed at the end, not left in /tmp. */
const made: string[] = [];
afterAll(() => made.forEach((root) => rmSync(root, { recursive: true, force: true })));

/** A tree with two good models and one hostile model per way of attacking the reader. */
function hostileTree(): string {
  const root = makeAlpacaTree({
    good: { outputs: outputsOfLength(5, 10) },
    other: { outputs: outputsOfLength(5, 20), gzip: false },
  });
  const results = join(root, 'results');
  const plant = (model: string, file: string, make: (path: string) => void) => {
    mkdirSync(join(results, model), { recursive: true });
    make(join(results, model, file));
  };
  plant('passwd', 'model_outputs.json', (p) => symlinkSync('/etc/passwd', p));
  plant('environ', 'model_outputs.json', (p) => symlinkSync('/proc/self/environ', p));
  plant('zero', 'model_outputs.json.gz', (p) => symlinkSync('/dev/zero', p));
  plant('updir', 'model_outputs.json', (p) => symlinkSync('../../../../../../../../etc/passwd', p));
  plant('folder', 'model_outputs.json', (p) => mkdirSync(p));
  plant('loop', 'model_outputs.json', (p) => {
    symlinkSync(`${p}.b`, p);
    symlinkSync(p, `${p}.b`);
  });
  plant('fifo', 'model_outputs.json', (p) => execFileSync('mkfifo', [p]));
  // a link that stays inside the tree is a file like any other
  plant('alias', 'model_outputs.json.gz', (p) => symlinkSync('../good/model_outputs.json.gz', p));
  made.push(root);
  return root;
}

const EXPECTED: Record<string, string> = {
  passwd: 'model_outputs.json: is a symbolic link out of the source folder (not read)',
  environ: 'model_outputs.json: is a symbolic link out of the source folder (not read)',
  zero: 'model_outputs.json.gz: is a symbolic link out of the source folder (not read)',
  updir: 'model_outputs.json: is a symbolic link out of the source folder (not read)',
  folder: 'model_outputs.json: is a folder, not a file',
  loop: 'model_outputs.json: symbolic link loop',
  fifo: 'model_outputs.json: is a FIFO, not a regular file (not read)',
};

/** Every file of EXPECTED refused by `access` with an InputError naming it and its problem. */
async function expectRefusals(root: string, access: (relPath: string) => Promise<unknown>): Promise<void> {
  for (const [model, problem] of Object.entries(EXPECTED)) {
    const file = problem.slice(0, problem.indexOf(':'));
    const error = await access(`results/${model}/${file}`).catch((e: unknown) => e);
    expect(error, model).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(join(root, 'results', model, problem));
  }
}

describe('LocalFiles.read', () => {
  const root = hostileTree();
  const files = new LocalFiles(root);

  it('refuses links out of the tree, folders, loops and FIFOs, naming the file', async () => {
    await expectRefusals(root, (rel) => files.read(rel));
  });

  it('reads a link that stays inside the tree, and says null for what does not exist', async () => {
    const alias = await files.read('results/alias/model_outputs.json.gz');
    expect(alias).toEqual(await files.read('results/good/model_outputs.json.gz'));
    expect(await files.read('results/good/model_outputs.json')).toBeNull();
    expect(await files.read('results/absent/model_outputs.json')).toBeNull();
  });

  it('refuses a device inside the root and a file over the size cap', async () => {
    await expect(new LocalFiles('/dev').read('zero')).rejects.toThrow(
      '/dev/zero: is a device, not a regular file (not read)',
    );
    const capped = new LocalFiles(root, { limits: { maxFileBytes: 100 } });
    writeFileSync(join(root, 'big.json'), 'x'.repeat(101));
    await expect(capped.read('big.json')).rejects.toThrow(
      `${join(root, 'big.json')}: is larger than 100 bytes, the limit for a source file (not read)`,
    );
    writeFileSync(join(root, 'fits.json'), 'x'.repeat(100));
    expect((await capped.read('fits.json'))!.length).toBe(100);
  });
});

describe('LocalFiles.sha256 (how a rerun hashes every submission)', () => {
  const root = hostileTree();
  const files = new LocalFiles(root);

  it('is the sha256 of the bytes read, streamed through a buffer smaller than the file', async () => {
    const big = Buffer.from(Array.from({ length: 700_000 }, (_, i) => (i * 7919) % 251));
    writeFileSync(join(root, 'big.bin'), big);
    expect(await files.sha256('big.bin')).toBe(sha256Hex(big));
    expect(await files.sha256('results/alias/model_outputs.json.gz')).toBe(
      sha256Hex((await files.read('results/good/model_outputs.json.gz'))!),
    );
    expect(await files.sha256('results/absent/model_outputs.json')).toBeNull();
  });

  it('refuses what read refuses, with the same message', async () => {
    await expectRefusals(root, (rel) => files.sha256(rel));
    const capped = new LocalFiles(root, { limits: { maxFileBytes: 100 } });
    writeFileSync(join(root, 'big.json'), 'x'.repeat(101));
    await expect(capped.sha256('big.json')).rejects.toThrow('is larger than 100 bytes');
  });
});

describe('decoding is bounded and quotes nothing', () => {
  it('stops a gzip bomb at the decompressed cap', async () => {
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x20)); // 4 MiB of spaces, ~4 KB gzipped
    await expect(decodeJson(bomb, 'bomb.json.gz', { maxBytes: 1024 * 1024 })).rejects.toThrow(
      'bomb.json.gz: expands to more than 1 MiB of JSON, the limit (not read)',
    );
    await expect(decodeJson(Buffer.alloc(2048, 0x20), 'big.json', { maxBytes: 1024 })).rejects.toThrow(
      'big.json: holds more than 1 KiB of JSON, the limit (not read)',
    );
  });

  it('reads ASCII and UTF-8 text alike, plain or gzipped', async () => {
    // ASCII with escapes (as Python's json.dump writes), and the same as raw UTF-8
    const ascii = '[{"instruction": "caf\\u00e9", "output": "\\u4e2d\\u6587 \\ud83d\\ude00"}]';
    const utf8 = '[{"instruction": "caf\u00e9", "output": "\u4e2d\u6587 \u{1F600}"}]';
    const want = [{ instruction: 'caf\u00e9', output: '\u4e2d\u6587 \u{1F600}' }];
    for (const json of [ascii, utf8]) {
      const bytes = Buffer.from(json, 'utf8');
      expect(await decodeJson(bytes, 'x.json')).toEqual(want);
      expect(await decodeJson(gzipSync(bytes), 'x.json.gz')).toEqual(want);
    }
    expect(Buffer.from(ascii).every((b) => b < 0x80)).toBe(true);
    // bytes that are not valid UTF-8 decode as the UTF-8 decoder does (replacement characters)
    expect(await decodeJson(Buffer.from([0x22, 0xff, 0xfe, 0x22]), 'x.json')).toBe('\ufffd\ufffd');
  });

  it('decodes a gzip in one piece or several, and refuses one whose trailer states another size', async () => {
    const entries = Array.from({ length: 3000 }, (_, i) => ({
      instruction: `q${i}`,
      output: 'a'.repeat(i % 97),
    }));
    const json = Buffer.from(JSON.stringify(entries));
    const gz = gzipSync(json);
    expect(await decodeJson(gz, 'x.json.gz')).toEqual(entries);
    // two members: the trailer states the last one's size only, so the output comes in pieces
    const half = json.length >> 1;
    const twoMembers = Buffer.concat([gzipSync(json.subarray(0, half)), gzipSync(json.subarray(half))]);
    expect(await decodeJson(twoMembers, 'x.json.gz')).toEqual(entries);
    // ISIZE, the last 4 bytes, sizes the buffer: a wrong one is a bad file, not a big allocation
    for (const size of [0, json.length + 1, 0xffffffff]) {
      const lying = Buffer.from(gz);
      lying.writeUInt32LE(size, lying.length - 4);
      await expect(decodeJson(lying, 'x.json.gz')).rejects.toThrow(
        'x.json.gz: not a valid gzip file (incorrect length check)',
      );
    }
    // a bomb whose trailer states a small size is stopped at the cap all the same
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x20));
    bomb.writeUInt32LE(100, bomb.length - 4);
    await expect(decodeJson(bomb, 'bomb.json.gz', { maxBytes: 1024 * 1024 })).rejects.toThrow(
      'bomb.json.gz: expands to more than 1 MiB of JSON, the limit (not read)',
    );
  });

  it('never repeats the input in a JSON or CSV syntax error', async () => {
    const secret = 'root:x:0:0:root:/root:/bin/bash';
    for (const text of [secret, `[${secret}]`, `{"a": ${secret}}`, `["a", "b"] ${secret}`]) {
      const error = await decodeJson(Buffer.from(text), 'x.json').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(/^x\.json: invalid JSON \(/);
      expect((error as Error).message).not.toContain('root');
    }
    await expect(decodeJson(Buffer.from('[1,\n 2,\n x]'), 'x.json')).rejects.toThrow(
      'x.json: invalid JSON (unexpected character)',
    );
    await expect(decodeJson(Buffer.from('{"a": 1}\n  "b"'), 'x.json')).rejects.toThrow(
      'x.json: invalid JSON (Unexpected non-whitespace character after JSON at line 2 column 3)',
    );
    await expect(decodeJson(Buffer.from('[{"a": 1},\n {"b"'), 'x.json')).rejects.toThrow(
      `x.json: truncated JSON (Expected ':' after property name at line 2 column 6)`,
    );
    const csv = () => parseScoreTable(`a,b\n${secret}"z",1\n`, 'lb.csv', { scoreColumn: 'b' });
    expect(csv).toThrow('lb.csv: not a valid CSV file (invalid opening quote at line 2)');
  });
});

describe('a run with hostile submissions', () => {
  it('skips each hostile model with its reason and ranks the others (CLI)', async () => {
    const root = hostileTree();
    const r = await runBench([
      'run',
      'alpacaeval',
      '--judge',
      'length',
      '--min-coverage',
      '0',
      '--source',
      root,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      models: { model: string; score: number }[];
      skipped: { model: string; reason: string }[];
    };
    expect(doc.models.map((m) => m.model).sort()).toEqual(['alias', 'good', 'other']);
    for (const [model, problem] of Object.entries(EXPECTED)) {
      expect(doc.skipped).toContainEqual({ model, reason: join(root, 'results', model, problem) });
      expect(r.stderr).toContain(`${join(root, 'results', model, problem)} (model skipped)`);
    }
    for (const output of [r.stdout, r.stderr]) {
      expect(output).not.toContain(PASSWD_LINE.slice(0, 10));
      expect(output).not.toContain(ENVIRON_START);
    }
  });

  it('skips a gzip bomb and an oversized file under lowered caps, and ranks the others', async () => {
    const root = makeAlpacaTree({
      good: { outputs: outputsOfLength(5, 10) },
      bomb: { raw: Buffer.alloc(3 * 1024 * 1024, 0x20) }, // gzipped by the helper: ~3 KB
      huge: { raw: `[${'"x",'.repeat(100_000)}"x"]`, gzip: false },
    });
    const limits = { maxFileBytes: 256 * 1024, maxDecodedBytes: 1024 * 1024 };
    const result = await runAlpacaEval({
      minCoverage: 0,
      files: new LocalFiles(root, { limits }),
      cwd: root,
      references: ['ae2'],
      models: ['bomb', 'good', 'huge'],
      seed: 1,
      bootstrap: 0,
      judge: createLengthJudge(),
      run: { signal: new AbortController().signal },
      warn: () => {},
      harnessVersion: 'test',
      gitCommit: null,
    });
    expect(result.models.map((m) => m.model)).toEqual(['good']);
    expect([...result.skipped].sort((a, b) => a.model.localeCompare(b.model))).toEqual([
      {
        model: 'bomb',
        reason: `${join(root, 'results/bomb/model_outputs.json.gz')}: expands to more than 1 MiB of JSON, the limit (not read)`,
      },
      {
        model: 'huge',
        reason: `${join(root, 'results/huge/model_outputs.json')}: is larger than 256 KiB, the limit for a source file (not read)`,
      },
    ]);
  });

  it('a refresh hashes an unreadable submission as none instead of failing', async () => {
    const files = new LocalFiles(hostileTree());
    for (const model of Object.keys(EXPECTED)) expect(await submissionHash(files, model)).toBeNull();
    expect(await submissionHash(files, 'alias')).toBe(await submissionHash(files, 'good'));
  });
});

describe('files named on the command line', () => {
  it('a reference CSV that is a folder or a FIFO is refused with one line', async () => {
    const root = hostileTree();
    const dir = join(root, 'dir.csv');
    mkdirSync(dir);
    await expect(readScoreCsv(dir, { scoreColumn: 'win_rate' })).rejects.toThrow(
      `${dir}: is a folder, not a file`,
    );
    const fifo = join(root, 'fifo.csv');
    execFileSync('mkfifo', [fifo]);
    await expect(readScoreCsv(fifo, { scoreColumn: 'win_rate' })).rejects.toThrow(
      `${fifo}: is a FIFO, not a regular file (not read)`,
    );
  });

  it('reads a submission through a link inside the tree like the file itself', async () => {
    const files = new LocalFiles(hostileTree());
    const alias = await readSubmission(files, 'alias');
    expect(alias!.contentHash).toBe((await readSubmission(files, 'good'))!.contentHash);
  });
});
