import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BenchError } from '../../harness/core/errors.js';
import { processStartId } from '../../harness/core/process.js';
import { deadPid, liveProcess } from '../helpers/processes.js';
import {
  acquireLock,
  LOCK_BUSY_EXIT,
  LockBusyError,
  lockLeaderboard,
} from '../../harness/leaderboard/lock.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'bench-lock-'));
const owner = (pid: number, hostname: string) =>
  `${JSON.stringify({ pid, hostname, startedAt: '2024-01-01T00:00:00.000Z', command: 'bench refresh' })}\n`;

/** A lock as this version writes it, recording the holder process's start. */
const ownerWithStart = (pid: number, hostname: string, processStart: string | null) =>
  `${JSON.stringify({ pid, hostname, startedAt: '2024-01-01T00:00:00.000Z', command: 'bench refresh', processStart, token: '00ff00ff00ff00ff' })}\n`;

describe('acquireLock', () => {
  it('creates the lock with pid, host and start time, and removes it on release', async () => {
    const path = join(tmp(), '.refresh.lock');
    const lock = await acquireLock(path, {
      command: 'bench refresh',
      warn: () => {},
      hostname: 'h1',
      pid: 42,
      now: () => new Date('2024-03-01T02:00:00Z'),
    });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      pid: 42,
      hostname: 'h1',
      startedAt: '2024-03-01T02:00:00.000Z',
      command: 'bench refresh',
      processStart: processStartId(42),
      token: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    await lock.release();
    await lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('refuses while a live process of this host holds it', async () => {
    const path = join(tmp(), '.refresh.lock');
    writeFileSync(path, owner(process.pid, 'h1'));
    const e = await acquireLock(path, { command: 'x', warn: () => {}, hostname: 'h1' }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(LockBusyError);
    expect((e as LockBusyError).exitCode).toBe(LOCK_BUSY_EXIT);
    expect((e as Error).message).toMatch(
      new RegExp(`another refresh is running \\(pid ${process.pid} on h1, started 2024-01-01`),
    );
    expect(readFileSync(path, 'utf8')).toBe(owner(process.pid, 'h1'));
  });

  it('takes over a stale lock of a dead process with a warning', async () => {
    const path = join(tmp(), '.refresh.lock');
    const pid = deadPid();
    writeFileSync(path, owner(pid, 'h1'));
    const warnings: string[] = [];
    const lock = await acquireLock(path, { command: 'x', warn: (m) => warnings.push(m), hostname: 'h1' });
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`took over the stale lock .*pid ${pid} on h1.*that process is gone`)),
    ]);
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('records what tells this process apart from a later one with the same pid', async () => {
    const path = join(tmp(), '.refresh.lock');
    const lock = await acquireLock(path, { command: 'x', warn: () => {} });
    const start = processStartId(process.pid);
    expect(start).toMatch(/^[0-9a-f-]*:\d+$/);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid, processStart: start });
    await lock.release();
  });

  it('refuses while the very process that took it runs (same pid, same start)', async () => {
    const path = join(tmp(), '.refresh.lock');
    const holder = ownerWithStart(process.pid, 'h1', processStartId(process.pid));
    writeFileSync(path, holder);
    await expect(acquireLock(path, { command: 'x', warn: () => {}, hostname: 'h1' })).rejects.toThrow(
      LockBusyError,
    );
    expect(readFileSync(path, 'utf8')).toBe(holder);
  });

  it('takes over a stale lock whose pid now belongs to an unrelated live process', async () => {
    const path = join(tmp(), '.refresh.lock');
    const other = await liveProcess();
    try {
      // the lock's holder had this pid once, but started at another time: it is gone
      const [boot, ticks] = processStartId(other.pid)!.split(':');
      writeFileSync(path, ownerWithStart(other.pid, 'h1', `${boot}:${Number(ticks) - 1}`));
      const warnings: string[] = [];
      const lock = await acquireLock(path, { command: 'x', warn: (m) => warnings.push(m), hostname: 'h1' });
      expect(warnings).toEqual([
        expect.stringMatching(
          new RegExp(
            `took over the stale lock .*pid ${other.pid} on h1.*: pid ${other.pid} is another process now`,
          ),
        ),
      ]);
      expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
      await lock.release();
    } finally {
      other.stop();
    }
  });

  it('a lock path that is a folder is a one-line error naming it and what to do', async () => {
    const path = join(tmp(), '.refresh.lock');
    mkdirSync(path);
    const e = await acquireLock(path, { command: 'x', warn: () => {} }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BenchError);
    expect(e).not.toBeInstanceOf(LockBusyError);
    expect((e as Error).message).toBe(
      `${path} is a folder, not a lock file: remove it (no refresh uses a folder there) and run again`,
    );
    expect(existsSync(path)).toBe(true);
  });

  it('a lock path that is a symlink (even a dangling one) is a one-line error too', async () => {
    const dir = tmp();
    const path = join(dir, '.refresh.lock');
    symlinkSync(join(dir, 'nowhere'), path);
    await expect(acquireLock(path, { command: 'x', warn: () => {} })).rejects.toThrow(
      `${path} is not a regular file (a symlink or a device): remove it and run again`,
    );
  });

  it('refuses a lock of another host (its processes cannot be checked)', async () => {
    const path = join(tmp(), '.refresh.lock');
    writeFileSync(path, owner(deadPid(), 'elsewhere'));
    await expect(acquireLock(path, { command: 'x', warn: () => {}, hostname: 'h1' })).rejects.toThrow(
      /runs on another host/,
    );
  });

  it('waits out an unreadable lock while it may still be being written, then takes it over', async () => {
    const path = join(tmp(), '.refresh.lock');
    writeFileSync(path, '');
    await expect(acquireLock(path, { command: 'x', warn: () => {} })).rejects.toThrow(/being written/);
    const old = new Date(Date.now() - 120_000);
    utimesSync(path, old, old);
    const warnings: string[] = [];
    const lock = await acquireLock(path, { command: 'x', warn: (m) => warnings.push(m) });
    expect(warnings[0]).toMatch(/took over the unreadable lock/);
    await lock.release();
  });

  it('release leaves a lock that is no longer its own', async () => {
    const path = join(tmp(), '.refresh.lock');
    const lock = await acquireLock(path, { command: 'x', warn: () => {} });
    writeFileSync(path, owner(1, 'someone'));
    await lock.release();
    expect(readFileSync(path, 'utf8')).toBe(owner(1, 'someone'));
  });

  it('only one of many concurrent takers gets it', async () => {
    const path = join(tmp(), '.refresh.lock');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => acquireLock(path, { command: 'x', warn: () => {} })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });
});

describe('lockLeaderboard', () => {
  it('a leaderboard folder that cannot be made is a one-line error naming it', async () => {
    const root = tmp();
    writeFileSync(join(root, 'leaderboards'), 'a file\n');
    const dir = join(root, 'leaderboards', 'autoj');
    await expect(lockLeaderboard(dir, { command: 'x', warn: () => {} })).rejects.toThrow(
      new RegExp(`^${dir}: cannot create the leaderboard folder \\(`),
    );
  });

  it('removes the folders it created when they stay empty', async () => {
    const root = tmp();
    const dir = join(root, 'leaderboards', 'autoj');
    const lock = await lockLeaderboard(dir, { command: 'x', warn: () => {} });
    expect(existsSync(join(dir, '.refresh.lock'))).toBe(true);
    await lock.release();
    expect(existsSync(join(root, 'leaderboards'))).toBe(false);
  });
});
